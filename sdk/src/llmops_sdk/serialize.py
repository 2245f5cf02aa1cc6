"""Turning captured values into span attributes: masked, JSON, bounded."""

from __future__ import annotations

import json
from typing import Any

from llmops_sdk.config import Mask

MAX_CHARS = 100_000
# One encoder for every call: json.dumps with options builds a new encoder each time, which is
# a measurable part of @observe's cost on a small function.
_encode = json.JSONEncoder(default=repr, ensure_ascii=False).encode
MASK_FAILED = "<masking failed: value withheld>"


def masked(value: Any, mask: Mask | None) -> Any:
    """Apply the user's mask; if it fails, a marker replaces the value, never the raw value."""
    if mask is None:
        return value
    try:
        return mask(value)
    except Exception:
        return MASK_FAILED


def to_attribute(value: Any, mask: Mask | None) -> str:
    value = masked(value, mask)
    text = value if isinstance(value, str) else _encode(value)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS] + "…(truncated)"
