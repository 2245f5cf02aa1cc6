"""``POST /v1/traces``: OTLP over HTTP, protobuf or JSON, gzip or not, idempotent and durable."""

from __future__ import annotations

import base64
import gzip
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, override_settings
from google.rpc import status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from llmops.tracing.models import Span, Trace
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.django_db

TRACE = "5b8efff798038103d269b633813fc60c"
ROOT = "eee19b7ec3c1b174"
CHILD = "eee19b7ec3c1b175"
LLM = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 200,
    "user.id": "alice",
    "session.id": "s1",
}


def post(tenant: Tenant, body: bytes, **headers: str) -> Any:
    content_type = headers.pop("content_type", "application/x-protobuf")
    extra: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {tenant.secret_key}", **headers}
    return Client().post("/v1/traces", body, content_type=content_type, **extra)


def two_span_export() -> bytes:
    return p.request(
        [
            p.span(trace_id=TRACE, span_id=ROOT, name="agent", duration_ns=5_000_000),
            p.span(
                trace_id=TRACE,
                span_id=CHILD,
                parent=ROOT,
                name="chat",
                start_ns=p.BASE_NS + 1_000_000,
                duration_ns=2_000_000,
                attributes=LLM,
            ),
        ]
    ).SerializeToString()


def test_protobuf_export_is_stored_and_answered_in_protobuf(tenant: Tenant) -> None:
    response = post(tenant, two_span_export())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-protobuf"
    parsed = ExportTraceServiceResponse.FromString(response.content)
    assert not parsed.HasField("partial_success")
    assert Span.objects.filter(project=tenant.project).count() == 2
    trace = Trace.objects.get(project=tenant.project, trace_id=TRACE)
    assert (trace.name, trace.span_count, trace.error_count) == ("agent", 2, 0)
    assert (trace.input_tokens, trace.output_tokens, trace.total_tokens) == (1000, 200, 1200)
    assert trace.latency_ms == 5.0
    assert (trace.user_id, trace.session_id) == ("alice", "s1")
    llm = Span.objects.get(span_id=CHILD)
    assert llm.cost_source == "default"
    assert llm.cost_total == Decimal("0.000270")  # 1000 x $0.15/M + 200 x $0.60/M
    assert trace.cost_total == llm.cost_total


def test_retried_export_changes_and_counts_nothing(tenant: Tenant) -> None:
    assert post(tenant, two_span_export()).status_code == 200
    first = dict(Trace.objects.values().get(trace_id=TRACE))
    spans = list(Span.objects.values().order_by("span_id"))
    assert post(tenant, two_span_export()).status_code == 200
    again = dict(Trace.objects.values().get(trace_id=TRACE))
    first.pop("updated_at")
    again.pop("updated_at")
    assert again == first
    assert list(Span.objects.values().order_by("span_id")) == spans


def test_children_first_in_separate_batches_assemble_the_same_trace(tenant: Tenant) -> None:
    child_only = p.request(
        [
            p.span(
                trace_id=TRACE,
                span_id=CHILD,
                parent=ROOT,
                name="chat",
                start_ns=p.BASE_NS + 1_000_000,
                duration_ns=2_000_000,
                attributes=LLM,
                error=True,
            )
        ]
    ).SerializeToString()
    assert post(tenant, child_only).status_code == 200
    orphan = Trace.objects.get(trace_id=TRACE)
    assert (orphan.name, orphan.root_span_id, orphan.span_count) == ("chat", "", 1)
    root_only = p.request(
        [p.span(trace_id=TRACE, span_id=ROOT, name="agent", duration_ns=5_000_000)]
    ).SerializeToString()
    assert post(tenant, root_only).status_code == 200
    trace = Trace.objects.get(trace_id=TRACE)
    assert (trace.name, trace.root_span_id, trace.span_count) == ("agent", ROOT, 2)
    assert (trace.status, trace.error_count, trace.latency_ms) == ("error", 1, 5.0)
    assert trace.total_tokens == 1200


