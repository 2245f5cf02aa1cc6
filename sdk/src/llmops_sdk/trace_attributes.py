"""Trace-level attributes (user, session, tags, metadata, release, environment) that every span
of a trace carries.

They live in a context variable, so they follow asyncio tasks and anything run with a copied
context, and they are also remembered per trace id, so a span started in another thread under
the same trace (with the OpenTelemetry context passed along) carries them too.
"""

from __future__ import annotations

import contextvars
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import get_current_span

from llmops_sdk.safety import guarded

_current: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "llmops_trace_attributes", default=None
)
_by_trace: OrderedDict[int, dict[str, Any]] = OrderedDict()
_lock = threading.Lock()
_REMEMBERED_TRACES = 10_000


def as_span_attributes(
    *,
    user_id: str | None = None,
    session_id: str | None = None,
    tags: Sequence[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    release: str | None = None,
    environment: str | None = None,
) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if user_id:
        attributes["llmops.user.id"] = str(user_id)
    if session_id:
        attributes["llmops.session.id"] = str(session_id)
    if tags:
        attributes["llmops.tags"] = [str(tag) for tag in tags]
    if metadata:
        for key, value in metadata.items():
            attributes[f"llmops.metadata.{key}"] = (
                value
                if isinstance(value, str | int | float | bool)
                else json.dumps(value, default=str)
            )
    if release:
        attributes["llmops.release"] = release
    if environment:
        attributes["llmops.environment"] = environment
    return attributes


@contextmanager
def propagate(**values: Any) -> Iterator[None]:
    """Within the block, every span started carries these trace attributes."""
    merged = {**(_current.get() or {}), **as_span_attributes(**values)}
    token = _current.set(merged)
    trace_id = get_current_span().get_span_context().trace_id
    if trace_id:
        _remember(trace_id, merged)
    try:
        yield
    finally:
        _current.reset(token)


def _remember(trace_id: int, attributes: dict[str, Any]) -> None:
    with _lock:
        _by_trace[trace_id] = {**_by_trace.get(trace_id, {}), **attributes}
        _by_trace.move_to_end(trace_id)
        while len(_by_trace) > _REMEMBERED_TRACES:
            _by_trace.popitem(last=False)


class TraceAttributesProcessor(SpanProcessor):
    """Stamps the trace attributes on every span as it starts."""

    def __init__(self, defaults: dict[str, Any]) -> None:
        self.defaults = defaults

    @guarded()
    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        attributes = self.defaults
        current = _current.get()
        remembered = _by_trace.get(span.get_span_context().trace_id) if _by_trace else None
        if current or remembered:
            attributes = {**self.defaults, **(remembered or {}), **(current or {})}
            if current:
                _remember(span.get_span_context().trace_id, current)
        if attributes:
            span.set_attributes(attributes)

    def on_end(self, span: ReadableSpan) -> None:
        return None

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
