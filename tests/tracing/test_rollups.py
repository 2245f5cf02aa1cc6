"""Rollups of model calls: hourly delta rows per batch, compaction, day rows derived from the
compacted hours, rebuild, retention edge, and metrics answered from them with the same numbers
as from the spans."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any
from uuid import UUID

import pytest
from ddsketch import DDSketch
from ddsketch.pb.proto import DDSketchProto
from django.core.management import CommandError, call_command
from django.db import connection, connections, router, transaction
from django.test.utils import CaptureQueriesContext

from llmops.tenancy.models import Project
from llmops.tracing import rollups
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.metrics import (
    Bucket,
    GroupBy,
    Measure,
    MetricsResult,
    MetricsRow,
    Source,
    metrics_query,
)
from llmops.tracing.models import Span, SpanKind, SpanRollup, Status
from llmops.tracing.otlp import iter_spans
from llmops.tracing.rollups import (
    Bins,
    NewCall,
    calls_stored,
    rollups_add,
    rollups_compact,
    rollups_delete_before,
    rollups_rebuild,
)
from llmops.tracing.tasks import compact_rollups
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 1, tzinfo=UTC)
HOUR_NS = 3_600 * 10**9
MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "text-embedding-3-small"]
PROVIDERS = {"gpt-4o": "openai", "gpt-4o-mini": "openai", "claude-sonnet": "anthropic"}


@dataclass
class Seeder:
    """Stores random model calls as spans and tells the rollups about the new ones."""

    project: Project
    rng: random.Random = field(default_factory=lambda: random.Random(17))  # noqa: S311 (test data)
    next_id: int = 1

    def spans(self, count: int, *, hours: range = range(6)) -> list[Span]:
        rows = []
        for _ in range(count):
            n = self.next_id
            self.next_id += 1
            model = self.rng.choice(MODELS)
            start = DAY + timedelta(hours=self.rng.choice(hours), seconds=self.rng.randrange(3600))
            # Log-normal latencies over three orders of magnitude, some zero.
            duration = 0.0 if n % 37 == 0 else round(self.rng.lognormvariate(6, 1.2), 3)
            priced = n % 11 != 0
            input_tokens = self.rng.randrange(2000)
            output_tokens = self.rng.randrange(500)
            prompt = self.rng.choice(["", "support", "triage"])
            rows.append(
                Span(
                    project=self.project,
                    trace_id=f"{n:032x}",
                    span_id=f"{n:016x}",
                    name="call",
                    kind=SpanKind.EMBEDDING if model.startswith("text-") else SpanKind.LLM,
                    start_time=start,
                    end_time=start + timedelta(milliseconds=duration),
                    duration_ms=duration,
                    status=Status.ERROR if n % 7 == 0 else Status.OK,
                    provider=PROVIDERS.get(model, "openai"),
                    model_requested=model,
                    model_answered=model if n % 3 else "",
                    prompt_name=prompt,
                    prompt_version=str(n % 3) if prompt else "",
                    environment=self.rng.choice(["production", "staging", ""]),
                    user_id=self.rng.choice(["alice", "bob", "carol", ""]),
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                    total_tokens=input_tokens + output_tokens,
                    cost_total=(
                        Decimal(input_tokens) * Decimal("0.0000025")
                        + Decimal(output_tokens) * Decimal("0.00001")
                        if priced
                        else None
                    ),
                    cost_source="default" if priced else "unpriced",
                )
            )
        # Not every span is a model call: a chain span must add nothing.
        n = self.next_id
        self.next_id += 1
        rows.append(
            Span(
                project=self.project,
                trace_id=f"{n:032x}",
                span_id=f"{n:016x}",
                name="chain",
                kind=SpanKind.CHAIN,
                start_time=DAY,
                end_time=DAY,
                duration_ms=1.0,
                status=Status.OK,
                input_tokens=5,
                total_tokens=5,
            )
        )
        return rows

    def store(self, rows: list[Span]) -> None:
        """What ingest does: store the spans, then add exactly those calls to the rollups."""
        Span.objects.bulk_create(rows)
        rollups_add(
            project_id=self.project.pk, calls=[call_of(row) for row in rows if is_call(row)]
        )


def is_call(row: Span) -> bool:
    return row.kind in (SpanKind.LLM, SpanKind.EMBEDDING)


def call_of(row: Span) -> NewCall:
    return NewCall(
        row.start_time,
        row.model_answered or row.model_requested,
        row.provider,
        row.prompt_name,
        row.prompt_version,
        row.environment,
        row.user_id,
        row.status,
        row.duration_ms,
        row.input_tokens,
        row.output_tokens,
        row.total_tokens,
        row.cost_total,
        row.cost_source,
    )


Snapshot = dict[tuple[str, datetime, str], tuple[Any, ...]]
_SUMS = [
    "call_count",
    "error_count",
    "unpriced_count",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_total",
]


def _totals(rows: Iterator[SpanRollup], *, by_day: bool = False) -> Snapshot:
    totals: dict[tuple[str, datetime, str], list[Any]] = {}
    for row in rows:
        moment = row.hour.replace(hour=0) if by_day else row.hour
        key = (row.dimension, moment, row.value)
        sums = totals.setdefault(key, [0, 0, 0, 0, 0, 0, Decimal(0), Bins()])
        for i, name in enumerate(_SUMS):
            sums[i] += getattr(row, name)
        sums[7].merge(Bins.decode(row.latency_sketch))
    return {key: (*sums[:7], dict(+sums[7].positive), sums[7].zero) for key, sums in totals.items()}


def assert_days_derived(project_id: UUID) -> None:
    """The invariant readers rely on: one day row per key and day, equal to the merge of that
    day's compacted hour rows (and none for a day without any)."""
    rows = SpanRollup.objects.filter(project_id=project_id)
    days = list(rows.filter(grain="day"))
    assert all(row.hour == row.hour.replace(hour=0) and row.compacted for row in days)
    keys = [(row.dimension, row.hour, row.value) for row in days]
    assert len(keys) == len(set(keys))
    hours = rows.filter(grain="hour", compacted=True).iterator()
    assert _totals(iter(days)) == _totals(hours, by_day=True)


