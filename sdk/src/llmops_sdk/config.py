"""SDK settings: arguments of ``init`` win over environment variables; nothing is required."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Mask = Callable[[Any], Any]


@dataclass(frozen=True)
class Settings:
    host: str
    public_key: str | None
    secret_key: str | None
    environment: str | None
    release: str | None
    sample_rate: float
    enabled: bool
    capture_io: bool
    mask: Mask | None
    max_queue_size: int
    export_timeout_seconds: float
    # The most an app's exit (or a re-``init``) waits for the last flush; the rest is dropped.
    flush_timeout_seconds: float
    # The most ``get_prompt`` waits for a prompt it has never fetched (connect and read).
    prompt_timeout_seconds: float

    @property
    def active(self) -> bool:
        """Tracing happens only when enabled and given a key; otherwise everything is a no-op."""
        return self.enabled and bool(self.secret_key)


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default  # never raise for a bad setting; a warning is logged by the caller


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def from_environment(**overrides: Any) -> Settings:
    env = os.environ
    values: dict[str, Any] = {
        "host": env.get("LLMOPS_HOST", "http://127.0.0.1:8000"),
        "public_key": env.get("LLMOPS_PUBLIC_KEY"),
        "secret_key": env.get("LLMOPS_SECRET_KEY"),
        "environment": env.get("LLMOPS_ENVIRONMENT"),
        "release": env.get("LLMOPS_RELEASE"),
        "sample_rate": _float(env.get("LLMOPS_SAMPLE_RATE"), 1.0),
        "enabled": _bool(env.get("LLMOPS_ENABLED"), True),
        "capture_io": _bool(env.get("LLMOPS_CAPTURE_IO"), True),
        "mask": None,
        "max_queue_size": 2048,
        "export_timeout_seconds": 10.0,
        "flush_timeout_seconds": _float(env.get("LLMOPS_FLUSH_TIMEOUT"), 2.0),
        "prompt_timeout_seconds": _float(env.get("LLMOPS_PROMPT_TIMEOUT"), 2.0),
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    values["host"] = str(values["host"]).rstrip("/")
    # Out-of-range or unreadable values are corrected, never raised: a setting must not break
    # the application.
    values["sample_rate"] = min(max(_float(str(values["sample_rate"]), 1.0), 0.0), 1.0)
    values["max_queue_size"] = max(int(_float(str(values["max_queue_size"]), 2048)), 1)
    values["export_timeout_seconds"] = max(_float(str(values["export_timeout_seconds"]), 10.0), 0.1)
    # 0 is allowed: exit then drops what is queued without waiting at all.
    values["flush_timeout_seconds"] = max(_float(str(values["flush_timeout_seconds"]), 2.0), 0.0)
    values["prompt_timeout_seconds"] = max(_float(str(values["prompt_timeout_seconds"]), 2.0), 0.1)
    return Settings(**values)
