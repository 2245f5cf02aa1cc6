"""Wiring the SDK into OpenTelemetry: one tracer, one batch exporter to the platform.

If the application already has an OpenTelemetry SDK tracer provider, the SDK adds its
processors to it (the application's own spans keep going to the application's exporters; only
LLM-related spans go to the platform). Otherwise it makes a provider of its own and leaves the
global one alone.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from llmops_sdk.config import Settings
from llmops_sdk.safety import guarded
from llmops_sdk.scores import ScoreSender
from llmops_sdk.trace_attributes import TraceAttributesProcessor, as_span_attributes

SCOPE = "llmops_sdk"
VERSION = "0.1.0"
log = logging.getLogger("llmops_sdk")

# Attribute prefixes that mark a span as LLM-related when it comes from another instrumentor.
_LLM_PREFIXES = ("gen_ai.", "llm.", "openinference.", "traceloop.", "llmops.", "retrieval.")


def _is_llm_span(span: ReadableSpan) -> bool:
    scope = span.instrumentation_scope
    if scope is not None and scope.name == SCOPE:
        return True
    return any(key.startswith(_LLM_PREFIXES) for key in (span.attributes or {}))


class PlatformExport(SpanProcessor):
    """Sends LLM-related spans to the platform through a bounded batch queue; counts drops."""

    def __init__(self, exporter: OTLPSpanExporter, settings: Settings, only_llm: bool) -> None:
        self.batch = BatchSpanProcessor(
            exporter,
            max_queue_size=settings.max_queue_size,
            max_export_batch_size=min(512, settings.max_queue_size),
            schedule_delay_millis=1000,
            export_timeout_millis=int(settings.export_timeout_seconds * 1000),
        )
        self.only_llm = only_llm
        self.max_queue_size = settings.max_queue_size
        self.dropped = 0

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    @guarded()
    def on_end(self, span: ReadableSpan) -> None:
        if self.only_llm and not _is_llm_span(span):
            return
        if self._queue_length() >= self.max_queue_size:
            # The queue is full (the platform is down or slow): drop rather than block the app.
            self.dropped += 1
            return
        self.batch.on_end(span)

    def _queue_length(self) -> int:
        # The batch processor keeps its queue private; read it defensively.
        inner = getattr(self.batch, "_batch_processor", self.batch)
        queue = getattr(inner, "_queue", None)
        return len(queue) if queue is not None else 0

    def shutdown(self) -> None:
        self.batch.shutdown()  # type: ignore[no-untyped-call]

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.batch.force_flush(timeout_millis)


class Client:
    def __init__(self, settings: Settings, tracer_provider: Any = None) -> None:
        self.settings = settings
        self.export: PlatformExport | None = None
        self.provider: TracerProvider | None = None
        self.tracer: trace.Tracer = trace.NoOpTracer()
        self.scores: ScoreSender | None = None
        self._lock = threading.Lock()
        if not settings.active:
            return
        self.scores = ScoreSender(settings)
        # Flush what is queued when the interpreter exits normally.
        atexit.register(self.shutdown)
        self._wire(tracer_provider)

    @guarded()
    def _wire(self, tracer_provider: Any) -> None:
        settings = self.settings
        exporter = OTLPSpanExporter(
            endpoint=f"{settings.host}/v1/traces",
            headers={"Authorization": f"Bearer {settings.secret_key}"},
            timeout=int(settings.export_timeout_seconds),
        )
        existing = tracer_provider or trace.get_tracer_provider()
        defaults = as_span_attributes(release=settings.release, environment=settings.environment)
        if isinstance(existing, TracerProvider):
            provider = existing
            self.export = PlatformExport(exporter, settings, only_llm=True)
        else:
            provider = TracerProvider(
                resource=Resource.create({"telemetry.sdk.name": SCOPE}),
                sampler=ParentBased(TraceIdRatioBased(settings.sample_rate)),
            )
            self.export = PlatformExport(exporter, settings, only_llm=False)
        provider.add_span_processor(TraceAttributesProcessor(defaults))
        provider.add_span_processor(self.export)
        self.provider = provider
        self.tracer = provider.get_tracer(SCOPE, VERSION)

    @property
    def dropped_spans(self) -> int:
        return self.export.dropped if self.export else 0

    @guarded(default=False)
    def flush(self, timeout_seconds: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout_seconds
        spans_done = True
        if self.export is not None:
            spans_done = self.export.force_flush(int(timeout_seconds * 1000))
        scores_done = True
        if self.scores is not None:
            scores_done = self.scores.flush(max(deadline - time.monotonic(), 0.0))
        return spans_done and scores_done

    @guarded()
    def shutdown(self) -> None:
        if self.scores is not None:
            self.scores.shutdown(self.settings.export_timeout_seconds)
            self.scores = None
        if self.export is not None:
            self.export.force_flush(int(self.settings.export_timeout_seconds * 1000))
            self.export.shutdown()
            self.export = None