def snapshot(project_id: UUID) -> Snapshot:
    """Every hour key's totals, whatever the number of rows holding it (and checks that the day
    rows are derived from the compacted hours, whenever a test looks)."""
    assert_days_derived(project_id)
    totals: dict[tuple[str, datetime, str], list[Any]] = {}
    for row in SpanRollup.objects.filter(project_id=project_id, grain="hour"):
        key = (row.dimension, row.hour, row.value)
        sums = totals.setdefault(key, [0, 0, 0, 0, 0, 0, Decimal(0), Bins()])
        for i, name in enumerate(_SUMS):
            sums[i] += getattr(row, name)
        sums[7].merge(Bins.decode(row.latency_sketch))
    return {key: (*sums[:7], dict(+sums[7].positive), sums[7].zero) for key, sums in totals.items()}


def rebuilt(project_id: UUID) -> Snapshot:
    """The rollups recomputed from the stored spans (leaves them rebuilt)."""
    rollups_rebuild(
        project_id=project_id, start=DAY - timedelta(days=2), end=DAY + timedelta(days=2)
    )
    return snapshot(project_id)


def test_rollups_equal_a_rebuild_after_batches(tenant: Tenant) -> None:
    seeder = Seeder(tenant.project)
    for _ in range(4):
        seeder.store(seeder.spans(60))
    incremental = snapshot(tenant.project.pk)
    assert SpanRollup.objects.filter(compacted=False).count() > len(incremental)
    assert not SpanRollup.objects.filter(grain="day").exists()  # ingest writes hour deltas only
    assert incremental[("all", DAY, "")][0] > 0
    # A prompt version row only for calls with a prompt; no row for the chain spans.
    assert all(value for (dimension, _, value) in incremental if dimension == "prompt_version")
    assert sum(v[0] for k, v in incremental.items() if k[0] == "all") == 240
    assert incremental == rebuilt(tenant.project.pk)


def test_late_spans_add_to_their_own_hour(tenant: Tenant) -> None:
    seeder = Seeder(tenant.project)
    seeder.store(seeder.spans(50, hours=range(3, 6)))
    before = snapshot(tenant.project.pk)
    seeder.store(seeder.spans(20, hours=range(1)))  # an old hour, after newer ones
    after = snapshot(tenant.project.pk)
    assert after[("all", DAY, "")][0] == 20
    assert {k: v for k, v in after.items() if k[1] != DAY} == before
    assert after == rebuilt(tenant.project.pk)


