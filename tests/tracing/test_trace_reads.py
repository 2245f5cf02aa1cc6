"""Trace reads at scale: the trace detail and the trace list run a fixed number of queries, the
detail's span query names only the partitions of the trace's time, and the list neither reads
the trace payloads nor walks the serializer's fields per trace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from llmops.scores.api.serializers import TraceListItemOutput
from llmops.tenancy.models import Project
from llmops.tracing.api.serializers import SpanOutput, TraceOutput
from llmops.tracing.models import Span, Trace
from llmops.tracing.partitions import partition_name
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p
from tests.tracing.stored import ns, postgres_only, span_hex, store, trace_hex

pytestmark = pytest.mark.django_db


def store_trace(project: Project, trace: int, spans: int, start: datetime) -> None:
    """A root span and ``spans - 1`` children of it."""
    store(
        project,
        [
            p.span(
                trace_id=trace_hex(trace),
                span_id=span_hex(trace * 100 + n),
                parent=span_hex(trace * 100) if n else "",
                name=f"step-{n}",
                start_ns=ns(start + timedelta(milliseconds=n)),
                attributes={"gen_ai.request.model": "gpt-4o-mini"} if n else {},
            )
            for n in range(spans)
        ],
    )


def data_queries(tenant: Tenant, url: str) -> tuple[list[str], Any]:
    """The queries a request runs besides authentication's, and its body."""
    client = tenant.client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    # Authentication may also touch the API key (its last use is recorded now and then).
    return [q["sql"] for q in queries.captured_queries if "tenancy_" not in q["sql"]], response


def test_trace_detail_runs_three_queries_whatever_its_span_count(tenant: Tenant) -> None:
    now = datetime.now(tz=UTC)
    store_trace(tenant.project, 1, 2, now)
    store_trace(tenant.project, 2, 12, now)
    few, small = data_queries(tenant, f"/api/v1/traces/{trace_hex(1)}")
    many, big = data_queries(tenant, f"/api/v1/traces/{trace_hex(2)}")
    # The trace row, its spans, its scores.
    assert len(few) == len(many) == 3
    (root,) = big.json()["spans"]
    assert [child["span"]["name"] for child in root["children"]] == [
        f"step-{n}" for n in range(1, 12)
    ]
    assert [child["span"]["name"] for child in small.json()["spans"][0]["children"]] == ["step-1"]


@postgres_only
def test_trace_detail_names_only_the_partitions_of_the_trace_time(tenant: Tenant) -> None:
    now = datetime.now(tz=UTC)
    long_ago = now - timedelta(days=5)
    yesterday = now - timedelta(days=1)
    store_trace(tenant.project, 1, 3, yesterday)
    store_trace(tenant.project, 2, 1, long_ago)
    queries, response = data_queries(tenant, f"/api/v1/traces/{trace_hex(1)}")
    assert response.json()["span_count"] == 3
    (spans_sql,) = [sql for sql in queries if '"tracing_span"' in sql]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (COSTS OFF) {spans_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    named = {
        line.split(" on ", 1)[1].split()[0]
        for line in plan.splitlines()
        if " Scan " in line and " on tracing_span" in line
    }
    # Pruned while planning: the other partitions are not in the plan at all (run-time pruning
    # would list them and skip them while executing, after planning each of them).
    window = {
        partition_name(yesterday.date()),
        partition_name(now.date()),
        partition_name((now + timedelta(days=1, hours=1)).date()),
    }
    assert partition_name(yesterday.date()) in named
    assert named <= window
    assert partition_name(long_ago.date()) not in plan
    assert "tracing_span_default" not in plan
    assert "Subplans Removed" not in plan


def test_session_detail_reads_the_spans_of_its_trace_rows(tenant: Tenant) -> None:
    now = datetime.now(tz=UTC)
    for n in range(3):
        store(
            tenant.project,
            [
                p.span(
                    trace_id=trace_hex(10 + n),
                    span_id=span_hex(10 + n),
                    name=f"turn-{n}",
                    start_ns=ns(now - timedelta(days=2 - n)),
                    attributes={"session.id": "chat"},
                )
            ],
        )
    store_trace(tenant.project, 20, 2, now)  # another trace, in no session
    queries, response = data_queries(tenant, "/api/v1/sessions/chat")
    assert len(queries) == 3
    traces = response.json()["traces"]
    assert [[s["span"]["name"] for s in t["spans"]] for t in traces] == [
        ["turn-0"],
        ["turn-1"],
        ["turn-2"],
    ]


def test_trace_list_runs_two_queries_and_reads_no_payload(tenant: Tenant) -> None:
    now = datetime.now(tz=UTC)
    store_trace(tenant.project, 1, 2, now)
    few, small = data_queries(tenant, "/api/v1/traces?limit=50")
    for n in range(2, 8):
        store_trace(tenant.project, n, 3, now + timedelta(seconds=n))
    many, big = data_queries(tenant, "/api/v1/traces?limit=50&model=gpt-4o-mini")
    # The traces, their score summaries.
    assert len(few) == len(many) == 2
    assert '"tracing_trace"."input"' not in many[0]
    assert '"tracing_trace"."output"' not in many[0]
    assert [t["trace_id"] for t in big.json()["items"]] == [trace_hex(n) for n in range(7, 0, -1)]
    assert small.json()["items"][0]["span_count"] == 2


def test_rows_are_written_as_drf_writes_them(tenant: Tenant) -> None:
    """The trace and span writers skip DRF's per-field walk, not its formats."""
    now = datetime.now(tz=UTC)
    store_trace(tenant.project, 1, 3, now)
    trace = Trace.objects.get()
    trace.scores = {"helpful": {"data_type": "NUMERIC", "count": 1, "mean": 0.5, "labels": {}}}  # type: ignore[attr-defined]
    spans = list(Span.objects.order_by("span_id"))
    for output, rows in (
        (TraceOutput(), [trace]),
        (TraceListItemOutput(), [trace]),
        (SpanOutput(), spans),
    ):
        for row in rows:
            written = output.to_representation(row)
            assert written == serializers.Serializer.to_representation(output, row)
            assert list(written) == list(output.fields)
    # Mappings go through DRF's walk.
    as_mapping = {**TraceOutput().to_representation(trace), "latency_ms": 2}
    assert TraceOutput().to_representation(as_mapping)["latency_ms"] == 2.0
