"""The tracing benchmark workload: agent traces of five spans, as an app would export them.

Each trace: an agent root, a retriever with three documents, two LLM calls with about 1 KB of
chat messages each (OpenTelemetry GenAI attributes), and a tool call.
"""

from __future__ import annotations

import json
import random

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

_WORDS = [
    "order",
    "parcel",
    "refund",
    "invoice",
    "shipping",
    "address",
    "customer",
    "account",
    "password",
    "reset",
    "delivery",
    "warehouse",
    "payment",
    "card",
    "subscription",
    "upgrade",
    "cancel",
    "return",
    "label",
    "tracking",
    "number",
    "support",
]
MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini")
USERS = [f"user-{i}" for i in range(500)]


def _kv(key: str, value: object) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def _text(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    length = 0
    while length < chars:
        word = rng.choice(_WORDS)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)


def _span(
    trace_id: bytes,
    span_id: bytes,
    parent: bytes,
    name: str,
    start: int,
    end: int,
    attrs: dict[str, object],
) -> Span:
    return Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        kind=Span.SPAN_KIND_INTERNAL,
        start_time_unix_nano=start,
        end_time_unix_nano=end,
        attributes=[_kv(k, v) for k, v in attrs.items()],
        status=Status(code=Status.STATUS_CODE_OK),
    )


def trace_spans(rng: random.Random, start_ns: int) -> list[Span]:
    trace_id = rng.randbytes(16)
    ids = [rng.randbytes(8) for _ in range(5)]
    user = rng.choice(USERS)
    session = f"session-{rng.randrange(20_000)}"
    model = rng.choice(MODELS)
    ms = 1_000_000
    messages_in = json.dumps(
        [
            {"role": "system", "content": _text(rng, 200)},
            {"role": "user", "content": _text(rng, 800)},
        ]
    )
    messages_out = json.dumps([{"role": "assistant", "content": _text(rng, 400)}])
    llm = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": model,
        "gen_ai.response.model": model,
        "gen_ai.request.temperature": 0.2,
        "gen_ai.usage.input_tokens": rng.randrange(200, 1200),
        "gen_ai.usage.output_tokens": rng.randrange(20, 300),
        "gen_ai.input.messages": messages_in,
        "gen_ai.output.messages": messages_out,
        "gen_ai.prompt.name": "support-answer",
        "gen_ai.prompt.version": str(rng.randrange(1, 4)),
    }
    return [
        _span(
            trace_id,
            ids[0],
            b"",
            "invoke_agent support",
            start_ns,
            start_ns + 900 * ms,
            {
                "gen_ai.operation.name": "invoke_agent",
                "user.id": user,
                "session.id": session,
                "input.value": _text(rng, 120),
                "tag.tags": json.dumps(["support", rng.choice(["eu", "us"])]),
            },
        ),
        _span(
            trace_id,
            ids[1],
            ids[0],
            "retrieval kb",
            start_ns + 5 * ms,
            start_ns + 60 * ms,
            {
                "openinference.span.kind": "RETRIEVER",
                "input.value": _text(rng, 60),
                **{
                    f"retrieval.documents.{i}.document.{k}": v
                    for i in range(3)
                    for k, v in (
                        ("id", f"doc-{rng.randrange(10_000)}"),
                        ("score", rng.random()),
                        ("content", _text(rng, 150)),
                    )
                },
            },
        ),
        _span(
            trace_id, ids[2], ids[0], f"chat {model}", start_ns + 70 * ms, start_ns + 400 * ms, llm
        ),
        _span(
            trace_id,
            ids[3],
            ids[0],
            "execute_tool lookup_order",
            start_ns + 410 * ms,
            start_ns + 450 * ms,
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "lookup_order",
                "gen_ai.tool.call.arguments": '{"order": 123}',
            },
        ),
        _span(
            trace_id, ids[4], ids[0], f"chat {model}", start_ns + 460 * ms, start_ns + 880 * ms, llm
        ),
    ]


def batch(
    rng: random.Random, traces: int, start_ns: int, spread_ns: int
) -> tuple[bytes, list[str]]:
    """One protobuf export of ``traces`` traces (5 spans each) and their trace ids (hex)."""
    spans: list[Span] = []
    trace_ids: list[str] = []
    for _ in range(traces):
        trace = trace_spans(rng, start_ns + rng.randrange(spread_ns))
        trace_ids.append(trace[0].trace_id.hex())
        spans.extend(trace)
    export = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(
                    attributes=[
                        _kv("service.name", "support-bot"),
                        _kv("deployment.environment.name", "production"),
                    ]
                ),
                scope_spans=[ScopeSpans(spans=spans)],
            )
        ]
    )
    return export.SerializeToString(), trace_ids
