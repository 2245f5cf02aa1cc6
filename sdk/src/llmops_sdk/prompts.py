"""``get_prompt``: managed prompts with an in-process cache.

A cached prompt younger than the TTL is returned at once (a dictionary lookup). An older one is
still returned at once while one background thread revalidates it with ``If-None-Match`` (a 304
costs the server almost nothing). Only a prompt never fetched waits for the network, for at
most ``prompt_timeout_seconds`` (2 s by default); if that fails, the fallback given in code is
used, marked ``is_fallback``, and the failure is remembered: later calls answer from the
fallback at once while a background thread retries with back-off (1 s doubling to a minute).
A failed revalidation of a cached prompt keeps serving the cached copy, with the same back-off.
"""

from __future__ import annotations

import contextvars
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from llmops_sdk import state, transport
from llmops_sdk.safety import report

DEFAULT_TTL_SECONDS = 60.0
# After a failed fetch, the next try (in the background) waits this long, doubling to the max.
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0
_TAG = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")

# The prompt version most recently compiled in this context; the next LLM span links to it.
active_prompt: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "llmops_active_prompt", default=None
)


class PromptNotAvailable(LookupError):
    """Neither the server, the cache nor a fallback could provide the prompt."""


@dataclass
class Prompt:
    name: str
    version: int | None
    type: str
    template: Any
    config: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    is_fallback: bool = False

    def compile(self, **variables: Any) -> Any:
        """Fill ``{{variables}}``; chat placeholders take lists of messages by name."""
        if not self.is_fallback and self.version is not None:
            active_prompt.set((self.name, str(self.version)))

        def fill(text: str) -> str:
            return _TAG.sub(
                lambda m: str(variables[m.group(1)]) if m.group(1) in variables else m.group(0),
                text,
            )

        if isinstance(self.template, str):
            return fill(self.template)
        messages: list[dict[str, Any]] = []
        for message in self.template:
            if message.get("type") == "placeholder":
                messages.extend(variables.get(message["name"], []))
            else:
                messages.append({**message, "content": fill(str(message.get("content", "")))})
        return messages


@dataclass
class _Entry:
    prompt: Prompt
    etag: str
    fetched_at: float
    refreshing: bool = False
    # After a failed revalidation: no new one before retry_at (back-off doubling to a minute).
    retry_at: float = 0.0
    backoff: float = 0.0


@dataclass
class _Failure:
    """The last fetch of a prompt never fetched failed: answer from the fallback until a
    background retry (after ``retry_at``) succeeds."""

    error: str
    retry_at: float
    backoff: float
    refreshing: bool = False


Key = tuple[str, str | None, int | None]
_cache: dict[Key, _Entry] = {}
_failures: dict[Key, _Failure] = {}
# Guards writes to the two dictionaries; never held during a request.
_cache_lock = threading.Lock()
# Bumped by clear_cache, so a background fetch still running then cannot write into the new one.
_generation = 0


