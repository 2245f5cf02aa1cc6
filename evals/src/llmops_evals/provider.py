"""Calls to an OpenAI-compatible endpoint with the discipline a shared provider needs.

- Timeouts on every call; the ``openai`` client's own retries are off so that this module
  decides: 429, 408, 5xx, timeouts and connection errors retry with exponential backoff (full
  jitter), honouring ``Retry-After`` (seconds or an HTTP date) or ``retry-after-ms`` when the
  provider sends one, capped at ``max_backoff_seconds``; any other 4xx fails at once, as does a
  response the client cannot parse.
- A concurrency limit per provider (base URL) shared by every caller in the process, held only
  while a request is in flight, never while backing off. Building a ``Provider`` with another
  ``concurrency`` for the same base URL resizes that one limit for everyone.
- An optional OpenTelemetry tracer: every call becomes an LLM span through the SDK's OpenAI
  instrumentation, so judge and target calls show up as traces with tokens and cost.
"""

from __future__ import annotations

import datetime
import email.utils
import math
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, cast

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "Completion",
    "ConcurrencyLimit",
    "Provider",
    "ProviderConfig",
    "ProviderError",
    "Usage",
    "limiter",
    "retry_after_seconds",
]

DEFAULT_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class ProviderConfig:
    """Where calls go and how patiently: ``max_attempts`` counts the first try."""

    base_url: str
    api_key: str
    concurrency: int = 8
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_attempts: int = 4
    max_backoff_seconds: float = 30.0


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    usage: Usage
    latency_ms: float
    attempts: int
    raw_message: Mapping[str, Any] = field(default_factory=dict)


class ProviderError(Exception):
    """A call that failed for good; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments would otherwise be lost when the error crosses processes.
        return (_rebuild_provider_error, (str(self), self.status, self.attempts))


def _rebuild_provider_error(message: str, status: int | None, attempts: int) -> ProviderError:
    return ProviderError(message, status=status, attempts=attempts)


class ConcurrencyLimit:
    """A counting limit whose capacity can change while it is in use.

    Unlike a semaphore that is replaced on resize, every holder keeps sharing this one object,
    so a new size takes effect for all callers of the provider; calls already in flight finish.
    """

    def __init__(self, capacity: int) -> None:
        self._condition = threading.Condition()
        self._capacity = max(int(capacity), 1)
        self._in_flight = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def resize(self, capacity: int) -> None:
        with self._condition:
            self._capacity = max(int(capacity), 1)
            self._condition.notify_all()

    def acquire(self) -> None:
        with self._condition:
            while self._in_flight >= self._capacity:
                self._condition.wait()
            self._in_flight += 1

    def release(self) -> None:
        with self._condition:
            if self._in_flight <= 0:
                raise RuntimeError("ConcurrencyLimit released more often than acquired")
            self._in_flight -= 1
            self._condition.notify()

    def __enter__(self) -> ConcurrencyLimit:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


_limits: dict[str, ConcurrencyLimit] = {}
_limits_lock = threading.Lock()


def limiter(base_url: str, concurrency: int) -> ConcurrencyLimit:
    """The process-wide limit of a provider, set to ``concurrency``."""
    key = base_url.rstrip("/")
    with _limits_lock:
        current = _limits.get(key)
        if current is None:
            current = _limits[key] = ConcurrencyLimit(concurrency)
        elif current.capacity != max(concurrency, 1):
            current.resize(concurrency)
        return current


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        # "-0000" parses as naive; HTTP dates are GMT anyway.
        moment = moment.replace(tzinfo=datetime.UTC)
    return max(moment.timestamp() - (time.time() if now is None else now), 0.0)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            value = float(milliseconds)
        except ValueError:
            pass
        else:
            if math.isfinite(value):
                return max(value / 1000, 0.0)
    return retry_after_seconds(headers.get("retry-after"))


def _retryable_status(status: int) -> bool:
    return status == 429 or status >= 500 or status == 408


class Provider:
    def __init__(
        self,
        config: ProviderConfig,
        *,
        tracer: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import openai  # an optional dependency of the library; needed only to call models

        if config.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.config = config
        self._openai = openai
        self._sleep = sleep
        self.client = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "unused",
            timeout=config.timeout_seconds,
            max_retries=0,
        )
        if tracer is not None:
            from llmops_sdk import instrument_openai

            instrument_openai(self.client, tracer)
        self.limit = limiter(config.base_url, config.concurrency)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.config.max_backoff_seconds)
        # Full jitter: many workers retrying together must not hit the provider in step.
        ceiling = min(0.5 * 2 ** (attempt - 1), self.config.max_backoff_seconds)
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 — jitter, not security

    def chat(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        params: Mapping[str, Any] | None = None,
    ) -> Completion:
        """One chat completion, retried as the module docstring says."""
        errors = self._openai
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            started = time.perf_counter()
            try:
                with self.limit:
                    response = self.client.chat.completions.create(
                        # Plain dicts; the client's TypedDicts describe the same JSON.
                        model=model,
                        messages=cast(Any, list(messages)),
                        **dict(params or {}),
                    )
            except errors.APIStatusError as exc:
                status = exc.status_code
                if not _retryable_status(status) or attempt >= self.config.max_attempts:
                    raise ProviderError(
                        f"HTTP {status} from the provider after {attempt} attempt(s): "
                        f"{exc.message}",
                        status=status,
                        attempts=attempt,
                    ) from None
                retry_after = _retry_after(exc.response.headers)
            except (errors.APITimeoutError, errors.APIConnectionError) as exc:
                if attempt >= self.config.max_attempts:
                    what = "timed out" if isinstance(exc, errors.APITimeoutError) else "failed"
                    raise ProviderError(
                        f"the provider call {what} after {attempt} attempt(s): {exc}",
                        attempts=attempt,
                    ) from None
            except errors.APIError as exc:
                # A response the client could not make sense of: retrying would not help.
                raise ProviderError(
                    f"unusable response from the provider: {exc}", attempts=attempt
                ) from None
            else:
                latency_ms = (time.perf_counter() - started) * 1000
                choice = response.choices[0] if response.choices else None
                message = choice.message if choice is not None else None
                usage = response.usage
                return Completion(
                    text=(message.content or "") if message is not None else "",
                    model=response.model or model,
                    usage=Usage(
                        input_tokens=usage.prompt_tokens if usage else 0,
                        output_tokens=usage.completion_tokens if usage else 0,
                        total_tokens=usage.total_tokens if usage else 0,
                    ),
                    latency_ms=latency_ms,
                    attempts=attempt,
                    raw_message=message.model_dump() if message is not None else {},
                )
            self._sleep(self._backoff(attempt, retry_after))
