from __future__ import annotations

from typing import Any

from llmops.prompts import webhooks
from llmops.tasking import platform_task


@platform_task(webhooks.DELIVER_TASK, soft_time_limit=60, bind=True, max_retries=None)
def deliver_webhook(self: Any, delivery_id: int) -> str:
    """One attempt per run; recoverable failures come back with exponential backoff."""
    try:
        return webhooks.attempt(delivery_id)
    except webhooks.RetryLater as exc:
        backoff = min(2**self.request.retries, 300)
        raise self.retry(countdown=max(backoff, exc.retry_after or 0)) from exc