def test_gzip_protobuf_is_accepted(tenant: Tenant) -> None:
    response = post(tenant, gzip.compress(two_span_export()), HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 200
    assert Span.objects.count() == 2


def test_otlp_json_with_hex_ids_is_accepted_and_answered_in_json(tenant: Tenant) -> None:
    body = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "x"}}]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": TRACE,
                                "spanId": ROOT,
                                "name": "json-root",
                                "kind": 1,
                                "startTimeUnixNano": str(p.BASE_NS),
                                "endTimeUnixNano": str(p.BASE_NS + 3_000_000),
                                "attributes": [
                                    {"key": "user.id", "value": {"stringValue": "bob"}},
                                    {
                                        "key": "gen_ai.usage.input_tokens",
                                        "value": {"intValue": "7"},
                                    },
                                ],
                            },
                            {
                                "traceId": "not-hex",
                                "spanId": CHILD,
                                "name": "bad",
                                "startTimeUnixNano": str(p.BASE_NS),
                                "endTimeUnixNano": str(p.BASE_NS),
                            },
                        ]
                    }
                ],
            }
        ]
    }
    response = post(tenant, json.dumps(body).encode(), content_type="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["partialSuccess"]["rejectedSpans"] == "1"
    assert "invalid trace id" in response.json()["partialSuccess"]["errorMessage"]
    stored = Span.objects.get()
    assert (stored.name, stored.user_id, stored.input_tokens) == ("json-root", "bob", 7)


def test_a_span_with_bad_ids_is_rejected_alone(tenant: Tenant) -> None:
    export = p.request(
        [
            p.span(trace_id=TRACE, span_id=ROOT, name="good"),
            p.span(trace_id="00" * 16, span_id=CHILD, name="zero trace id"),
        ]
    )
    response = post(tenant, export.SerializeToString())
    assert response.status_code == 200
    parsed = ExportTraceServiceResponse.FromString(response.content)
    assert parsed.partial_success.rejected_spans == 1
    assert parsed.partial_success.error_message == (
        f"span {CHILD}: invalid trace id: need 16 non-zero bytes"
    )
    assert list(Span.objects.values_list("name", flat=True)) == ["good"]


def test_invalid_protobuf_is_400_with_reason_and_loses_nothing(tenant: Tenant) -> None:
    assert post(tenant, two_span_export()).status_code == 200
    before = list(Span.objects.values().order_by("id"))
    response = post(tenant, b"\xff\xff\xff not protobuf")
    assert response.status_code == 400
    status = status_pb2.Status.FromString(response.content)
    assert status.message.startswith("body is not a valid OTLP protobuf")
    assert list(Span.objects.values().order_by("id")) == before


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (b"{not json", {"content_type": "application/json"}, "body is not valid JSON"),
        (b"[1]", {"content_type": "application/json"}, "JSON body must be an object"),
        (b"xx", {"HTTP_CONTENT_ENCODING": "gzip"}, "body is not valid gzip"),
        (b"xx", {"HTTP_CONTENT_ENCODING": "br"}, "Content-Encoding 'br' is not supported"),
    ],
)
def test_bad_bodies_are_400(
    tenant: Tenant, body: bytes, headers: dict[str, str], message: str
) -> None:
    response = post(tenant, body, **headers)
    assert response.status_code == 400
    text = response.content.decode(errors="replace")
    assert message in text


def test_unsupported_content_type_is_415(tenant: Tenant) -> None:
    response = post(tenant, b"x", content_type="text/plain")
    assert response.status_code == 415


@override_settings(MAX_REQUEST_BYTES=2048)
def test_oversized_body_is_413(tenant: Tenant) -> None:
    response = post(tenant, b"\x00" * 4096)
    assert response.status_code == 413


@override_settings(OTLP_MAX_DECOMPRESSED_BYTES=4096)
def test_decompression_bomb_is_413(tenant: Tenant) -> None:
    response = post(tenant, gzip.compress(b"\x00" * 100_000), HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 413
    assert Span.objects.count() == 0


def test_missing_unknown_and_revoked_keys_are_401(tenant: Tenant) -> None:
    body = two_span_export()
    assert (
        Client().post("/v1/traces", body, content_type="application/x-protobuf").status_code == 401
    )
    response = Client().post(
        "/v1/traces",
        body,
        content_type="application/x-protobuf",
        HTTP_AUTHORIZATION="Bearer sk-lo-unknown",
    )
    assert response.status_code == 401
    assert status_pb2.Status.FromString(response.content).message == "Unknown or revoked API key."
    assert Span.objects.count() == 0


def test_basic_auth_is_accepted(tenant: Tenant) -> None:
    token = base64.b64encode(f"{tenant.public_key}:{tenant.secret_key}".encode()).decode()
    response = Client().post(
        "/v1/traces",
        two_span_export(),
        content_type="application/x-protobuf",
        HTTP_AUTHORIZATION=f"Basic {token}",
    )
    assert response.status_code == 200


def test_spans_land_in_the_keys_project_only(tenant: Tenant, other_tenant: Tenant) -> None:
    assert post(other_tenant, two_span_export()).status_code == 200
    assert Span.objects.filter(project=tenant.project).count() == 0
    assert Span.objects.filter(project=other_tenant.project).count() == 2
