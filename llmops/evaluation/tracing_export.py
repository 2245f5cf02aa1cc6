"""Tracing the platform's own evaluation calls into the project they belong to.

Workers have no API key of the project (secrets are stored hashed), so instead of exporting
over HTTP the spans are encoded as OTLP protobuf by the OpenTelemetry exporter's own encoder
and handed to the same ingestion path the receiver uses: they are priced and stored exactly
like an app's spans.

A run's lane keeps its spans in a ``SpanBuffer`` and stores them itself, in the transaction that
writes the results naming their traces (see ``execution._Lane.flush``): a result is never
committed before its trace, so a worker killed at any point leaves no result pointing at a trace
that was never stored. Online rules, which name no evaluation trace, export in the background.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from django.db import connection
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from llmops.tenancy.models import Project
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans

log = logging.getLogger(__name__)


def evaluation_spans_store(*, project: Project, spans: Sequence[ReadableSpan]) -> None:
    """Store ``spans`` in ``project`` through the ingest path, on the caller's connection (in its
    transaction, if one is open). Storing the same span again stores nothing twice."""
    if not spans:
        return
    raw, _ = iter_spans(encode_spans(spans))
    spans_ingest(project=project, raw_spans=raw, announce=False)


class ProjectIngestExporter(SpanExporter):
    def __init__(self, project: Project) -> None:
        self.project = project

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            evaluation_spans_store(project=self.project, spans=spans)
        except Exception:
            # Tracing an evaluation must never fail the evaluation.
            log.exception("could not store evaluation spans")
            return SpanExportResult.FAILURE
        finally:
            # The exporter's thread ends with the run; its connection must not outlive it.
            connection.close()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


class SpanBuffer(SpanProcessor):
    """Keeps finished spans until their owner drains them; nothing is exported by itself.

    ``on_end`` runs on the thread that ends the span, before that thread goes on: once an item's
    work has returned, every span of its trace is in the buffer.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        with self._lock:
            self._spans.append(span)

    def drain(self) -> list[ReadableSpan]:
        with self._lock:
            spans, self._spans = self._spans, []
        return spans


def _provider(run_id: str) -> TracerProvider:
    return TracerProvider(
        resource=Resource.create(
            {"service.name": "llmops-evaluation", "llmops.evaluation.run_id": run_id}
        )
    )


def evaluation_tracer_provider(project: Project, run_id: str) -> TracerProvider:
    """A provider that stores its spans in ``project`` from a background thread."""
    provider = _provider(run_id)
    provider.add_span_processor(
        BatchSpanProcessor(ProjectIngestExporter(project), schedule_delay_millis=1000)
    )
    return provider


def buffered_tracer_provider(run_id: str) -> tuple[TracerProvider, SpanBuffer]:
    """A provider whose spans wait in the returned buffer until the caller stores them."""
    provider = _provider(run_id)
    buffer = SpanBuffer()
    provider.add_span_processor(buffer)
    return provider, buffer
