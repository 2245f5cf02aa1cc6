"""Reads of traces, spans and sessions, always scoped by project."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)

from llmops.tenancy.models import Project
from llmops.tracing.models import PendingRun, Span, Trace
from llmops.tracing.run_ids import span_id_of

# How far a LangSmith run's start may be from the time in its UUIDv7 id (clocks, explicit
# start times) and still be found by the fast, time-bounded read.
_UUID7_SLACK = timedelta(hours=1)

TRACE_ORDERINGS = {
    "start_time": ("start_time", "id"),
    "-start_time": ("-start_time", "-id"),
    "latency_ms": ("latency_ms", "id"),
    "-latency_ms": ("-latency_ms", "-id"),
    "cost_total": ("cost_total", "id"),
    "-cost_total": ("-cost_total", "-id"),
    "total_tokens": ("total_tokens", "id"),
    "-total_tokens": ("-total_tokens", "-id"),
}


@dataclass(frozen=True)
class TraceFilters:
    start_from: datetime | None = None
    start_to: datetime | None = None
    name: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    tags: tuple[str, ...] = ()
    environment: str | None = None
    release: str | None = None
    model: str | None = None
    status: str | None = None
    has_error: bool | None = None
    min_cost: Decimal | None = None
    max_cost: Decimal | None = None
    min_latency_ms: float | None = None
    max_latency_ms: float | None = None
    metadata_key: str | None = None
    metadata_value: str | None = None
    prompt_name: str | None = None
    prompt_version: str | None = None
    text: str | None = None


def _contains(traces: QuerySet[Trace], field: str, value: str) -> QuerySet[Trace]:
    """Traces whose JSON list ``field`` holds ``value``."""
    if connection.vendor == "postgresql":
        # jsonb containment, served by the field's GIN index.
        return traces.filter(**{f"{field}__contains": [value]})
    # SQLite has no JSON containment; match the quoted element in the JSON text (LIKE, so
    # case-insensitive for ASCII on the embedded default).
    return traces.filter(**{f"{field}__icontains": json.dumps(value)})


def traces_filtered(*, project: Project, filters: TraceFilters) -> QuerySet[Trace]:
    traces = Trace.objects.filter(project=project)
    f = filters
    if f.start_from is not None:
        traces = traces.filter(start_time__gte=f.start_from)
    if f.start_to is not None:
        traces = traces.filter(start_time__lt=f.start_to)
    for field_name in ("name", "user_id", "session_id", "environment", "release", "status"):
        value = getattr(f, field_name)
        if value:
            traces = traces.filter(**{field_name: value})
    for tag in f.tags:
        traces = _contains(traces, "tags", tag)
    if f.model:
        traces = _contains(traces, "model_names", f.model)
    if f.prompt_name and f.prompt_version:
        traces = _contains(traces, "prompt_versions", f"{f.prompt_name}@{f.prompt_version}")
    if f.has_error is True:
        traces = traces.filter(error_count__gt=0)
    elif f.has_error is False:
        traces = traces.filter(error_count=0)
    if f.min_cost is not None:
        traces = traces.filter(cost_total__gte=f.min_cost)
    if f.max_cost is not None:
        traces = traces.filter(cost_total__lte=f.max_cost)
    if f.min_latency_ms is not None:
        traces = traces.filter(latency_ms__gte=f.min_latency_ms)
    if f.max_latency_ms is not None:
        traces = traces.filter(latency_ms__lte=f.max_latency_ms)
    if f.metadata_key:
        if f.metadata_value is None:
            traces = traces.filter(metadata__has_key=f.metadata_key)
        else:
            traces = traces.filter(**{f"metadata__{f.metadata_key}": f.metadata_value})
    span_conditions = Q()
    if f.prompt_name and not f.prompt_version:
        span_conditions &= Q(prompt_name=f.prompt_name)
    elif f.prompt_version and not f.prompt_name:
        span_conditions &= Q(prompt_version=f.prompt_version)
    if f.text:
        span_conditions &= Q(input__icontains=f.text) | Q(output__icontains=f.text)
    if span_conditions:
        # A trace starts at its earliest span: bounding the spans' start by the trace's (and by
        # the filter's) lets PostgreSQL skip the span partitions before it.
        matching_spans = Span.objects.filter(
            span_conditions,
            project=project,
            trace_id=OuterRef("trace_id"),
            start_time__gte=OuterRef("start_time"),
        )
        if f.start_from is not None:
            matching_spans = matching_spans.filter(start_time__gte=f.start_from)
        traces = traces.filter(Exists(matching_spans))
    return traces


def trace_get(*, project: Project, trace_id: str) -> Trace | None:
    return Trace.objects.filter(project=project, trace_id=trace_id).first()


# Ingest accepts a span starting up to a day ahead of the storing server's clock, and every
# store rewrites the trace row's updated_at (at the database's clock): so no span of a trace
# starts after its updated_at plus a day. The hour more covers clock skew between servers. (The
# trace's end time is no bound: a span's end may precede its start.)
_LATEST_START_AFTER_UPDATE = timedelta(days=1, hours=1)


def _spans_within(project: Project, traces: list[Trace]) -> QuerySet[Span]:
    """The spans of trace rows already read, bounded by the window their spans can be in.

    The window runs from the earliest trace start to the latest ``updated_at`` plus the latest
    start ingest accepts after a store (a day ahead of the clock, and an hour of margin): a
    span's start lies in it, since ingest writes the trace row in the span's transaction.

    The bounds are the rows' own values, literals in the query: PostgreSQL prunes the span
    partitions while planning, so it neither plans nor opens the others (with one partition a
    day, planning every partition's index scan cost more than the scan itself).
    """
    lo = min(trace.start_time for trace in traces)
    hi = max(trace.updated_at for trace in traces) + _LATEST_START_AFTER_UPDATE
    return Span.objects.filter(
        project=project,
        trace_id__in=[trace.trace_id for trace in traces],
        start_time__gte=lo,
        start_time__lte=hi,
    ).order_by("start_time", "span_id")


def spans_of_trace_row(*, project: Project, trace: Trace) -> list[Span]:
    """The trace's spans by start time, from the partitions of the trace's time only."""
    return list(_spans_within(project, [trace]))


def spans_of_trace_rows(*, project: Project, traces: list[Trace]) -> dict[str, list[Span]]:
    """The spans of trace rows just read, per trace id, in one query."""
    grouped: dict[str, list[Span]] = defaultdict(list)
    if traces:
        for span in _spans_within(project, traces):
            grouped[span.trace_id].append(span)
    return grouped


def span_tree(spans: list[Span]) -> list[dict[str, Any]]:
    """Nest spans under their parents; spans whose parent never arrived become roots."""
    nodes: dict[str, dict[str, Any]] = {s.span_id: {"span": s, "children": []} for s in spans}
    roots: list[dict[str, Any]] = []
    for span in spans:
        parent = nodes.get(span.parent_span_id) if span.parent_span_id else None
        (parent["children"] if parent else roots).append(nodes[span.span_id])
    return roots


def sessions_list(*, project: Project) -> QuerySet[Any]:
    return (
        Trace.objects.filter(project=project)
        .exclude(session_id="")
        .values("session_id")
        .annotate(
            trace_count=Count("id"),
            first_trace_at=Min("start_time"),
            last_trace_at=Max("start_time"),
            total_tokens=Sum("total_tokens"),
            cost_total=Sum("cost_total"),
            error_count=Sum("error_count"),
            user_id=Max("user_id"),
        )
    )


def session_traces(*, project: Project, session_id: str) -> QuerySet[Trace]:
    return Trace.objects.filter(project=project, session_id=session_id).order_by("start_time", "id")


@dataclass(frozen=True)
class LangSmithRunFilters:
    """What ``POST /langsmith/runs/query`` filters by (run ids are LangSmith run UUIDs)."""

    trace_id: str = ""  # the platform's 32-hex trace id
    span_ids: tuple[str, ...] = ()
    parent_span_id: str = ""
    is_root: bool | None = None
    kinds: tuple[str, ...] = ()
    error: bool | None = None


def langsmith_run_span(*, project: Project, run_id: uuid.UUID) -> Span | None:
    """The stored span of a LangSmith run (its span id is derived from the run id).

    The client makes run ids as UUIDv7 from the run's start time, so for those the read looks
    near that time first: a literal time window lets PostgreSQL read only that day's span
    partitions. Any other id (or a start time set apart from the id) is looked up in them all.
    """
    spans = Span.objects.filter(project=project, span_id=span_id_of(run_id))
    if run_id.version == 7:
        started = datetime.fromtimestamp((run_id.int >> 80) / 1000, tz=UTC)
        near = spans.filter(
            start_time__gte=started - _UUID7_SLACK, start_time__lte=started + _UUID7_SLACK
        )
        found = near.order_by("start_time").first()
        if found is not None:
            return found
    return spans.order_by("start_time").first()


def trace_roots(*, project: Project, trace_ids: set[str]) -> dict[str, Span]:
    """The root span of each of these traces (the one without a parent), by trace id."""
    if not trace_ids:
        return {}
    roots = Span.objects.filter(project=project, trace_id__in=trace_ids, parent_span_id="")
    return {span.trace_id: span for span in roots.order_by("start_time")}


def langsmith_pending_run(*, project: Project, run_id: Any) -> PendingRun | None:
    return PendingRun.objects.filter(project=project, run_id=run_id).first()


def langsmith_pending_trace(*, project: Project, run_id: Any) -> str:
    """The trace id (32 hex) of a LangSmith run still running, or ""."""
    found = (
        PendingRun.objects.filter(project=project, run_id=run_id)
        .values_list("trace_id", flat=True)
        .first()
    )
    return found or ""


def langsmith_run_spans(
    *, project: Project, filters: LangSmithRunFilters, offset: int, limit: int
) -> list[Span]:
    """A page of spans, in start order (a trace's runs read as a tree, parents first)."""
    spans = Span.objects.filter(project=project)
    if filters.trace_id:
        spans = spans.filter(trace_id=filters.trace_id)
    if filters.span_ids:
        spans = spans.filter(span_id__in=filters.span_ids)
    if filters.parent_span_id:
        spans = spans.filter(parent_span_id=filters.parent_span_id)
    if filters.is_root is not None:
        spans = (
            spans.filter(parent_span_id="") if filters.is_root else spans.exclude(parent_span_id="")
        )
    if filters.kinds:
        spans = spans.filter(kind__in=filters.kinds)
    if filters.error is not None:
        spans = spans.filter(status="error") if filters.error else spans.exclude(status="error")
    return list(spans.order_by("start_time", "trace_id", "span_id")[offset : offset + limit])
