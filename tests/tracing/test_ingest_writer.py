"""The span writer keeps ingest's contracts on both database paths.

PostgreSQL stores spans with COPY into a staging table and one INSERT ... SELECT ... ON CONFLICT
DO NOTHING, and recomputes trace rows in SQL; SQLite bulk-creates and recomputes them in Python.
Either way a retried batch stores nothing twice and adds no rollup twice, spans arriving late and
out of order assemble into the right trace, a bad span is rejected alone, and unstorable values
are cleaned per span. The SQL trace refresh must agree with the Python one on any batch.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum

from llmops.tracing import ingest
from llmops.tracing.ingest import IngestResult, spans_ingest
from llmops.tracing.models import RollupDimension, Span, SpanRollup, Trace
from llmops.tracing.otlp import RawSpan, iter_spans
from llmops.tracing.span_writer import SPAN_COLUMNS
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.django_db

TRACE = "0af7651916cd43dd8448eb211c80319c"
ROOT, CHILD_A, CHILD_B, CHILD_C = (f"{i:016x}" for i in (0xA1, 0xB1, 0xB2, 0xB3))
MS = 1_000_000  # ns


def _llm(model: str, tokens_in: int, tokens_out: int, **extra: Any) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": tokens_in,
        "gen_ai.usage.output_tokens": tokens_out,
        **extra,
    }


def _ingest(tenant: Tenant, spans: list[Any]) -> IngestResult:
    raw, rejected = iter_spans(p.request(spans))
    assert rejected == []
    return spans_ingest(project=tenant.project, raw_spans=raw, announce=False)


def _rollup_calls(tenant: Tenant) -> int:
    total = SpanRollup.objects.filter(
        project=tenant.project, dimension=RollupDimension.ALL
    ).aggregate(calls=Sum("call_count"))["calls"]
    return int(total or 0)


def _trace_row(trace_id: str) -> dict[str, Any]:
    row: dict[str, Any] = dict(Trace.objects.filter(trace_id=trace_id).values().get())
    for generated in ("id", "updated_at"):
        del row[generated]
    return row


def test_the_row_columns_are_every_stored_span_column() -> None:
    generated = {"id", "ingested_at"}
    assert set(SPAN_COLUMNS) == {f.column for f in Span._meta.concrete_fields} - generated


def test_a_retried_batch_stores_nothing_twice_and_adds_no_rollup_twice(tenant: Tenant) -> None:
    batch = [
        p.span(trace_id=TRACE, span_id=ROOT, name="agent"),
        p.span(
            trace_id=TRACE,
            span_id=CHILD_A,
            parent=ROOT,
            start_ns=p.BASE_NS + MS,
            attributes=_llm("gpt-4o-mini", 1000, 200),
        ),
        p.span(
            trace_id=TRACE,
            span_id=CHILD_B,
            parent=ROOT,
            start_ns=p.BASE_NS + 2 * MS,
            attributes={
                "gen_ai.operation.name": "embeddings",
                "gen_ai.request.model": "text-embedding-3-small",
                "gen_ai.usage.input_tokens": 50,
            },
        ),
    ]
    assert _ingest(tenant, batch).accepted == 3
    first = _trace_row(TRACE)
    assert _rollup_calls(tenant) == 2  # the LLM and the embedding call

    assert _ingest(tenant, batch).accepted == 3  # accepted again: a retry is not an error
    assert _ingest(tenant, batch[1:]).accepted == 2

    assert Span.objects.filter(project=tenant.project).count() == 3
    assert _rollup_calls(tenant) == 2
    assert _trace_row(TRACE) == first
    assert first["span_count"] == 3
    assert first["input_tokens"] == 1050


def test_late_and_out_of_order_spans_assemble_into_their_trace(tenant: Tenant) -> None:
    # Children first, in two batches, the second one starting earlier; the root arrives last.
    _ingest(
        tenant,
        [
            p.span(
                trace_id=TRACE,
                span_id=CHILD_A,
                parent=ROOT,
                name="late child",
                start_ns=p.BASE_NS + 50 * MS,
                duration_ns=10 * MS,
                attributes=_llm("gpt-4o", 10, 5, **{"llmops.tags": "b,a"}),
            )
        ],
    )
    _ingest(
        tenant,
        [
            p.span(
                trace_id=TRACE,
                span_id=CHILD_B,
                parent=ROOT,
                name="early child",
                start_ns=p.BASE_NS + 5 * MS,
                duration_ns=2 * MS,
                attributes=_llm(
                    "gpt-4o-mini",
                    20,
                    10,
                    **{"user.id": "u-child", "llmops.tags": "a,c", "llmops.prompt.name": "faq"},
                    **{"llmops.prompt.version": "3"},
                ),
                error=True,
            ),
            p.span(
                trace_id=TRACE,
                span_id=CHILD_C,
                parent=CHILD_B,
                name="grandchild",
                start_ns=p.BASE_NS + 6 * MS,
                attributes={"session.id": "s-1"},
            ),
        ],
    )
    partial = _trace_row(TRACE)
    assert partial["root_span_id"] == ""
    assert partial["name"] == "early child"  # the first span, until the root is known

    _ingest(
        tenant,
        [
            p.span(
                trace_id=TRACE,
                span_id=ROOT,
                name="agent",
                start_ns=p.BASE_NS,
                duration_ns=100 * MS,
                attributes={"input.value": "hello", "environment": "x", "llmops.tags": "root"},
            )
        ],
    )
    trace = _trace_row(TRACE)
    assert trace["root_span_id"] == ROOT
    assert trace["name"] == "agent"
    assert trace["input"] == "hello"
    assert trace["start_time"] == datetime.fromtimestamp(p.BASE_NS / 1e9, tz=UTC)
    assert trace["latency_ms"] == 100.0
    assert trace["span_count"] == 4
    assert trace["error_count"] == 1
    assert trace["status"] == "error"
    assert trace["user_id"] == "u-child"  # the root has none: the first span that has one
    assert trace["session_id"] == "s-1"
    assert trace["tags"] == ["root", "a", "c", "b"]  # in start order, first appearance
    assert trace["model_names"] == ["gpt-4o-mini", "gpt-4o"]
    assert trace["prompt_versions"] == ["faq@3"]
    assert (trace["input_tokens"], trace["output_tokens"]) == (30, 15)


def test_a_batch_mixing_good_and_bad_spans_stores_the_good_ones(tenant: Tenant) -> None:
    deep: Any = "bottom"
    for _ in range(ingest.MAX_VALUE_DEPTH + 5):
        deep = [deep]
    good = p.span(trace_id=TRACE, span_id=ROOT, attributes=_llm("gpt-4o-mini", 10, 10))
    bad = [
        p.span(trace_id=TRACE, span_id=CHILD_A, start_ns=946_684_800 * 10**9 - 1),
        p.span(trace_id=TRACE, span_id=CHILD_B, attributes=_llm("gpt-4o", 10**13, 1)),
        p.span(trace_id=TRACE, span_id=CHILD_C, attributes={"llmops.cost.total": "1e15"}),
        p.span(
            trace_id=TRACE,
            span_id="00000000000000d1",
            attributes={"llmops.metadata": json.dumps({"deep": deep})},
        ),
    ]
    result = _ingest(tenant, [bad[0], good, *bad[1:]])
    assert result.accepted == 1
    assert [r.span_id for r in result.rejected] == [
        CHILD_A,
        CHILD_B,
        CHILD_C,
        "00000000000000d1",
    ]
    assert "outside the accepted window" in result.rejected[0].reason
    assert result.rejected[1].reason == "input_tokens 10000000000000 is outside 0..1000000000000"
    assert "cost_total" in result.rejected[2].reason
    assert "nested deeper than 64" in result.rejected[3].reason
    assert list(Span.objects.values_list("span_id", flat=True)) == [ROOT]
    assert _trace_row(TRACE)["span_count"] == 1
    assert _rollup_calls(tenant) == 1


def _raw(span_id: str, **changes: Any) -> RawSpan:
    values: dict[str, Any] = {
        "trace_id": TRACE,
        "span_id": span_id,
        "parent_span_id": "",
        "name": "span",
        "otel_kind": 1,
        "start_ns": p.BASE_NS,
        "end_ns": p.BASE_NS + MS,
        "attributes": {},
        "events": [],
        "status_code": 1,
        "status_message": "",
        "resource": {"service.name": "app"},
        "scope": "test",
    }
    values.update(changes)
    return RawSpan(**values)


def test_unstorable_values_are_cleaned_per_span(tenant: Tenant) -> None:
    huge = 123456789012345678901234567890
    result = spans_ingest(
        project=tenant.project,
        raw_spans=[
            _raw(
                ROOT,
                name="nul\x00and lone \ud800 surrogate",
                otel_kind=99,
                attributes={
                    "llmops.metadata": json.dumps({"big": huge, "neg": -huge, "s": "\x00"}),
                    "nan": float("nan"),
                    "inf": float("-inf"),
                    "text\x00key": "v\udfff",
                },
            ),
            _raw(CHILD_A, name="\U0001f600" * 600),  # 4-byte characters: bounded in bytes
            _raw(CHILD_B, start_ns=p.BASE_NS + MS, end_ns=p.BASE_NS),  # ends before it starts
        ],
        announce=False,
    )
    assert result.accepted == 2
    assert [(r.span_id, r.reason) for r in result.rejected] == [
        (CHILD_B, "end time is before start time")
    ]
    root = Span.objects.get(span_id=ROOT)
    assert root.name == "nul\ufffdand lone \ufffd surrogate"
    assert root.otel_kind == 0
    assert root.metadata == {"big": huge, "neg": -huge, "s": "\ufffd"}
    assert root.attributes["nan"] == "NaN"
    assert root.attributes["inf"] == "-Infinity"
    assert root.attributes["text\ufffdkey"] == "v\ufffd"
    emoji = Span.objects.get(span_id=CHILD_A).name
    assert len(emoji.encode()) <= 3 * 500
    assert set(emoji) == {"\U0001f600"}


def test_trace_totals_are_exact_on_either_database(tenant: Tenant) -> None:
    # The same figures are asserted on SQLite and PostgreSQL (the suite runs on both).
    spans = [p.span(trace_id=TRACE, span_id=ROOT, name="root", duration_ns=9 * MS)]
    for i, model in enumerate(["gpt-4o-mini", "gpt-4o", "no-such-model"]):
        spans.append(
            p.span(
                trace_id=TRACE,
                span_id=f"{0xC0 + i:016x}",
                parent=ROOT,
                start_ns=p.BASE_NS + (i + 1) * MS,
                attributes=_llm(model, 1000 * (i + 1), 100),
            )
        )
    _ingest(tenant, spans)
    trace = _trace_row(TRACE)
    assert (trace["input_tokens"], trace["output_tokens"], trace["total_tokens"]) == (
        6000,
        300,
        6300,
    )
    # gpt-4o-mini: 1000 x $0.15/M + 100 x $0.60/M; gpt-4o: 2000 x $2.50/M + 100 x $10/M.
    assert trace["cost_total"] == Decimal("0.00021") + Decimal("0.006")
    assert trace["unpriced_span_count"] == 1
    assert trace["model_names"] == ["gpt-4o-mini", "gpt-4o", "no-such-model"]
    assert trace["status"] == "ok"
    assert trace["latency_ms"] == 9.0


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="compares the SQL refresh with the Python one"
)


def _random_spans(rng: random.Random, traces: list[str]) -> list[Any]:
    spans = []
    for t, trace_id in enumerate(traces):
        ids = [f"{t:08x}{i:08x}" for i in range(1, rng.randint(2, 12))]
        for i, span_id in enumerate(ids):
            if i == 0:  # most traces have their root; some have not received it (yet)
                parent = "" if rng.random() < 0.8 else "00000000deadbeef"
            else:  # and some have more than one span without a parent
                parent = "" if rng.random() < 0.1 else rng.choice(ids[:i])
            attributes: dict[str, Any] = {}
            if rng.random() < 0.6:
                model = rng.choice(["gpt-4o-mini", "gpt-4o", "claude-3-5-haiku", "mystery"])
                attributes.update(_llm(model, rng.randint(0, 5000), rng.randint(0, 500)))
                if rng.random() < 0.3:
                    attributes["gen_ai.response.model"] = model + "-2024"
            for key, values in (
                ("user.id", ["", "u1", "u2"]),
                ("session.id", ["", "s1"]),
                ("llmops.environment", ["", "prod", "dev"]),
                ("llmops.release", ["", "1.0", "1.1"]),
                ("llmops.tags", ["", "a", "b,a", "c,b"]),
                ("llmops.prompt.name", ["", "faq", "triage"]),
            ):
                value = rng.choice(values)
                if value:
                    attributes[key] = value
            if "llmops.prompt.name" in attributes:
                attributes["llmops.prompt.version"] = str(rng.randint(1, 3))
            if rng.random() < 0.1:
                attributes["llmops.cost.total"] = str(Decimal(rng.randint(0, 10**6)) / 10**7)
            if rng.random() < 0.3:
                attributes["input.value"] = f"question {rng.random()}"
            if rng.random() < 0.3:
                attributes["output.value"] = f"answer {rng.random()}"
            if rng.random() < 0.3:
                attributes["llmops.metadata.step"] = i
            spans.append(
                p.span(
                    trace_id=trace_id,
                    span_id=span_id,
                    parent=parent,
                    name=f"step {i}",
                    # Coarse start times: ties are common, and broken by span id on both paths.
                    start_ns=p.BASE_NS + rng.randint(0, 20) * MS,
                    duration_ns=rng.randint(0, 50) * MS,
                    attributes=attributes,
                    error=rng.random() < 0.1,
                )
            )
    rng.shuffle(spans)
    return spans


@on_postgresql
def test_the_sql_trace_refresh_agrees_with_the_python_one(tenant: Tenant) -> None:
    rng = random.Random(17)  # noqa: S311 — a reproducible batch, not a secret
    traces = [f"{0xFEED0000 + t:032x}" for t in range(40)]
    spans = _random_spans(rng, traces)
    for start in range(0, len(spans), 37):  # several batches, each touching many traces
        _ingest(tenant, spans[start : start + 37])
    by_sql = {trace_id: _trace_row(trace_id) for trace_id in traces}

    ingest._refresh(tenant.project, traces)  # the Python version, on the same stored spans
    by_python = {trace_id: _trace_row(trace_id) for trace_id in traces}

    assert by_sql == by_python
    assert sum(row["span_count"] for row in by_sql.values()) == len(spans)
    # The batch exercises what the rules choose between: several roots, or none yet.
    assert len({row["root_span_id"] == "" for row in by_sql.values()}) == 2