def test_compaction_leaves_one_row_per_key_and_the_same_totals(tenant: Tenant) -> None:
    seeder = Seeder(tenant.project)
    for _ in range(3):
        seeder.store(seeder.spans(40))
    before = snapshot(tenant.project.pk)
    assert rollups_compact(max_rows=50, keys_per_transaction=7) > 0  # bounded: not all of it
    assert SpanRollup.objects.filter(compacted=False).exists()
    while rollups_compact(keys_per_transaction=7):
        pass
    keys = SpanRollup.objects.filter(grain="hour").values_list("dimension", "hour", "value")
    assert len(keys) == len(set(keys)) == len(before)
    assert not SpanRollup.objects.filter(compacted=False).exists()
    assert snapshot(tenant.project.pk) == before
    seeder.store(seeder.spans(10))  # deltas after compaction merge into the compacted rows
    rollups_compact()
    keys = SpanRollup.objects.filter(grain="hour").values_list("dimension", "hour", "value")
    assert len(keys) == len(set(keys))
    assert snapshot(tenant.project.pk) == rebuilt(tenant.project.pk)


def test_compaction_keeps_projects_apart(tenant: Tenant, other_tenant: Tenant) -> None:
    Seeder(tenant.project).store(Seeder(tenant.project).spans(30))
    other = Seeder(other_tenant.project, next_id=10_000)
    other.store(other.spans(30))
    mine, theirs = snapshot(tenant.project.pk), snapshot(other_tenant.project.pk)
    rollups_compact()
    assert snapshot(tenant.project.pk) == mine
    assert snapshot(other_tenant.project.pk) == theirs


def test_delete_before_is_exact_at_the_edge(tenant: Tenant) -> None:
    seeder = Seeder(tenant.project)
    seeder.store(seeder.spans(200))
    rollups_compact()
    edge = DAY + timedelta(hours=2, minutes=20)
    # The rollups forget the calls before the edge even while their spans still exist ...
    rollups_delete_before(project_id=tenant.project.pk, before=edge)
    early = snapshot(tenant.project.pk)
    # ... and they equal a recount once retention has deleted those spans.
    Span.objects.filter(project=tenant.project, start_time__lt=edge).delete()
    rollups_delete_before(project_id=tenant.project.pk, before=edge)
    left = snapshot(tenant.project.pk)
    assert early == left
    assert min(hour for _, hour, _ in left) == DAY + timedelta(hours=2)
    assert left == rebuilt(tenant.project.pk)
    window = Window(DAY, DAY + timedelta(hours=6), Bucket.HOUR)
    assert_same(
        window.query(tenant.project, GroupBy.MODEL).rows,
        spans_answer(tenant.project, GroupBy.MODEL, window),
    )


def test_rebuild_covers_whole_hours_only(tenant: Tenant) -> None:
    seeder = Seeder(tenant.project)
    seeder.store(seeder.spans(100))
    SpanRollup.objects.all().delete()
    # Any moment inside hours 1 and 2 rebuilds exactly those two hours.
    rollups_rebuild(
        project_id=tenant.project.pk,
        start=DAY + timedelta(hours=1, minutes=5),
        end=DAY + timedelta(hours=2, minutes=1),
    )
    hours = set(SpanRollup.objects.filter(grain="hour").values_list("hour", flat=True))
    assert hours == {DAY + timedelta(hours=1), DAY + timedelta(hours=2)}
    calls = list(
        calls_stored(
            project_id=tenant.project.pk,
            start=DAY + timedelta(hours=1),
            end=DAY + timedelta(hours=3),
        )
    )
    total = SpanRollup.objects.get(dimension="all", hour=DAY + timedelta(hours=1)).call_count
    assert total == sum(1 for c in calls if c.start_time < DAY + timedelta(hours=2))


# --- metrics from rollups vs from spans ---------------------------------------------------------


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    bucket: Bucket

    def query(
        self, project: Project, group_by: GroupBy, *, use_rollups: bool = True
    ) -> MetricsResult:
        return metrics_query(
            project=project,
            start=self.start,
            end=self.end,
            bucket=self.bucket,
            group_by=group_by,
            measure=Measure.CALLS,
            use_rollups=use_rollups,
        )


def spans_answer(project: Project, group_by: GroupBy, window: Window) -> list[MetricsRow]:
    result = window.query(project, group_by, use_rollups=False)
    assert result.source == Source.SPANS
    return result.rows


