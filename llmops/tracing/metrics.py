"""Time-bucketed metrics of traces and model calls: counts, tokens, cost, latency percentiles,
error rate, optionally grouped.

Grouping by model, provider or prompt version measures model calls (LLM and embedding spans:
those are properties of a call); no grouping, or grouping by user, environment or tag, measures
traces unless ``measure=calls`` asks for the calls (not by tag: tags belong to traces).

Calls are answered from the rollups (llmops/tracing/rollups.py) when the query covers whole
hours in hour or day buckets: hour buckets read hour rows, day buckets read a day row per whole
day (plus its pending hour deltas) and hour rows for partial edge days, all in one statement;
latency percentiles come from merging the rows' sketches (within 1% of the exact ones).
Other call queries (minute buckets, a range not on the hour) read the spans. Traces are read
from the trace rows (a covering index on PostgreSQL, so a day of traces is read from the index
only). PostgreSQL computes span and trace metrics in one
SQL statement; SQLite (the embedded default, small data) computes the same numbers in Python
with the same percentile definition (linear interpolation, as ``percentile_cont``). The result
says which source answered.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import connection, connections, router
from django.db.models import Q

from llmops.domain_errors import Invalid
from llmops.tenancy.models import Project
from llmops.tracing.models import RollupDimension, Span, SpanKind, SpanRollup, Status, Trace
from llmops.tracing.rollups import Bins, Cell, sketch_percentile

MAX_BUCKETS = 2000


class Bucket(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


class GroupBy(StrEnum):
    NONE = "none"
    MODEL = "model"
    PROMPT_VERSION = "prompt_version"
    USER = "user"
    ENVIRONMENT = "environment"
    TAG = "tag"
    PROVIDER = "provider"


class Measure(StrEnum):
    TRACES = "traces"
    CALLS = "calls"


class Source(StrEnum):
    """Where an answer came from."""

    ROLLUPS = "rollups"
    SPANS = "spans"
    TRACES = "traces"


# Groupings that exist only for calls (a trace may call several models).
CALL_GROUPS = frozenset({GroupBy.MODEL, GroupBy.PROMPT_VERSION, GroupBy.PROVIDER})

_ROLLUP_DIMENSION = {
    GroupBy.NONE: RollupDimension.ALL,
    GroupBy.MODEL: RollupDimension.MODEL,
    GroupBy.PROVIDER: RollupDimension.PROVIDER,
    GroupBy.PROMPT_VERSION: RollupDimension.PROMPT_VERSION,
    GroupBy.ENVIRONMENT: RollupDimension.ENVIRONMENT,
    GroupBy.USER: RollupDimension.USER,
}


_STEP = {
    Bucket.MINUTE: timedelta(minutes=1),
    Bucket.HOUR: timedelta(hours=1),
    Bucket.DAY: timedelta(days=1),
}


@dataclass(frozen=True)
class MetricsRow:
    bucket: datetime
    group: str
    count: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_total: Decimal
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_p99_ms: float | None
    error_rate: float


@dataclass(frozen=True)
class MetricsResult:
    measured: Measure
    source: Source
    rows: list[MetricsRow]


class MetricsRangeTooLarge(Invalid):
    """Too many buckets for the range; a 400 naming ``bucket``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="bucket")


def _truncate(moment: datetime, bucket: Bucket) -> datetime:
    moment = moment.astimezone(UTC)
    if bucket == Bucket.MINUTE:
        return moment.replace(second=0, microsecond=0)
    if bucket == Bucket.HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """``percentile_cont``: linear interpolation between the closest ranks."""
    if not sorted_values:
        return None
    rank = fraction * (len(sorted_values) - 1)
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def measure_for(group_by: GroupBy, measure: Measure | None) -> Measure:
    """What a query measures: call groupings measure calls, the others traces by default."""
    if group_by in CALL_GROUPS:
        if measure == Measure.TRACES:
            raise Invalid(f"grouping by {group_by.value} measures calls", field="measure")
        return Measure.CALLS
    if group_by == GroupBy.TAG and measure == Measure.CALLS:
        raise Invalid("tags belong to traces; group calls by another field", field="measure")
    return measure or Measure.TRACES


def rollups_cover(start: datetime, end: datetime, bucket: Bucket) -> bool:
    """Whether hourly rollups answer exactly: whole hours, in hour or day buckets."""

    def on_hour(moment: datetime) -> bool:
        return moment.astimezone(UTC) == _truncate(moment, Bucket.HOUR)

    return bucket in (Bucket.HOUR, Bucket.DAY) and on_hour(start) and on_hour(end)


