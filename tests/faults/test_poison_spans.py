"""A span the database cannot take does not cost the valid spans of its batch.

Each batch goes as raw OTLP protobuf over HTTP to the real gunicorn on the private PostgreSQL
(a NUL byte is an error only there: PostgreSQL text and jsonb cannot hold one). The contract,
from the OTLP specification: the batch is answered 200, every valid span is stored, and each
poison span is either stored (made safe) or counted in ``partial_success.rejected_spans``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests.faults.stack import Stack

pytestmark = pytest.mark.faults

NOW_NS = 1_767_225_600 * 10**9  # 2026-01-01
JAN_1990_NS = 631_152_000 * 10**9
VALID_PER_BATCH = 6


def _attribute(key: str, value: str | int) -> KeyValue:
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _span(
    name: str = "valid",
    *,
    trace_id: bytes | None = None,
    start_ns: int = NOW_NS,
    end_ns: int | None = None,
    attributes: dict[str, str | int] | None = None,
) -> Span:
    return Span(
        trace_id=trace_id or secrets.token_bytes(16),
        span_id=secrets.token_bytes(8),
        name=name,
        kind=Span.SPAN_KIND_CLIENT,
        start_time_unix_nano=start_ns,
        end_time_unix_nano=end_ns if end_ns is not None else start_ns + 250_000_000,
        attributes=[_attribute(k, v) for k, v in (attributes or {}).items()],
    )


def _llm_call(tokens: int, trace_id: bytes | None = None) -> Span:
    """A chat call the receiver prices: model and token usage in GenAI attributes."""
    return _span(
        "chat gpt-4o",
        trace_id=trace_id,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": tokens,
            "gen_ai.usage.output_tokens": tokens,
        },
    )


def _three_huge_calls_in_one_trace() -> list[Span]:
    # Each fits a bigint; their sum, the trace's total, does not.
    trace_id = secrets.token_bytes(16)
    return [_llm_call(2**62, trace_id) for _ in range(3)]


POISONS: dict[str, Callable[[], list[Span]]] = {
    "nul in an attribute value": lambda: [_span(attributes={"note": "be\x00fore"})],
    "nul in an attribute key": lambda: [_span(attributes={"no\x00te": "value"})],
    "nul in the span name": lambda: [_span("na\x00me")],
    "token counts of 2^63-1": lambda: [_llm_call(2**63 - 1)],
    "three spans of 2^62 tokens in one trace": _three_huge_calls_in_one_trace,
    "start time of 2^64-1 ns": lambda: [_span(start_ns=2**64 - 1, end_ns=2**64 - 1)],
    "start time in 1990": lambda: [_span(start_ns=JAN_1990_NS)],
}


def _hex(span: Span) -> tuple[str, str]:
    return span.trace_id.hex(), span.span_id.hex()


@dataclass
class Receiver:
    stack: Stack
    project_id: str
    secret_key: str

    def export(self, spans: list[Span]) -> requests.Response:
        request = ExportTraceServiceRequest()
        resource_spans = request.resource_spans.add()
        resource_spans.resource.attributes.append(_attribute("service.name", "poison-test"))
        resource_spans.scope_spans.add().spans.extend(spans)
        return requests.post(
            f"{self.stack.web.base_url}/v1/traces",
            data=request.SerializeToString(),
            headers={
                "Content-Type": "application/x-protobuf",
                "Authorization": f"Bearer {self.secret_key}",
            },
            timeout=60,
        )

    def stored(self, spans: list[Span]) -> set[tuple[str, str]]:
        wanted = {_hex(span) for span in spans}
        with psycopg.connect(self.stack.postgres.url(), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT trace_id, span_id FROM tracing_span"
                " WHERE project_id = %s AND trace_id = ANY(%s)",
                [self.project_id, sorted({trace_id for trace_id, _ in wanted})],
            ).fetchall()
        return {(trace_id, span_id) for trace_id, span_id in rows} & wanted


@pytest.fixture(scope="module")
def receiver(stack: Stack) -> Receiver:
    project_id, secret_key = stack.web.create_project("poison-spans")
    return Receiver(stack, project_id, secret_key)


def _check_batch(receiver: Receiver, poison: list[Span]) -> None:
    valid = [_span(f"valid {n}") for n in range(VALID_PER_BATCH)]
    # Poison in the middle: neither the first nor the last span of the batch.
    half = VALID_PER_BATCH // 2
    response = receiver.export([*valid[:half], *poison, *valid[half:]])
    assert response.status_code == 200, (response.status_code, receiver.stack.logs())
    answer = ExportTraceServiceResponse.FromString(response.content)
    assert receiver.stored(valid) == {_hex(span) for span in valid}
    stored_poison = len(receiver.stored(poison))
    assert stored_poison + answer.partial_success.rejected_spans == len(poison), (
        f"{len(poison)} poison spans: {stored_poison} stored, "
        f"{answer.partial_success.rejected_spans} reported rejected "
        f"({answer.partial_success.error_message!r})"
    )


@pytest.mark.parametrize("kind", list(POISONS))
def test_a_poison_span_does_not_cost_the_valid_spans_of_its_batch(
    receiver: Receiver, kind: str
) -> None:
    _check_batch(receiver, POISONS[kind]())


def test_a_batch_with_every_poison_at_once_stores_its_valid_spans(receiver: Receiver) -> None:
    _check_batch(receiver, [span for make in POISONS.values() for span in make()])
