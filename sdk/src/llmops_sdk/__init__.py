"""The LLMOps SDK: trace LLM, RAG and agent code with OpenTelemetry and fetch managed prompts.

    import llmops_sdk as llmops

    llmops.init(host="http://127.0.0.1:8000", secret_key="sk-lo-...")

    @llmops.observe(kind="agent")
    def answer(question: str) -> str: ...

Without a secret key (argument or ``LLMOPS_SECRET_KEY``) every call is a cheap no-op.
"""

from __future__ import annotations

from typing import Any

from llmops_sdk import state
from llmops_sdk.client import Client
from llmops_sdk.config import Mask, from_environment
from llmops_sdk.observe import ObservedSpan, observe, span
from llmops_sdk.openai_instrumentation import instrument
from llmops_sdk.prompts import Prompt, PromptNotAvailable, get_prompt
from llmops_sdk.safety import guarded
from llmops_sdk.scores import score_body
from llmops_sdk.trace_attributes import propagate as propagate_attributes

__all__ = [
    "ObservedSpan",
    "Prompt",
    "PromptNotAvailable",
    "flush",
    "get_prompt",
    "init",
    "instrument_openai",
    "observe",
    "propagate_attributes",
    "score",
    "shutdown",
    "span",
]


@guarded()
def init(
    *,
    host: str | None = None,
    public_key: str | None = None,
    secret_key: str | None = None,
    environment: str | None = None,
    release: str | None = None,
    sample_rate: float | None = None,
    enabled: bool | None = None,
    capture_io: bool | None = None,
    mask: Mask | None = None,
    max_queue_size: int | None = None,
    export_timeout_seconds: float | None = None,
    flush_timeout_seconds: float | None = None,
    prompt_timeout_seconds: float | None = None,
    tracer_provider: Any = None,
) -> None:
    """Configure the SDK; arguments win over ``LLMOPS_*`` environment variables.

    ``flush_timeout_seconds`` (``LLMOPS_FLUSH_TIMEOUT``, default 2) bounds how long the app's
    exit waits for the last flush; what is not sent by then is dropped and counted.
    ``prompt_timeout_seconds`` (``LLMOPS_PROMPT_TIMEOUT``, default 2) bounds the first fetch of
    a prompt; after a failure ``get_prompt`` answers from its fallback at once.
    """
    settings = from_environment(
        host=host,
        public_key=public_key,
        secret_key=secret_key,
        environment=environment,
        release=release,
        sample_rate=sample_rate,
        enabled=enabled,
        capture_io=capture_io,
        mask=mask,
        max_queue_size=max_queue_size,
        export_timeout_seconds=export_timeout_seconds,
        flush_timeout_seconds=flush_timeout_seconds,
        prompt_timeout_seconds=prompt_timeout_seconds,
    )
    state.replace(Client(settings, tracer_provider=tracer_provider))


def flush(timeout_seconds: float = 10.0) -> bool:
    """Send what is queued, waiting at most ``timeout_seconds``; True when all of it was sent."""
    return state.client().flush(timeout_seconds)


def shutdown(timeout_seconds: float | None = None) -> None:
    """The exit flush, now: at most ``timeout_seconds`` (default ``flush_timeout_seconds``)."""
    state.client().shutdown(timeout_seconds)


def instrument_openai(openai_client: Any, tracer: Any = None) -> Any:
    """Trace calls made through this ``openai`` client (sync or async); returns the client."""
    return instrument(openai_client, tracer)


@guarded()
def score(
    name: str,
    value: float | bool | str,
    *,
    trace_id: str | None = None,
    span_id: str | None = None,
    comment: str | None = None,
    data_type: str | None = None,
    metadata: dict[str, Any] | None = None,
    id: str | None = None,
) -> str | None:
    """Score a trace or span: a number, true / false, or a category label.

    Without ``trace_id`` and ``span_id`` the current span is scored. The score is sent in the
    background; the returned id, passed again as ``id``, replaces the score (a correction).
    Returns None when the SDK is not configured or nothing could be scored.
    """
    sender = state.client().scores
    if sender is None:
        return None
    body = score_body(
        name=name,
        value=value,
        trace_id=trace_id.lower() if trace_id else None,
        span_id=span_id.lower() if span_id else None,
        comment=comment,
        data_type=data_type,
        metadata=metadata,
        score_id=id,
    )
    if body is None:
        return None
    sender.enqueue(body)
    return str(body["id"])