def _fetch(key: Key, etag: str | None, timeout: float) -> tuple[int, Prompt | None, str]:
    """One GET of the prompt: (status, the prompt of a 200, ETag).

    Unreachable raises ``OSError``; a 200 that is not a prompt raises ``PromptNotAvailable``.
    """
    name, label, version = key
    settings = state.settings()
    query = {"version": str(version)} if version is not None else {"label": label or "production"}
    url = (
        f"{settings.host}/api/v1/prompts/{urllib.parse.quote(name)}?{urllib.parse.urlencode(query)}"
    )
    headers = {"Authorization": f"Bearer {settings.secret_key}"}
    if etag:
        headers["If-None-Match"] = etag
    response = transport.request("GET", url, headers=headers, timeout=timeout)
    if response.status != 200:
        return response.status, None, etag or ""
    try:
        body = json.loads(response.body)
        prompt = Prompt(
            name=body["name"],
            version=body["version"],
            type=body["type"],
            template=body["template"],
            config=body.get("config") or {},
            label=label,
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise PromptNotAvailable(f"the platform's answer is not a prompt: {exc!r}") from exc
    return 200, prompt, response.headers.get("etag", "")


def _next_backoff(previous: float) -> float:
    return min(max(previous * 2, FIRST_RETRY_SECONDS), MAX_RETRY_SECONDS)


def _remember_failure(key: Key, error: str) -> None:
    with _cache_lock:
        previous = _failures.get(key)
        backoff = _next_backoff(previous.backoff if previous else 0.0)
        _failures[key] = _Failure(error, time.monotonic() + backoff, backoff)


def _refresh(key: Key, entry: _Entry | None, generation: int) -> None:
    """Revalidate a cached prompt, or retry one that failed, on a background thread."""
    failure = _failures.get(key)
    try:
        timeout = state.settings().export_timeout_seconds
        status, prompt, etag = _fetch(key, entry.etag if entry else None, timeout)
        if status not in (200, 304):
            raise PromptNotAvailable(f"HTTP {status}")
        with _cache_lock:
            if generation != _generation:
                return  # the cache was cleared meanwhile: this answer belongs to the old one
            if status == 304 and entry is not None:
                entry.fetched_at = time.monotonic()
                entry.backoff = 0.0
            elif prompt is not None:
                _cache[key] = _Entry(prompt, etag, time.monotonic())
                _failures.pop(key, None)
    except (OSError, PromptNotAvailable) as exc:
        # The server is unreachable, slow or refuses: keep serving the cached copy or the
        # fallback, and wait longer before the next try.
        if generation != _generation:
            return
        if entry is not None:
            entry.backoff = _next_backoff(entry.backoff)
            entry.retry_at = time.monotonic() + entry.backoff
        else:
            _remember_failure(key, str(exc))
    except Exception as exc:
        report(exc, "prompt refresh")
    finally:
        if entry is not None:
            entry.refreshing = False
        if failure is not None:
            failure.refreshing = False


def _in_background(key: Key, entry: _Entry | None) -> None:
    threading.Thread(
        target=_refresh, args=(key, entry, _generation), name="llmops-prompt", daemon=True
    ).start()


def get_prompt(
    name: str,
    *,
    label: str | None = None,
    version: int | None = None,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
    fallback: Any = None,
    fallback_type: str = "text",
) -> Prompt:
    """The prompt behind ``label`` (default ``production``) or with number ``version``.

    Waits for the network only for a prompt never fetched and not failed before, and then for
    at most ``prompt_timeout_seconds``. Raises ``PromptNotAvailable`` only when there is
    neither a cached copy nor a ``fallback``.
    """
    key = (name, None if version is not None else (label or "production"), version)
    now = time.monotonic()
    entry = _cache.get(key)
    if entry is not None:
        if now - entry.fetched_at > ttl_seconds and not entry.refreshing and now >= entry.retry_at:
            entry.refreshing = True
            _in_background(key, entry)
        return entry.prompt
    settings = state.settings()
    failure = _failures.get(key)
    if failure is not None:
        # A fetch failed recently: answer now; a background thread tries again after back-off.
        if now >= failure.retry_at and not failure.refreshing:
            failure.refreshing = True
            _in_background(key, None)
        return _fallback(name, key[1], fallback, fallback_type, failure.error)
    try:
        if not settings.active:
            raise PromptNotAvailable("the SDK has no secret key")
        status, prompt, etag = _fetch(key, None, settings.prompt_timeout_seconds)
        if prompt is None:
            raise PromptNotAvailable(f"HTTP {status}")
        with _cache_lock:
            _cache[key] = _Entry(prompt, etag, time.monotonic())
        return prompt
    except Exception as exc:
        if settings.active:
            _remember_failure(key, str(exc))
        return _fallback(name, key[1], fallback, fallback_type, str(exc))


def _fallback(
    name: str, label: str | None, fallback: Any, fallback_type: str, error: str
) -> Prompt:
    if fallback is None:
        raise PromptNotAvailable(f"prompt {name!r} is not available: {error}")
    return Prompt(
        name=name,
        version=None,
        type="chat" if isinstance(fallback, list) else fallback_type,
        template=fallback,
        label=label,
        is_fallback=True,
    )


def clear_cache() -> None:
    global _generation
    with _cache_lock:
        _generation += 1
        _cache.clear()
        _failures.clear()
