"""Spans partitioned by day (PostgreSQL; SQLite keeps one table and behaves the same): the
migration keeps every stored span, spans land in their day's partition, none fails for lack of a
partition, a retry stores nothing twice, partitions are created ahead idempotently, and trace
reads touch only the partitions of the trace's time."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from llmops.tracing import selectors
from llmops.tracing.models import Span, Trace
from llmops.tracing.partitions import partition_name, partitions_ensure, partitions_list
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p
from tests.tracing.stored import ns, postgres_only, span_hex, store, trace_hex

BEFORE: list[tuple[str, str | None]] = [("tracing", "0004_trace_metrics_index")]
AFTER: list[tuple[str, str | None]] = [("tracing", "0005_span_partitions")]


def today() -> date:
    return datetime.now(tz=UTC).date()


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def partition_of(span_id: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM tracing_span WHERE span_id = %s", [span_id]
        )
        return str(cursor.fetchone()[0])


def _migrate(targets: list[tuple[str, str | None]] | None = None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection)


def _is_partitioned() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'tracing_span'::regclass")
        return bool(cursor.fetchone()[0] == "p")


@contextlib.contextmanager
def _server_messages() -> Iterator[list[str]]:
    """PostgreSQL's DEBUG1 messages to this connection meanwhile (nothing on SQLite)."""
    messages: list[str] = []
    if connection.vendor != "postgresql":
        yield messages
        return
    connection.ensure_connection()
    raw = connection.connection

    def handler(diagnostic: Any) -> None:
        messages.append(diagnostic.message_primary or "")

    raw.add_notice_handler(handler)
    with connection.cursor() as cursor:
        cursor.execute("SET client_min_messages = debug1")
    try:
        yield messages
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET client_min_messages")
        raw.remove_notice_handler(handler)


@pytest.mark.django_db(transaction=True)
def test_spans_stored_on_the_old_schema_survive_partitioning_and_its_reversal(
    tenant: Tenant,
) -> None:
    _migrate(BEFORE)
    now = datetime.now(tz=UTC)
    old_days = [now - timedelta(days=40), now - timedelta(days=1), now]
    store(
        tenant.project,
        [
            p.span(trace_id=trace_hex(1), span_id=span_hex(i + 1), start_ns=ns(moment))
            for i, moment in enumerate(old_days)
        ],
    )
    before = sorted(Span.objects.values_list("id", "span_id", "start_time"))
    assert len(before) == 3

    with _server_messages() as messages:
        _migrate(AFTER)
    assert sorted(Span.objects.values_list("id", "span_id", "start_time")) == before
    if connection.vendor == "postgresql":
        assert _is_partitioned()
        # Attaching the old table read none of it: its range was proven beforehand by the
        # validated CHECK and its indexes were adopted, none rebuilt under the lock.
        assert (
            'partition constraint for table "tracing_span_legacy" is implied by existing '
            "constraints" in messages
        )
        assert [m for m in messages if 'on table "tracing_span_legacy"' in m] == []
        assert {partition_of(span_hex(i + 1)) for i in range(3)} == {"tracing_span_legacy"}
        names = [part.name for part in partitions_list()]
        assert (names[0], names[-1]) == ("tracing_span_legacy", "tracing_span_default")
    # Queryable as before, and a retry of the same export stores nothing twice.
    trace = Trace.objects.get(project=tenant.project, trace_id=trace_hex(1))
    spans = selectors.spans_of_trace_row(project=tenant.project, trace=trace)
    assert [s.span_id for s in spans] == [span_hex(1), span_hex(2), span_hex(3)]
    store(
        tenant.project,
        [
            p.span(trace_id=trace_hex(1), span_id=span_hex(i + 1), start_ns=ns(moment))
            for i, moment in enumerate(old_days)
        ],
    )
    assert Span.objects.count() == 3
    assert Trace.objects.get().span_count == 3
    # The id sequence carried on.
    store(tenant.project, [p.span(trace_id=trace_hex(2), span_id=span_hex(9), start_ns=ns(now))])
    assert Span.objects.get(span_id=span_hex(9)).id > max(row[0] for row in before)

    _migrate(BEFORE)
    assert Span.objects.count() == 4
    if connection.vendor == "postgresql":
        assert not _is_partitioned()
    # The old key is back: a retry stores nothing twice there too.
    store(tenant.project, [p.span(trace_id=trace_hex(2), span_id=span_hex(9), start_ns=ns(now))])
    assert Span.objects.count() == 4

    # Forward again with no spans: the fresh layout (no legacy partition), as a new install.
    Span.objects.all().delete()
    _migrate()
    if connection.vendor == "postgresql":
        names = [part.name for part in partitions_list()]
        assert names == [
            *(partition_name(today() + timedelta(days=d)) for d in range(-1, 8)),
            "tracing_span_default",
        ]


@postgres_only
@pytest.mark.django_db
def test_spans_of_different_days_land_in_their_partitions(tenant: Tenant) -> None:
    now = datetime.now(tz=UTC)
    moments = {1: now - timedelta(days=1), 2: now, 3: now + timedelta(hours=23)}
    store(
        tenant.project,
        [
            p.span(trace_id=trace_hex(n), span_id=span_hex(n), start_ns=ns(moment))
            for n, moment in moments.items()
        ],
    )
    for n, moment in moments.items():
        assert partition_of(span_hex(n)) == partition_name(moment.date())


