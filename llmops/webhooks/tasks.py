from __future__ import annotations

from typing import Any

from llmops.tasking import platform_task
from llmops.webhooks import domain

# A receiver's Retry-After is honoured up to this many seconds: beyond it, the receiver could
# park its delivery task (and the alert in it) for as long as it liked.
MAX_RETRY_AFTER_SECONDS = 3600


def retry_countdown(*, retries: int, retry_after: float | None) -> float:
    """Seconds before the next attempt: exponential backoff, or the receiver's wish, capped."""
    backoff: int = min(2**retries, 300)
    return max(backoff, min(retry_after or 0, MAX_RETRY_AFTER_SECONDS))


# Registered under the name it had in the prompts app (see ``domain.DELIVER_TASK``), so messages
# queued before the move, and their retries, run here unchanged.
@platform_task(domain.DELIVER_TASK, soft_time_limit=60, bind=True, max_retries=None)
def deliver_webhook(self: Any, delivery_id: int) -> str:
    """One attempt per run; recoverable failures come back with exponential backoff."""
    try:
        return domain.attempt(delivery_id)
    except domain.RetryLater as exc:
        countdown = retry_countdown(retries=self.request.retries, retry_after=exc.retry_after)
        raise self.retry(countdown=countdown) from exc
