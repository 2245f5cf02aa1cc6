"""The official OpenTelemetry OTLP/HTTP exporter works against the receiver unchanged,
configured only through its standard environment variables."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Status, StatusCode

from llmops.tracing.models import Span, Trace
from tests.conftest import Tenant


@pytest.fixture
def provider(
    live_server: object, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TracerProvider]:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{live_server.url}/v1/traces")  # type: ignore[attr-defined]
    monkeypatch.setenv(
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS", f"Authorization=Bearer%20{tenant.secret_key}"
    )
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip")
    provider = TracerProvider(
        resource=Resource.create({"service.name": "shop", "service.version": "9.9.9"})
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    yield provider
    provider.shutdown()


@pytest.mark.django_db(transaction=True)
def test_official_exporter_delivers_an_agent_trace(
    provider: TracerProvider, tenant: Tenant
) -> None:
    tracer = provider.get_tracer("shop.agent")
    with tracer.start_as_current_span("invoke_agent shopper") as root:
        root.set_attribute("gen_ai.operation.name", "invoke_agent")
        root.set_attribute("user.id", "carol")
        with tracer.start_as_current_span("chat gpt-4o-mini") as llm:
            llm.set_attribute("gen_ai.operation.name", "chat")
            llm.set_attribute("gen_ai.provider.name", "openai")
            llm.set_attribute("gen_ai.request.model", "gpt-4o-mini")
            llm.set_attribute("gen_ai.usage.input_tokens", 120)
            llm.set_attribute("gen_ai.usage.output_tokens", 30)
        with tracer.start_as_current_span("execute_tool search") as tool:
            tool.set_attribute("gen_ai.operation.name", "execute_tool")
            tool.set_attribute("gen_ai.tool.name", "search")
            tool.set_status(Status(StatusCode.ERROR, "index offline"))
    assert provider.force_flush(timeout_millis=10_000)

    trace_id = format(root.get_span_context().trace_id, "032x")
    trace = Trace.objects.get(project=tenant.project, trace_id=trace_id)
    assert trace.name == "invoke_agent shopper"
    assert (trace.span_count, trace.error_count, trace.status) == (3, 1, "error")
    assert (trace.user_id, trace.release) == ("carol", "9.9.9")
    assert trace.total_tokens == 150
    kinds = dict(Span.objects.filter(trace_id=trace_id).values_list("name", "kind"))
    assert kinds == {
        "invoke_agent shopper": "agent",
        "chat gpt-4o-mini": "llm",
        "execute_tool search": "tool",
    }
    tool_span = Span.objects.get(trace_id=trace_id, name="execute_tool search")
    assert tool_span.status_message == "index offline"
    assert tool_span.resource_attributes["service.name"] == "shop"