def _rollup_rows(start: datetime, end: datetime, bucket: Bucket) -> Q:
    """Which rollup rows answer [start, end) (whole hours) in ``bucket``.

    Day buckets read, for each whole day inside the range, the day row plus that day's hour
    rows still pending (delta rows compaction has not merged into the day row yet), and hour
    rows for the partial days at the edges. Hour buckets read hour rows.
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    hours = Q(grain=SpanRollup.Grain.HOUR)
    first_day = _truncate(start, Bucket.DAY)
    if first_day < start:
        first_day += timedelta(days=1)
    end_day = _truncate(end, Bucket.DAY)
    if bucket == Bucket.HOUR or first_day >= end_day:
        return hours & Q(hour__gte=start, hour__lt=end)
    whole = Q(hour__gte=first_day, hour__lt=end_day)
    return (
        (whole & (Q(grain=SpanRollup.Grain.DAY) | (hours & Q(compacted=False))))
        | (hours & Q(hour__gte=start, hour__lt=first_day))
        | (hours & Q(hour__gte=end_day, hour__lt=end))
    )


def _rollups(
    project: Project, start: datetime, end: datetime, bucket: Bucket, group_by: GroupBy
) -> list[MetricsRow]:
    # ONE statement, so one snapshot: a compaction committing meanwhile moves a delta into its
    # day row (or an hour's deltas into one row) atomically, and this read sees it on one side
    # of that move only, never counted twice nor missed. The sums are done here: a month by day
    # is a few hundred rows, and their sketches must be read anyway.
    rows = (
        SpanRollup.objects.filter(
            _rollup_rows(start, end, bucket),
            project=project,
            dimension=_ROLLUP_DIMENSION[group_by],
        )
        .order_by()
        .values_list(
            "hour",
            "value",
            "call_count",
            "error_count",
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "cost_total",
            "latency_sketch",
        )
    )
    cells: dict[tuple[datetime, str], Cell] = {}
    errors: dict[tuple[datetime, str], int] = defaultdict(int)
    for moment, group, calls, error_count, input_, output, total, cost, data in rows:
        key = (_truncate(moment, bucket), group)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = Cell()
        cell.call_count += calls
        errors[key] += error_count
        cell.input_tokens += input_
        cell.output_tokens += output
        cell.total_tokens += total
        cell.cost_total += cost
        cell.latency.merge(Bins.decode(data))
    result: list[MetricsRow] = []
    for (bucket_start, group), cell in sorted(cells.items()):
        if not cell.call_count:
            continue
        sketch = cell.latency.sketch()
        result.append(
            MetricsRow(
                bucket=bucket_start,
                group=group,
                count=cell.call_count,
                input_tokens=cell.input_tokens,
                output_tokens=cell.output_tokens,
                total_tokens=cell.total_tokens,
                cost_total=Decimal(cell.cost_total),
                latency_p50_ms=sketch_percentile(sketch, 0.5),
                latency_p95_ms=sketch_percentile(sketch, 0.95),
                latency_p99_ms=sketch_percentile(sketch, 0.99),
                error_rate=errors[(bucket_start, group)] / cell.call_count,
            )
        )
    return result


_PG_GROUP = {
    GroupBy.NONE: "''",
    GroupBy.USER: "t.user_id",
    GroupBy.ENVIRONMENT: "t.environment",
    GroupBy.TAG: "tag.value",
    GroupBy.MODEL: "COALESCE(NULLIF(t.model_answered, ''), t.model_requested)",
    GroupBy.PROMPT_VERSION: "t.prompt_name || '@' || t.prompt_version",
    GroupBy.PROVIDER: "t.provider",
}


def _postgres(
    project: Project, start: datetime, end: datetime, bucket: Bucket, group_by: GroupBy, spans: bool
) -> list[MetricsRow]:
    table = Span._meta.db_table if spans else Trace._meta.db_table
    latency = "t.duration_ms" if spans else "t.latency_ms"
    error = "t.status = 'error'" if spans else "t.error_count > 0"
    lateral = (
        "CROSS JOIN LATERAL jsonb_array_elements_text(t.tags) AS tag(value)"
        if group_by == GroupBy.TAG
        else ""
    )
    extra = ""
    if spans:
        extra = "AND t.kind IN ('llm', 'embedding')"
    if group_by == GroupBy.PROMPT_VERSION:
        extra += " AND t.prompt_name <> ''"
    sql = f"""
        SELECT date_trunc(%(bucket)s, t.start_time AT TIME ZONE 'UTC') AS b,
               {_PG_GROUP[group_by]} AS g,
               count(*),
               coalesce(sum(t.input_tokens), 0),
               coalesce(sum(t.output_tokens), 0),
               coalesce(sum(t.total_tokens), 0),
               coalesce(sum(t.cost_total), 0),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {latency}),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY {latency}),
               percentile_cont(0.99) WITHIN GROUP (ORDER BY {latency}),
               avg(CASE WHEN {error} THEN 1.0 ELSE 0.0 END)
        FROM {table} t {lateral}
        WHERE t.project_id = %(project)s AND t.start_time >= %(start)s
              AND t.start_time < %(end)s {extra}
        GROUP BY 1, 2 ORDER BY 1, 2
    """  # noqa: S608 — only fixed fragments are interpolated; values are parameters.
    # Routed like the ORM's reads, so a view whose reads may lag reads the replica (if any).
    with connections[router.db_for_read(Span if spans else Trace)].cursor() as cursor:
        cursor.execute(
            sql, {"bucket": bucket.value, "project": project.pk, "start": start, "end": end}
        )
        return [
            MetricsRow(
                bucket=row[0].replace(tzinfo=UTC),
                group=row[1] or "",
                count=row[2],
                input_tokens=int(row[3]),
                output_tokens=int(row[4]),
                total_tokens=int(row[5]),
                cost_total=Decimal(row[6]),
                latency_p50_ms=row[7],
                latency_p95_ms=row[8],
                latency_p99_ms=row[9],
                error_rate=float(row[10]),
            )
            for row in cursor.fetchall()
        ]


def _python(
    project: Project, start: datetime, end: datetime, bucket: Bucket, group_by: GroupBy, spans: bool
) -> list[MetricsRow]:
    rows: list[tuple[datetime, list[str], float, int, int, int, Decimal, bool]] = []
    if spans:
        calls = Span.objects.filter(
            project=project,
            start_time__gte=start,
            start_time__lt=end,
            kind__in=[SpanKind.LLM, SpanKind.EMBEDDING],
        )
        if group_by == GroupBy.PROMPT_VERSION:
            calls = calls.exclude(prompt_name="")
        for s in calls.values(
            "start_time",
            "model_answered",
            "model_requested",
            "prompt_name",
            "prompt_version",
            "duration_ms",
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "cost_total",
            "status",
            "provider",
            "environment",
            "user_id",
        ):
            group = {
                GroupBy.NONE: "",
                GroupBy.MODEL: s["model_answered"] or s["model_requested"],
                GroupBy.PROMPT_VERSION: f"{s['prompt_name']}@{s['prompt_version']}",
                GroupBy.PROVIDER: s["provider"],
                GroupBy.ENVIRONMENT: s["environment"],
                GroupBy.USER: s["user_id"],
            }[group_by]
            rows.append(
                (
                    s["start_time"],
                    [group],
                    s["duration_ms"],
                    s["input_tokens"],
                    s["output_tokens"],
                    s["total_tokens"],
                    s["cost_total"] or Decimal(0),
                    s["status"] == Status.ERROR,
                )
            )
    else:
        traces = Trace.objects.filter(project=project, start_time__gte=start, start_time__lt=end)
        for t in traces.values(
            "start_time",
            "user_id",
            "environment",
            "tags",
            "latency_ms",
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "cost_total",
            "error_count",
        ):
            groups = {
                GroupBy.NONE: [""],
                GroupBy.USER: [t["user_id"]],
                GroupBy.ENVIRONMENT: [t["environment"]],
                GroupBy.TAG: list(t["tags"]),
            }[group_by]
            rows.append(
                (
                    t["start_time"],
                    groups,
                    t["latency_ms"],
                    t["input_tokens"],
                    t["output_tokens"],
                    t["total_tokens"],
                    t["cost_total"],
                    t["error_count"] > 0,
                )
            )
    cells: dict[tuple[datetime, str], list[Any]] = defaultdict(list)
    for row in rows:
        for group in row[1]:
            cells[(_truncate(row[0], bucket), group)].append(row)
    result: list[MetricsRow] = []
    for (bucket_start, group), items in sorted(cells.items()):
        latencies = sorted(item[2] for item in items)
        result.append(
            MetricsRow(
                bucket=bucket_start,
                group=group,
                count=len(items),
                input_tokens=sum(item[3] for item in items),
                output_tokens=sum(item[4] for item in items),
                total_tokens=sum(item[5] for item in items),
                cost_total=sum((item[6] for item in items), Decimal(0)),
                latency_p50_ms=percentile(latencies, 0.5),
                latency_p95_ms=percentile(latencies, 0.95),
                latency_p99_ms=percentile(latencies, 0.99),
                error_rate=sum(1 for item in items if item[7]) / len(items),
            )
        )
    return result


def metrics_query(
    *,
    project: Project,
    start: datetime,
    end: datetime,
    bucket: Bucket,
    group_by: GroupBy,
    measure: Measure | None = None,
    use_rollups: bool = True,
) -> MetricsResult:
    """``use_rollups=False`` reads the spans even where rollups would answer (to compare)."""
    if end <= start:
        raise ValueError("'to' must be after 'from'")
    if (end - start) / _STEP[bucket] > MAX_BUCKETS:
        raise MetricsRangeTooLarge(
            f"the range holds more than {MAX_BUCKETS} {bucket.value} buckets; use a larger bucket"
        )
    measured = measure_for(group_by, measure)
    spans = measured == Measure.CALLS
    if spans and use_rollups and rollups_cover(start, end, bucket):
        return MetricsResult(
            measured, Source.ROLLUPS, _rollups(project, start, end, bucket, group_by)
        )
    source = Source.SPANS if spans else Source.TRACES
    if connection.vendor == "postgresql":
        return MetricsResult(
            measured, source, _postgres(project, start, end, bucket, group_by, spans)
        )
    return MetricsResult(measured, source, _python(project, start, end, bucket, group_by, spans))
