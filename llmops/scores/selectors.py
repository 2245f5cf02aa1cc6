"""Reads of scores: lists, the scores of traces, and score metrics over time."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour, TruncMinute

from llmops.domain_errors import NotFound
from llmops.scores.models import DataType, Score
from llmops.tenancy.models import Project
from llmops.tracing.models import Trace


@dataclass(frozen=True)
class ScoreFilters:
    trace_id: str | None = None
    span_id: str | None = None
    name: str | None = None
    source: str | None = None
    data_type: str | None = None
    start_from: datetime | None = None
    start_to: datetime | None = None


def scores_filtered(*, project: Project, filters: ScoreFilters) -> QuerySet[Score]:
    scores = Score.objects.filter(project=project)
    for field_name in ("trace_id", "span_id", "name", "source", "data_type"):
        value = getattr(filters, field_name)
        if value:
            scores = scores.filter(**{field_name: value})
    if filters.start_from is not None:
        scores = scores.filter(created_at__gte=filters.start_from)
    if filters.start_to is not None:
        scores = scores.filter(created_at__lt=filters.start_to)
    return scores


def score_get(*, project: Project, id: uuid.UUID) -> Score:
    found = Score.objects.filter(project=project, id=id).first()
    if found is None:
        raise NotFound("Score not found.", field="id")
    return found


def traces_scored(
    traces: QuerySet[Trace],
    *,
    project: Project,
    name: str,
    min_value: float | None = None,
    max_value: float | None = None,
    label: str | None = None,
) -> QuerySet[Trace]:
    """Those of ``traces`` with at least one score named ``name`` (within the bounds given,
    or with that label)."""
    conditions = Q(name=name)
    if min_value is not None:
        conditions &= Q(value__gte=min_value)
    if max_value is not None:
        conditions &= Q(value__lte=max_value)
    if label is not None:
        conditions &= Q(string_value=label)
    matching = Score.objects.filter(conditions, project=project, trace_id=OuterRef("trace_id"))
    return traces.filter(Exists(matching))


def scores_of_trace(*, project: Project, trace_id: str) -> list[Score]:
    return list(Score.objects.filter(project=project, trace_id=trace_id).order_by("created_at"))


def scores_of_traces(*, project: Project, trace_ids: Iterable[str]) -> dict[str, list[Score]]:
    """The scores of many traces in one query, per trace id, oldest first."""
    grouped: dict[str, list[Score]] = defaultdict(list)
    scores = Score.objects.filter(project=project, trace_id__in=list(trace_ids))
    for score in scores.order_by("created_at", "id"):
        grouped[score.trace_id].append(score)
    return grouped


def score_summaries(
    *, project: Project, trace_ids: Iterable[str]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per trace, per score name: count and mean (numeric, boolean) or label counts."""
    summaries: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    rows = (
        Score.objects.filter(project=project, trace_id__in=list(trace_ids))
        .values("trace_id", "name", "data_type", "string_value")
        .annotate(count=Count("id"), mean=Avg("value"))
    )
    for row in rows:
        entry = summaries[row["trace_id"]].setdefault(
            row["name"], {"data_type": row["data_type"], "count": 0, "mean": None, "labels": {}}
        )
        previous = entry["count"]
        entry["count"] = previous + row["count"]
        if row["data_type"] != DataType.CATEGORICAL and row["mean"] is not None:
            # Booleans come grouped by label; fold the groups into one weighted mean.
            total = (entry["mean"] or 0.0) * previous + row["mean"] * row["count"]
            entry["mean"] = total / entry["count"]
        if row["data_type"] != DataType.NUMERIC:
            entry["labels"][row["string_value"]] = row["count"]
    return dict(summaries)


_TRUNC = {"minute": TruncMinute, "hour": TruncHour, "day": TruncDay}


def score_metrics(
    *, project: Project, start: datetime, end: datetime, bucket: str, name: str | None
) -> list[dict[str, Any]]:
    """Per time bucket and score name: count, mean, min, max, and label counts."""
    scores = Score.objects.filter(project=project, created_at__gte=start, created_at__lt=end)
    if name:
        scores = scores.filter(name=name)
    rows = (
        scores.annotate(bucket=_TRUNC[bucket]("created_at"))
        .values("bucket", "name", "data_type", "string_value")
        .annotate(count=Count("id"), mean=Avg("value"), low=Min("value"), high=Max("value"))
        .order_by("bucket", "name", "string_value")
    )
    cells: dict[tuple[datetime, str], dict[str, Any]] = {}
    for row in rows:
        cell = cells.setdefault(
            (row["bucket"], row["name"]),
            {
                "bucket": row["bucket"],
                "name": row["name"],
                "data_type": row["data_type"],
                "count": 0,
                "mean": None,
                "min": None,
                "max": None,
                "labels": {},
            },
        )
        previous = cell["count"]
        cell["count"] = previous + row["count"]
        if row["mean"] is not None:
            total = (cell["mean"] or 0.0) * previous + row["mean"] * row["count"]
            cell["mean"] = total / cell["count"]
            cell["min"] = row["low"] if cell["min"] is None else min(cell["min"], row["low"])
            cell["max"] = row["high"] if cell["max"] is None else max(cell["max"], row["high"])
        if row["data_type"] != DataType.NUMERIC:
            cell["labels"][row["string_value"]] = row["count"]
    return list(cells.values())