@pytest.mark.django_db
def test_a_span_far_in_the_past_and_one_a_day_ahead_both_insert(tenant: Tenant) -> None:
    past = datetime(2000, 1, 2, tzinfo=UTC)
    ahead = datetime.now(tz=UTC) + timedelta(hours=23, minutes=59)
    store(
        tenant.project,
        [
            p.span(trace_id=trace_hex(1), span_id=span_hex(1), start_ns=ns(past)),
            p.span(trace_id=trace_hex(2), span_id=span_hex(2), start_ns=ns(ahead)),
        ],
    )
    assert sorted(Span.objects.values_list("span_id", flat=True)) == [span_hex(1), span_hex(2)]
    if connection.vendor == "postgresql":
        assert partition_of(span_hex(1)) == "tracing_span_default"
        assert partition_of(span_hex(2)) == partition_name(ahead.date())


@pytest.mark.django_db
def test_a_retried_export_stores_nothing_twice(tenant: Tenant) -> None:
    now = datetime.now(tz=UTC)
    batch = [
        p.span(trace_id=trace_hex(1), span_id=span_hex(1), start_ns=ns(now - timedelta(days=1))),
        p.span(trace_id=trace_hex(1), span_id=span_hex(2), parent=span_hex(1), start_ns=ns(now)),
    ]
    store(tenant.project, batch)
    store(tenant.project, batch)
    assert Span.objects.count() == 2
    assert Trace.objects.get().span_count == 2


@postgres_only
@pytest.mark.django_db
def test_partitions_ensure_is_idempotent_and_moves_its_days_out_of_the_default(
    tenant: Tenant,
) -> None:
    layout = partitions_list()
    assert partitions_ensure() == []
    assert partitions_list() == layout

    # A span of a day with no partition yet (beat was down) waits in the default partition
    # until its day's partition is created.
    later = today() + timedelta(days=9)
    Span.objects.create(
        project=tenant.project,
        trace_id=trace_hex(1),
        span_id=span_hex(1),
        name="late",
        kind="span",
        start_time=midnight(later) + timedelta(hours=5),
        end_time=midnight(later) + timedelta(hours=5),
        duration_ms=0,
        status="ok",
    )
    assert partition_of(span_hex(1)) == "tracing_span_default"
    created = partitions_ensure(today=today() + timedelta(days=3))
    assert created == [partition_name(today() + timedelta(days=d)) for d in (8, 9, 10)]
    assert partition_of(span_hex(1)) == partition_name(later)
    assert partitions_ensure(today=today() + timedelta(days=3)) == []
    bounds = {part.name: (part.lower, part.upper) for part in partitions_list()}
    assert bounds[partition_name(later)] == (midnight(later), midnight(later + timedelta(days=1)))


def _explain_analyze(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _scanned_partitions(plan: str) -> set[str]:
    """Partitions the plan read: scanned by a node that run-time pruning did not skip."""
    scanned = set()
    for line in plan.splitlines():
        if "(never executed)" in line or "Bitmap Index Scan" in line or " Scan " not in line:
            continue
        table = line.split(" on ", 1)[1].split()[0]
        if table.startswith("tracing_span"):
            scanned.add(table)
    return scanned


@postgres_only
@pytest.mark.django_db
def test_trace_reads_touch_only_the_partitions_of_the_trace_time(tenant: Tenant) -> None:
    now = datetime.now(tz=UTC)
    yesterday = now - timedelta(days=1)
    store(
        tenant.project,
        [
            p.span(trace_id=trace_hex(1), span_id=span_hex(1), start_ns=ns(yesterday)),
            p.span(trace_id=trace_hex(1), span_id=span_hex(2), start_ns=ns(yesterday)),
            p.span(trace_id=trace_hex(2), span_id=span_hex(3), start_ns=ns(now)),
        ],
    )
    # The trace's window runs to its last store plus the day ahead ingest accepts.
    window = {partition_name(yesterday.date()), partition_name(today())}
    window.add(partition_name((now + timedelta(days=1, hours=1)).date()))

    traces = {t.trace_id: t for t in Trace.objects.filter(project=tenant.project)}
    with CaptureQueriesContext(connection) as detail:
        spans = selectors.spans_of_trace_row(project=tenant.project, trace=traces[trace_hex(1)])
    assert [s.span_id for s in spans] == [span_hex(1), span_hex(2)]
    assert len(detail.captured_queries) == 1
    plan = _explain_analyze(detail.captured_queries[0]["sql"])
    # Pruned while planning: the plan names no partition outside the window at all, not even
    # as a node skipped at run time.
    named = {
        line.split(" on ", 1)[1].split()[0]
        for line in plan.splitlines()
        if " on tracing_span" in line
    }
    assert named <= window
    assert "Subplans Removed" not in plan
    assert partition_name(yesterday.date()) in _scanned_partitions(plan)
    assert "tracing_span_default" not in _scanned_partitions(plan)

    with CaptureQueriesContext(connection) as session:
        grouped = selectors.spans_of_trace_rows(
            project=tenant.project, traces=[traces[trace_hex(1)], traces[trace_hex(2)]]
        )
    assert {t: [s.span_id for s in spans] for t, spans in grouped.items()} == {
        trace_hex(1): [span_hex(1), span_hex(2)],
        trace_hex(2): [span_hex(3)],
    }
    assert len(session.captured_queries) == 1
    assert _scanned_partitions(_explain_analyze(session.captured_queries[0]["sql"])) <= window


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_partitions_ensure_creates_each_partition_once() -> None:
    start = today() + timedelta(days=30)
    barrier = threading.Barrier(2)
    created: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            created.append(partitions_ensure(today=start, days_ahead=3))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = [partition_name(start + timedelta(days=d)) for d in range(-1, 4)]
    assert sorted(created[0] + created[1]) == expected
    assert [n for n in (p.name for p in partitions_list()) if n in expected] == expected
    with connection.cursor() as cursor:  # committed DDL: leave the layout as it was
        for name in expected:
            cursor.execute(f"DROP TABLE {name}")
