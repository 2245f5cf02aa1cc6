"""Reading attributes that encode lists of objects as ``prefix.<index>.<suffix>`` keys."""

from __future__ import annotations

import json
from typing import Any

from llmops.tracing import fast_json


def pop_indexed(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """Remove every ``prefix<N>.<suffix>`` key from ``attrs``; return one dict per index.

    Each dict maps the suffix (which may itself contain dots) to the value, ordered by index.
    """
    groups: dict[int, dict[str, Any]] = {}
    for key in [k for k in attrs if k.startswith(prefix)]:
        index_text, _, suffix = key[len(prefix) :].partition(".")
        if not index_text.isdigit():
            continue
        groups.setdefault(int(index_text), {})[suffix] = attrs.pop(key)
    return [groups[index] for index in sorted(groups)]


def pop_first(attrs: dict[str, Any], *keys: str) -> Any:
    """Pop every key in ``keys``; return the first one that held a non-empty value."""
    found: Any = None
    for key in keys:
        if key in attrs:
            value = attrs.pop(key)
            if found is None and value not in (None, ""):
                found = value
    return found


def maybe_json(value: Any) -> Any:
    """Decode a JSON string (conventions often carry structures as JSON text); else as is."""
    if isinstance(value, str):
        text = value.strip()
        if (
            text[:1] in ("{", "[")
            or (len(text) >= 2 and text[0] == text[-1] == '"')
            or text in ("null", "true", "false")
        ):
            try:
                return fast_json.loads(text)
            except ValueError:
                return value
    return value


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def as_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, dict | list) else str(value)