def assert_same(from_rollups: list[MetricsRow], from_spans: list[MetricsRow]) -> None:
    assert [(r.bucket, r.group) for r in from_rollups] == [(r.bucket, r.group) for r in from_spans]
    for mine, exact in zip(from_rollups, from_spans, strict=True):
        assert (
            mine.count,
            mine.input_tokens,
            mine.output_tokens,
            mine.total_tokens,
            mine.cost_total,
            mine.error_rate,
        ) == (
            exact.count,
            exact.input_tokens,
            exact.output_tokens,
            exact.total_tokens,
            exact.cost_total,
            exact.error_rate,
        ), (mine, exact)
        for name in ("latency_p50_ms", "latency_p95_ms", "latency_p99_ms"):
            approximate, exact_value = getattr(mine, name), getattr(exact, name)
            assert approximate == pytest.approx(exact_value, rel=0.01, abs=1e-9), (name, mine)


@pytest.mark.parametrize("bucket", [Bucket.HOUR, Bucket.DAY])
@pytest.mark.parametrize(
    "group_by",
    [
        GroupBy.NONE,
        GroupBy.MODEL,
        GroupBy.PROVIDER,
        GroupBy.PROMPT_VERSION,
        GroupBy.ENVIRONMENT,
        GroupBy.USER,
    ],
)
def test_metrics_from_rollups_match_the_spans(
    tenant: Tenant, group_by: GroupBy, bucket: Bucket
) -> None:
    seeder = Seeder(tenant.project)
    for _ in range(3):
        seeder.store(seeder.spans(150))
    rollups_compact(max_rows=200)  # some keys compacted, some not: readers sum both
    window = Window(DAY, DAY + timedelta(hours=5), bucket)
    result = window.query(tenant.project, group_by)
    assert result.source == Source.ROLLUPS
    assert result.rows
    assert_same(result.rows, spans_answer(tenant.project, group_by, window))


def test_metrics_api_says_where_numbers_came_from(tenant: Tenant) -> None:
    seeder = Seeder(tenant.project)
    seeder.store(seeder.spans(120))
    client = tenant.client()
    window = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z", "bucket": "hour"}
    by_model = client.get("/api/v1/metrics", {**window, "group_by": "model"}).json()
    assert (by_model["source"], by_model["measured"]) == ("rollups", "spans")
    # One second earlier is not on the hour: the spans answer, with the same rows.
    shifted = {**window, "from": "2026-02-28T23:59:59Z", "group_by": "model"}
    from_spans = client.get("/api/v1/metrics", shifted).json()
    assert from_spans["source"] == "spans"
    exact = {(r["bucket"], r["group"]): r for r in from_spans["rows"]}
    assert len(exact) == len(by_model["rows"]) > 4
    for row in by_model["rows"]:
        other = exact[(row["bucket"], row["group"])]
        assert (row["count"], row["total_tokens"], row["cost_total"]) == (
            other["count"],
            other["total_tokens"],
            other["cost_total"],
        )
        assert row["latency_p95_ms"] == pytest.approx(other["latency_p95_ms"], rel=0.01)
    calls = client.get(
        "/api/v1/metrics", {**window, "bucket": "day", "group_by": "user", "measure": "calls"}
    ).json()
    assert (calls["source"], calls["measured"]) == ("rollups", "spans")
    assert sum(r["count"] for r in calls["rows"]) == 120
    by_minute = client.get(
        "/api/v1/metrics",
        {
            "from": "2026-03-01T00:00:00Z",
            "to": "2026-03-01T02:00:00Z",
            "bucket": "minute",
            "group_by": "provider",
        },
    ).json()
    assert by_minute["source"] == "spans"
    traces = client.get("/api/v1/metrics", {**window, "group_by": "user"}).json()
    assert (traces["source"], traces["measured"]) == ("traces", "traces")


