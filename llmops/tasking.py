"""The one decorator every platform task is declared with.

It fixes the policy in one place: ids in, acks after the work is done (so a killed worker's
task is redelivered; tasks must therefore be idempotent), time limits, and a log line per run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from celery import shared_task

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger("llmops.tasks")


def platform_task(
    name: str, *, soft_time_limit: int | None = None, **options: Any
) -> Callable[[Callable[P, R]], Any]:
    """Declare a task. ``options`` go to Celery as they are (``bind``, ``max_retries``, ...)."""

    def decorate(func: Callable[P, R]) -> Any:
        @wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.monotonic()
            try:
                return func(*args, **kwargs)
            finally:
                log.info("task %s done in %.3fs", name, time.monotonic() - started)

        settings: dict[str, Any] = {"name": name, "acks_late": True, **options}
        if soft_time_limit is not None:
            settings["soft_time_limit"] = soft_time_limit
            settings["time_limit"] = soft_time_limit + 30
        return shared_task(**settings)(run)

    return decorate
