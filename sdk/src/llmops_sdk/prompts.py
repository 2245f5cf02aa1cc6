"""``get_prompt``: managed prompts with an in-process cache.

A cached prompt younger than the TTL is returned at once (a dictionary lookup). An older one is
still returned at once while one background thread revalidates it with ``If-None-Match`` (a 304
costs the server almost nothing). Only a prompt never fetched waits for the network; if the
server cannot be reached then, the fallback given in code is used, marked ``is_fallback``.
"""

from __future__ import annotations

import contextvars
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from llmops_sdk import state
from llmops_sdk.safety import report

DEFAULT_TTL_SECONDS = 60.0
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


_cache: dict[tuple[str, str | None, int | None], _Entry] = {}
_cache_lock = threading.Lock()


def _fetch(
    name: str, label: str | None, version: int | None, etag: str | None
) -> tuple[int, dict[str, Any] | None, str]:
    settings = state.settings()
    query = {"version": str(version)} if version is not None else {"label": label or "production"}
    url = (
        f"{settings.host}/api/v1/prompts/{urllib.parse.quote(name)}?{urllib.parse.urlencode(query)}"
    )
    headers = {"Authorization": f"Bearer {settings.secret_key}"}
    if etag:
        headers["If-None-Match"] = etag
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 — the configured host
    try:
        with urllib.request.urlopen(request, timeout=settings.export_timeout_seconds) as response:  # noqa: S310
            return response.status, json.loads(response.read()), response.headers.get("ETag", "")
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return 304, None, etag or ""
        raise


def _to_prompt(body: dict[str, Any], label: str | None) -> Prompt:
    return Prompt(
        name=body["name"],
        version=body["version"],
        type=body["type"],
        template=body["template"],
        config=body.get("config") or {},
        label=label,
    )


def _refresh(key: tuple[str, str | None, int | None], entry: _Entry) -> None:
    try:
        status, body, etag = _fetch(key[0], key[1], key[2], entry.etag)
        with _cache_lock:
            if status == 304:
                entry.fetched_at = time.monotonic()
            elif body is not None:
                _cache[key] = _Entry(_to_prompt(body, key[1]), etag, time.monotonic())
    except OSError:
        pass  # the server is unreachable or slow: keep serving the cached copy
    except Exception as exc:
        report(exc, "prompt refresh")
    finally:
        entry.refreshing = False


def get_prompt(
    name: str,
    *,
    label: str | None = None,
    version: int | None = None,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
    fallback: Any = None,
    fallback_type: str = "text",
) -> Prompt:
    """The prompt behind ``label`` (default ``production``) or with number ``version``."""
    key = (name, None if version is not None else (label or "production"), version)
    entry = _cache.get(key)
    if entry is not None:
        if time.monotonic() - entry.fetched_at > ttl_seconds and not entry.refreshing:
            entry.refreshing = True
            threading.Thread(target=_refresh, args=(key, entry), daemon=True).start()
        return entry.prompt
    try:
        if not state.settings().active:
            raise PromptNotAvailable("the SDK has no secret key")
        status, body, etag = _fetch(name, key[1], version, None)
        if body is None:
            raise PromptNotAvailable(f"unexpected HTTP {status}")
        prompt = _to_prompt(body, key[1])
        with _cache_lock:
            _cache[key] = _Entry(prompt, etag, time.monotonic())
        return prompt
    except Exception as exc:
        if fallback is None:
            raise PromptNotAvailable(f"prompt {name!r} is not available: {exc}") from exc
        return Prompt(
            name=name,
            version=None,
            type="chat" if isinstance(fallback, list) else fallback_type,
            template=fallback,
            label=key[1],
            is_fallback=True,
        )


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
