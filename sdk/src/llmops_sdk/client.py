"""Wiring the SDK into OpenTelemetry: one tracer, one background span sender to the platform.

If the application already has an OpenTelemetry SDK tracer provider, the SDK adds its
processors to it (the application's own spans keep going to the application's exporters; only
LLM-related spans go to the platform). Otherwise it makes a provider of its own and leaves the
global one alone.
"""

from __future__ import annotations

import atexit
import logging
import time
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from llmops_sdk import transport
from llmops_sdk.config import Settings
from llmops_sdk.safety import guarded
from llmops_sdk.scores import ScoreSender
from llmops_sdk.trace_attributes import TraceAttributesProcessor, as_span_attributes
from llmops_sdk.worker import BackgroundSender, Outcome

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


class SpanSender(BackgroundSender[ReadableSpan]):
    """Posts batches of spans to the platform's OTLP/HTTP endpoint (protobuf)."""

    batch_size = 512
    wake_at = 512

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            name="spans",
            max_queue=settings.max_queue_size,
            timeout_seconds=settings.export_timeout_seconds,
        )
        self.batch_size = min(512, settings.max_queue_size)
        self.wake_at = self.batch_size
        self.url = f"{settings.host}/v1/traces"
        self.headers = {
            "Authorization": f"Bearer {settings.secret_key}",
            "Content-Type": "application/x-protobuf",
        }

    def _send(self, batch: list[ReadableSpan], timeout: float) -> tuple[Outcome, float | None]:
        body = encode_spans(batch).SerializeToString()
        try:
            response = transport.request(
                "POST", self.url, headers=self.headers, body=body, timeout=timeout
            )
        except OSError:
            return Outcome.RETRY, None
        if response.ok:
            return Outcome.SENT, None
        if response.retryable:
            return Outcome.RETRY, response.retry_after()
        log.warning(
            "llmops_sdk: the platform refused %d spans: HTTP %s", len(batch), response.status
        )
        return Outcome.DROP, None


class PlatformExport(SpanProcessor):
    """Hands LLM-related spans to the span sender; never blocks the span's thread."""

    def __init__(self, settings: Settings, only_llm: bool) -> None:
        self.sender = SpanSender(settings)
        self.only_llm = only_llm
        self.flush_timeout_seconds = settings.flush_timeout_seconds

    @property
    def dropped(self) -> int:
        return self.sender.dropped

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    @guarded()
    def on_end(self, span: ReadableSpan) -> None:
        if not (span.context and span.context.trace_flags.sampled):
            return
        if self.only_llm and not _is_llm_span(span):
            return
        self.sender.put(span)

    def shutdown(self) -> None:
        # Called by the app's own TracerProvider at its shutdown: the same bounded last flush.
        deadline = time.monotonic() + self.flush_timeout_seconds
        self.sender.begin_close(deadline)
        self.sender.finish_close(deadline)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.sender.flush(time.monotonic() + timeout_millis / 1000).wait()


class Client:
    def __init__(self, settings: Settings, tracer_provider: Any = None) -> None:
        self.settings = settings
        self.export: PlatformExport | None = None
        self.provider: TracerProvider | None = None
        self.tracer: trace.Tracer = trace.NoOpTracer()
        self.scores: ScoreSender | None = None
        self._closed = False
        if not settings.active:
            return
        self.scores = ScoreSender(settings)
        # Flush what is queued when the interpreter exits normally, within flush_timeout_seconds.
        atexit.register(self.shutdown)
        self._wire(tracer_provider)

    @guarded()
    def _wire(self, tracer_provider: Any) -> None:
        settings = self.settings
        existing = tracer_provider or trace.get_tracer_provider()
        defaults = as_span_attributes(release=settings.release, environment=settings.environment)
        if isinstance(existing, TracerProvider):
            provider = existing
            self.export = PlatformExport(settings, only_llm=True)
        else:
            provider = TracerProvider(
                resource=Resource.create({"telemetry.sdk.name": SCOPE}),
                sampler=ParentBased(TraceIdRatioBased(settings.sample_rate)),
                # Our own exit hook flushes within the budget; the provider's would not.
                shutdown_on_exit=False,
            )
            self.export = PlatformExport(settings, only_llm=False)
        provider.add_span_processor(TraceAttributesProcessor(defaults))
        provider.add_span_processor(self.export)
        self.provider = provider
        self.tracer = provider.get_tracer(SCOPE, VERSION)

    def _senders(self) -> list[BackgroundSender[Any]]:
        senders: list[BackgroundSender[Any]] = []
        if self.export is not None:
            senders.append(self.export.sender)
        if self.scores is not None:
            senders.append(self.scores)
        return senders

    @property
    def dropped_spans(self) -> int:
        """Spans not sent: queue full, refused, or still unsent when the exit flush ran out."""
        return self.export.dropped if self.export else 0

    @property
    def dropped_scores(self) -> int:
        return self.scores.dropped if self.scores else 0

    @guarded(default=False)
    def flush(self, timeout_seconds: float = 10.0) -> bool:
        """Send what is queued, waiting at most ``timeout_seconds``; True when all was sent."""
        deadline = time.monotonic() + max(timeout_seconds, 0.0)
        # Spans and scores flush side by side on their own threads, against one deadline.
        requests = [sender.flush(deadline) for sender in self._senders()]
        return all([request.wait() for request in requests])

    @guarded()
    def shutdown(self, timeout_seconds: float | None = None) -> None:
        """The last flush: at most ``timeout_seconds`` (default ``flush_timeout_seconds``).

        What is not sent by then is dropped, counted in ``dropped_spans`` / ``dropped_scores``,
        and logged once. Runs at interpreter exit and when ``init`` replaces this client.
        """
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.shutdown)
        budget = self.settings.flush_timeout_seconds if timeout_seconds is None else timeout_seconds
        deadline = time.monotonic() + max(budget, 0.0)
        senders = self._senders()
        for sender in senders:
            sender.begin_close(deadline)
        left = {sender.name: sender.finish_close(deadline) for sender in senders}
        if any(left.values()):
            log.warning(
                "llmops_sdk: the platform did not take everything within the %.1f s exit flush "
                "(LLMOPS_FLUSH_TIMEOUT); dropped %d spans and %d scores",
                budget,
                left.get("spans", 0),
                left.get("scores", 0),
            )
