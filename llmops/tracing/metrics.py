"""Time-bucketed metrics of traces and LLM spans: counts, tokens, cost, latency percentiles,
error rate, optionally grouped.

Grouping by model or prompt version measures LLM and embedding spans (those are properties of
a call); no grouping, or grouping by user, environment or tag, measures traces. PostgreSQL does
it in one SQL statement; SQLite (the embedded default, small data) computes the same numbers in
Python with the same percentile definition (linear interpolation, as ``percentile_cont``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import connection

from llmops.domain_errors import Invalid
from llmops.tenancy.models import Project
from llmops.tracing.models import Span, SpanKind, Status, Trace

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


def _on_spans(group_by: GroupBy) -> bool:
    return group_by in (GroupBy.MODEL, GroupBy.PROMPT_VERSION)


_PG_GROUP = {
    GroupBy.NONE: "''",
    GroupBy.USER: "t.user_id",
    GroupBy.ENVIRONMENT: "t.environment",
    GroupBy.TAG: "tag.value",
    GroupBy.MODEL: "COALESCE(NULLIF(t.model_answered, ''), t.model_requested)",
    GroupBy.PROMPT_VERSION: "t.prompt_name || '@' || t.prompt_version",
}


def _postgres(
    project: Project, start: datetime, end: datetime, bucket: Bucket, group_by: GroupBy
) -> list[MetricsRow]:
    spans = _on_spans(group_by)
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
    with connection.cursor() as cursor:
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
    project: Project, start: datetime, end: datetime, bucket: Bucket, group_by: GroupBy
) -> list[MetricsRow]:
    rows: list[tuple[datetime, list[str], float, int, int, int, Decimal, bool]] = []
    if _on_spans(group_by):
        spans = Span.objects.filter(
            project=project,
            start_time__gte=start,
            start_time__lt=end,
            kind__in=[SpanKind.LLM, SpanKind.EMBEDDING],
        )
        if group_by == GroupBy.PROMPT_VERSION:
            spans = spans.exclude(prompt_name="")
        for s in spans.values(
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
        ):
            group = (
                s["model_answered"] or s["model_requested"]
                if group_by == GroupBy.MODEL
                else f"{s['prompt_name']}@{s['prompt_version']}"
            )
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
    *, project: Project, start: datetime, end: datetime, bucket: Bucket, group_by: GroupBy
) -> list[MetricsRow]:
    if end <= start:
        raise ValueError("'to' must be after 'from'")
    if (end - start) / _STEP[bucket] > MAX_BUCKETS:
        raise MetricsRangeTooLarge(
            f"the range holds more than {MAX_BUCKETS} {bucket.value} buckets; use a larger bucket"
        )
    if connection.vendor == "postgresql":
        return _postgres(project, start, end, bucket, group_by)
    return _python(project, start, end, bucket, group_by)