@pytest.mark.parametrize(("group_by", "measure"), [("model", "traces"), ("tag", "calls")])
def test_metrics_refuse_a_measure_the_grouping_cannot_have(
    tenant: Tenant, group_by: str, measure: str
) -> None:
    response = tenant.client().get(
        "/api/v1/metrics",
        {
            "from": "2026-03-01T00:00:00Z",
            "to": "2026-03-02T00:00:00Z",
            "group_by": group_by,
            "measure": measure,
        },
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("measure:")


# --- concurrency (PostgreSQL) -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_ingest_and_compaction_count_every_call_once(tenant: Tenant) -> None:
    """Two connections add calls to the same hot keys while two compactors merge them."""
    seeders = [
        Seeder(tenant.project, rng=random.Random(i), next_id=i * 100_000)  # noqa: S311 (test data)
        for i in (1, 2)
    ]
    batches = [[s.spans(25, hours=range(2)) for _ in range(8)] for s in seeders]
    errors: list[BaseException] = []
    stop = threading.Event()

    def ingest(seeder: Seeder, rows: list[list[Span]]) -> None:
        try:
            for batch in rows:
                with transaction.atomic():
                    seeder.store(batch)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    def compact() -> None:
        try:
            while not stop.is_set():
                rollups_compact(keys_per_transaction=5)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    writers = [
        threading.Thread(target=ingest, args=(s, b)) for s, b in zip(seeders, batches, strict=True)
    ]
    compactors = [threading.Thread(target=compact) for _ in range(2)]
    for thread in writers + compactors:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in compactors:
        thread.join()
    assert errors == []
    total = snapshot(tenant.project.pk)
    assert sum(v[0] for k, v in total.items() if k[0] == "all") == 2 * 8 * 25
    rollups_compact()
    assert snapshot(tenant.project.pk) == total == rebuilt(tenant.project.pk)


def test_sketch_bins_round_trip_through_the_library_protobuf() -> None:
    bins = Bins()
    values = [0.0, 0.5, 1.0, 12.5, 12.6, 980.0, 45_000.0]
    for value in values:
        bins.add(value)
    decoded = Bins.decode(bins.encode())
    assert decoded == bins
    assert decoded.count() == len(values)
    sketch = decoded.sketch()
    assert sketch.get_quantile_value(1.0) == pytest.approx(45_000.0, rel=0.01)
    assert Counter(decoded.positive).total() == len(values) - 1
    # The sketch built straight into the library's store answers as the library's own reader of
    # the same bins (its protobuf, contiguous form) and as a sketch fed the values one by one.
    library = DDSketchProto.from_proto(DDSketchProto.to_proto(sketch))  # type: ignore[no-untyped-call]
    fed = DDSketch(rollups.RELATIVE_ACCURACY)
    for value in values:
        fed.add(value)
    for fraction in (0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 1.0):
        expected = fed.get_quantile_value(fraction)
        assert sketch.get_quantile_value(fraction) == pytest.approx(
            library.get_quantile_value(fraction), rel=1e-9
        )
        assert sketch.get_quantile_value(fraction) == pytest.approx(expected, rel=1e-9)
    assert sketch.count == library.count == len(values)


def test_rebuild_command_backfills_spans_stored_before_rollups(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    seeder = Seeder(tenant.project)
    seeder.store(seeder.spans(80))
    other = Seeder(other_tenant.project, next_id=50_000)
    other.store(other.spans(30))
    mine, theirs = snapshot(tenant.project.pk), snapshot(other_tenant.project.pk)
    SpanRollup.objects.all().delete()  # as after an upgrade: spans without rollups
    out = StringIO()
    call_command("rebuild_rollups", project=str(tenant.project.pk), stdout=out)
    assert str(tenant.project.pk) in out.getvalue()
    assert snapshot(tenant.project.pk) == mine
    assert snapshot(other_tenant.project.pk) == {}
    call_command("rebuild_rollups", since="2026-03-01T03:10:00Z", stdout=out)
    assert snapshot(other_tenant.project.pk) == {
        k: v for k, v in theirs.items() if k[1] >= DAY + timedelta(hours=3)
    }
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", since="yesterday")


# --- through ingest ------------------------------------------------------------------------------

BASE = datetime(2026, 1, 1, tzinfo=UTC)  # otlp_payloads.BASE_NS


def otlp_calls(first: int, count: int, *, hour: int, trace: int | None = None) -> list[Any]:
    """``count`` LLM spans (and a parent chain span per trace) starting in ``hour``."""
    spans = []
    for n in range(first, first + count):
        trace_id = f"{trace if trace is not None else n:032x}"
        start = p.BASE_NS + hour * HOUR_NS + n * 7_919_000_000 % HOUR_NS
        spans.append(
            p.span(
                trace_id=trace_id,
                span_id=f"{n:016x}",
                name="chat",
                start_ns=start,
                duration_ns=(n * 37 % 2000 + 1) * 1_000_000,
                error=n % 5 == 0,
                attributes={
                    "gen_ai.request.model": ["gpt-4o", "gpt-4o-mini", "mystery-model"][n % 3],
                    "gen_ai.provider.name": "openai",
                    "gen_ai.usage.input_tokens": n * 13 % 900,
                    "gen_ai.usage.output_tokens": n * 7 % 300,
                    "gen_ai.prompt.name": "support" if n % 2 else "",
                    "gen_ai.prompt.version": "3",
                    "user.id": f"user-{n % 4}",
                    "llmops.environment": "production",
                },
            )
        )
    return spans


def ingest(project: Project, spans: list[Any]) -> None:
    raw, rejected = iter_spans(p.request(spans))
    assert rejected == []
    spans_ingest(project=project, raw_spans=raw)


def rebuilt_around(project_id: UUID) -> Snapshot:
    rollups_rebuild(
        project_id=project_id, start=BASE - timedelta(days=1), end=BASE + timedelta(days=1)
    )
    return snapshot(project_id)


def test_ingest_adds_each_stored_call_once(tenant: Tenant) -> None:
    batch = otlp_calls(1, 40, hour=3)
    ingest(tenant.project, batch)
    ingest(tenant.project, batch)  # a retried export: nothing is new
    ingest(tenant.project, batch[:10] + otlp_calls(41, 10, hour=3))  # partly new
    total = snapshot(tenant.project.pk)
    assert sum(v[0] for k, v in total.items() if k[0] == "all") == 50
    assert ("provider", BASE + timedelta(hours=3), "openai") in total
    # A model unknown to the price table is counted as unpriced.
    unpriced = total[("model", BASE + timedelta(hours=3), "mystery-model")]
    assert unpriced[2] == unpriced[0] > 0
    assert total == rebuilt_around(tenant.project.pk)


def test_ingest_of_late_spans_adds_to_their_own_hour(tenant: Tenant) -> None:
    ingest(tenant.project, otlp_calls(1, 30, hour=5))
    ingest(tenant.project, otlp_calls(100, 12, hour=1))  # late: an hour already rolled up
    total = snapshot(tenant.project.pk)
    assert total[("all", BASE + timedelta(hours=1), "")][0] == 12
    assert total[("all", BASE + timedelta(hours=5), "")][0] == 30
    assert total == rebuilt_around(tenant.project.pk)
    result = Window(BASE, BASE + timedelta(hours=6), Bucket.HOUR).query(
        tenant.project, GroupBy.USER
    )
    assert result.source == Source.ROLLUPS
    assert_same(
        result.rows,
        spans_answer(
            tenant.project, GroupBy.USER, Window(BASE, BASE + timedelta(hours=6), Bucket.HOUR)
        ),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_ingest_of_overlapping_batches_counts_each_call_once(tenant: Tenant) -> None:
    """Two connections export overlapping batches (the same spans retried on both) into the
    same hour at once, while a compactor runs."""
    shared = [otlp_calls(1 + 20 * i, 20, hour=2) for i in range(6)]
    own = [[otlp_calls(1000 * w + 20 * i, 20, hour=2) for i in range(6)] for w in (1, 2)]
    errors: list[BaseException] = []
    stop = threading.Event()

    def export(batches: list[list[Any]]) -> None:
        try:
            for batch in batches:
                ingest(tenant.project, batch)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    def compact() -> None:
        try:
            while not stop.is_set():
                rollups_compact(keys_per_transaction=3)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    writers = [
        threading.Thread(
            target=export, args=([s for pair in zip(shared, mine, strict=True) for s in pair],)
        )
        for mine in own
    ]
    compactor = threading.Thread(target=compact)
    for thread in [*writers, compactor]:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    compactor.join()
    assert errors == []
    total = snapshot(tenant.project.pk)
    assert total[("all", BASE + timedelta(hours=2), "")][0] == 6 * 20 * 3
    assert total == rebuilt_around(tenant.project.pk)


def test_the_scheduled_task_compacts(tenant: Tenant) -> None:
    seeder = Seeder(tenant.project)
    for _ in range(2):
        seeder.store(seeder.spans(30))
    before = snapshot(tenant.project.pk)
    assert compact_rollups.name == "tracing.compact_rollups"
    compact_rollups.apply().get()
    keys = SpanRollup.objects.filter(grain="hour").values_list("dimension", "hour", "value")
    assert len(keys) == len(set(keys)) == len(before)
    assert snapshot(tenant.project.pk) == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_a_batch_ingested_during_a_rebuild_counts_once(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst moment: a batch that would commit after the rebuild dropped the hour's rows and
    before it read the spans (it would be in both). The rebuild's table lock holds it back."""
    ingest(tenant.project, otlp_calls(1, 10, hour=4))
    dropped, committed = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    read_spans = rollups.calls_stored

    def calls_after_a_pause(**window: Any) -> Iterator[NewCall]:
        dropped.set()
        committed.wait(timeout=3)  # the batch cannot commit meanwhile: it waits for the lock
        return read_spans(**window)

    monkeypatch.setattr(rollups, "calls_stored", calls_after_a_pause)

    def export() -> None:
        try:
            dropped.wait(timeout=30)
            ingest(tenant.project, otlp_calls(100, 10, hour=4))
            committed.set()
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    exporter = threading.Thread(target=export)
    exporter.start()
    rollups_rebuild(
        project_id=tenant.project.pk, start=BASE + timedelta(hours=4), end=BASE + timedelta(hours=5)
    )
    exporter.join()
    monkeypatch.undo()
    assert errors == []
    total = snapshot(tenant.project.pk)
    assert total[("all", BASE + timedelta(hours=4), "")][0] == 20
    assert total == rebuilt_around(tenant.project.pk)


# --- day rows -----------------------------------------------------------------------------------

THREE_DAYS = range(72)


def assert_days_answer_as_hours_and_spans(project: Project) -> None:
    """Day buckets (day rows + pending deltas + edge hours) equal the spans' answer and the sums
    of the hour buckets, for a window of whole days and one with partial days at both edges."""
    for window in (
        Window(DAY, DAY + timedelta(days=3), Bucket.DAY),
        Window(DAY + timedelta(hours=5), DAY + timedelta(days=2, hours=19), Bucket.DAY),
    ):
        for group_by in (GroupBy.NONE, GroupBy.MODEL, GroupBy.USER):
            by_day = window.query(project, group_by)
            assert by_day.source == Source.ROLLUPS
            assert by_day.rows
            assert_same(by_day.rows, spans_answer(project, group_by, window))
            hourly = Window(window.start, window.end, Bucket.HOUR).query(project, group_by)
            sums: dict[tuple[datetime, str], list[Any]] = {}
            for row in hourly.rows:
                day = row.bucket.replace(hour=0)
                total = sums.setdefault((day, row.group), [0, 0, 0, 0, Decimal(0)])
                for i, value in enumerate(
                    (row.count, row.input_tokens, row.output_tokens, row.total_tokens)
                ):
                    total[i] += value
                total[4] += row.cost_total
            assert {
                (r.bucket, r.group): [
                    r.count,
                    r.input_tokens,
                    r.output_tokens,
                    r.total_tokens,
                    r.cost_total,
                ]
                for r in by_day.rows
            } == sums


def test_day_rows_answer_as_the_hours_and_the_spans_through_every_change(tenant: Tenant) -> None:
    seeder = Seeder(tenant.project)
    pk = tenant.project.pk
    for _ in range(3):  # batches: only hour deltas, no day row yet
        seeder.store(seeder.spans(120, hours=THREE_DAYS))
    assert not SpanRollup.objects.filter(grain="day").exists()
    assert_days_answer_as_hours_and_spans(tenant.project)
    rollups_compact(max_rows=300, keys_per_transaction=9)  # some keys merged, some pending
    assert SpanRollup.objects.filter(grain="day").exists()
    assert SpanRollup.objects.filter(compacted=False).exists()
    snapshot(pk)  # checks the day rows
    assert_days_answer_as_hours_and_spans(tenant.project)
    while rollups_compact(keys_per_transaction=9):
        pass
    assert_days_answer_as_hours_and_spans(tenant.project)
    seeder.store(seeder.spans(40, hours=range(2)))  # late spans: pending next to a day row
    assert_days_answer_as_hours_and_spans(tenant.project)
    rollups_compact()
    snapshot(pk)
    assert_days_answer_as_hours_and_spans(tenant.project)
    # A rebuild of a few hours recomputes the day rows of their days.
    SpanRollup.objects.filter(grain="hour", hour=DAY + timedelta(days=1, hours=3)).delete()
    rollups_rebuild(
        project_id=pk,
        start=DAY + timedelta(days=1, hours=2),
        end=DAY + timedelta(days=1, hours=4),
    )
    snapshot(pk)
    assert_days_answer_as_hours_and_spans(tenant.project)
    # Retention: days wholly before the edge lose their day row, the edge day is recomputed.
    edge = DAY + timedelta(days=1, hours=6, minutes=30)
    Span.objects.filter(project=tenant.project, start_time__lt=edge).delete()
    rollups_delete_before(project_id=pk, before=edge)
    days = set(SpanRollup.objects.filter(grain="day").values_list("hour", flat=True))
    assert days == {DAY + timedelta(days=1), DAY + timedelta(days=2)}
    snapshot(pk)
    assert_days_answer_as_hours_and_spans(tenant.project)
    Span.objects.filter(project=tenant.project, start_time__lt=DAY + timedelta(days=2)).delete()
    rollups_delete_before(project_id=pk, before=DAY + timedelta(days=2))  # on a midnight
    assert set(SpanRollup.objects.filter(grain="day").values_list("hour", flat=True)) == {
        DAY + timedelta(days=2)
    }
    assert snapshot(pk) == rebuilt(pk)


def test_a_month_by_model_reads_a_row_per_day_and_model(tenant: Tenant) -> None:
    seeder = Seeder(tenant.project)
    for _ in range(3):
        seeder.store(seeder.spans(400, hours=range(30 * 24)))
    while rollups_compact():
        pass
    seeder.store(seeder.spans(30, hours=range(30 * 24)))  # a batch not compacted yet
    pending = SpanRollup.objects.filter(compacted=False, dimension="model").count()
    assert pending > 0
    window = Window(DAY, DAY + timedelta(days=30), Bucket.DAY)
    with CaptureQueriesContext(connections[router.db_for_read(SpanRollup)]) as queries:
        result = window.query(tenant.project, GroupBy.MODEL)
    assert result.source == Source.ROLLUPS
    (query,) = [q["sql"] for q in queries.captured_queries]  # one statement: one snapshot
    assert SpanRollup._meta.db_table in query
    assert Span._meta.db_table not in query.replace(SpanRollup._meta.db_table, "")
    with connection.cursor() as cursor:
        cursor.execute(query)
        read = len(cursor.fetchall())
    answered = len(result.rows)
    assert answered <= 30 * len(MODELS)
    # The day rows (one per day and model) and the pending deltas, not 720 hours x models.
    assert read == answered + pending
    assert_same(result.rows, spans_answer(tenant.project, GroupBy.MODEL, window))
    rollups_compact()
    with CaptureQueriesContext(connections[router.db_for_read(SpanRollup)]) as queries:
        assert window.query(tenant.project, GroupBy.MODEL) == result
    with connection.cursor() as cursor:
        cursor.execute(queries.captured_queries[0]["sql"])
        assert len(cursor.fetchall()) == answered


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent readers need PostgreSQL")
def test_a_compaction_racing_a_reader_never_counts_a_delta_twice(tenant: Tenant) -> None:
    """One connection reads a month by day and model over and over while another compacts the
    deltas a few keys a transaction: every answer is the same."""
    seeder = Seeder(tenant.project)
    for _ in range(6):
        seeder.store(seeder.spans(60, hours=THREE_DAYS))
    window = Window(DAY, DAY + timedelta(days=3), Bucket.DAY)
    expected = window.query(tenant.project, GroupBy.MODEL)
    assert_same(expected.rows, spans_answer(tenant.project, GroupBy.MODEL, window))
    answers: list[MetricsResult] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                answers.append(window.query(tenant.project, GroupBy.MODEL))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    def compact() -> None:
        try:
            while rollups_compact(keys_per_transaction=2):
                pass
        except BaseException as error:
            errors.append(error)
        finally:
            stop.set()
            connections.close_all()

    threads = [threading.Thread(target=read), threading.Thread(target=compact)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(answers) > 1
    assert not SpanRollup.objects.filter(compacted=False).exists()
    counts = [[(r.bucket, r.group, r.count, r.total_tokens) for r in a.rows] for a in answers]
    assert counts == [[(r.bucket, r.group, r.count, r.total_tokens) for r in expected.rows]] * len(
        answers
    )
    snapshot(tenant.project.pk)
    assert_days_answer_as_hours_and_spans(tenant.project)
