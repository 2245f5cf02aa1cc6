"""The SDK never hurts its host: internal errors are logged and counted, never raised.

Tests turn ``STRICT`` on so that any swallowed internal error fails them.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

log = logging.getLogger("llmops_sdk")
P = ParamSpec("P")
R = TypeVar("R")

# Set by the SDK's own tests: swallowed errors are kept here and re-raised by a fixture.
STRICT = False
swallowed: list[BaseException] = []
internal_error_count = 0


def report(exc: BaseException, where: str) -> None:
    global internal_error_count
    internal_error_count += 1
    if STRICT:
        swallowed.append(exc)
    log.warning(
        "llmops_sdk: internal error in %s: %s", where, exc, exc_info=log.isEnabledFor(logging.DEBUG)
    )


def guarded(default: Any = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run an SDK-internal function; on any error, report it and return ``default``."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                report(exc, func.__qualname__)
                return default  # type: ignore[no-any-return]

        return wrapper

    return decorate
