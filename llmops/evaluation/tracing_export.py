"""Tracing the platform's own evaluation calls into the project they belong to.

Workers have no API key of the project (secrets are stored hashed), so instead of exporting
over HTTP the spans are encoded as OTLP protobuf by the OpenTelemetry exporter's own encoder
and handed to the same ingestion path the receiver uses: they are priced and stored exactly
like an app's spans.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import connection
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from llmops.tenancy.models import Project
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans

log = logging.getLogger(__name__)


class ProjectIngestExporter(SpanExporter):
    def __init__(self, project: Project) -> None:
        self.project = project

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            request = encode_spans(spans)
            raw, _ = iter_spans(request)
            spans_ingest(project=self.project, raw_spans=raw, announce=False)
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


def evaluation_tracer_provider(project: Project, run_id: str) -> TracerProvider:
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": "llmops-evaluation", "llmops.evaluation.run_id": run_id}
        )
    )
    provider.add_span_processor(
        BatchSpanProcessor(ProjectIngestExporter(project), schedule_delay_millis=1000)
    )
    return provider
