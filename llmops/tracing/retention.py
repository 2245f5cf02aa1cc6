"""Deleting a project's expired spans row by row, and the traces they leave behind.

Whole partitions whose spans all expired are dropped by ``partitions.py``; these batched row
deletes do the rest and keep retention exact at the edges: a span that started one second
inside the cutoff stays. Every query names the project and a start time range so that
PostgreSQL reads only the partitions of that range.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from llmops.tenancy.models import Project
from llmops.tracing.ingest import traces_refresh
from llmops.tracing.models import Span, Trace


def spans_delete_older_than(*, project: Project, before: datetime, batch_size: int) -> int:
    """Delete up to ``batch_size`` spans that started before ``before``, and traces left empty.

    Returns the number of spans deleted; callers repeat until it is below ``batch_size``, so
    each transaction stays small whatever the backlog.
    """
    expired = Span.objects.filter(project=project, start_time__lt=before)
    ids = list(expired.order_by("start_time").values_list("id", flat=True)[:batch_size])
    if not ids:
        return 0
    with transaction.atomic():
        batch = expired.filter(id__in=ids)
        trace_ids = set(batch.values_list("trace_id", flat=True).distinct())
        deleted, _ = batch.delete()
        _traces_settle(project, trace_ids)
    return deleted


def traces_sweep_before(*, project: Project, before: datetime, batch_size: int = 5000) -> int:
    """Settle the project's traces that started before ``before``; return how many were deleted.

    After a partition drop their spans are gone without a row delete that would have settled
    them: a trace with no span left is deleted, one with spans left is recomputed from them
    (its start moves to its earliest remaining span). Idempotent, so a run interrupted between
    the drop and this sweep is completed by the next one.

    Only traces that started before the project's earliest stored span are read: those have
    certainly lost spans, while a backlog of expired rows is still being deleted the
    others may be intact, and recomputing them all on every run would be wasted work.
    """
    earliest = (
        Span.objects.filter(project=project)
        .order_by("start_time")
        .values_list("start_time", flat=True)
        .first()
    )
    if earliest is not None:
        before = min(before, earliest)
    deleted = 0
    last_id = 0
    while True:
        batch = list(
            Trace.objects.filter(project=project, start_time__lt=before, id__gt=last_id)
            .order_by("id")
            .values_list("id", "trace_id", "start_time")[:batch_size]
        )
        if not batch:
            return deleted
        last_id = batch[-1][0]
        with transaction.atomic():
            deleted += _traces_settle(
                project, {trace_id for _, trace_id, _ in batch}, since=min(s for *_, s in batch)
            )


def _traces_settle(project: Project, trace_ids: set[str], since: datetime | None = None) -> int:
    """Delete the traces of ``trace_ids`` without spans, recompute the others; return deleted.

    ``since`` is a start time no span of these traces precedes (the earliest trace start),
    which prunes the partitions read.
    """
    spans = Span.objects.filter(project=project, trace_id__in=trace_ids)
    if since is not None:
        spans = spans.filter(start_time__gte=since)
    remaining = set(spans.values_list("trace_id", flat=True).distinct())
    _, per_model = Trace.objects.filter(
        project=project, trace_id__in=trace_ids - remaining
    ).delete()
    if remaining:
        traces_refresh(project=project, trace_ids=sorted(remaining))
    return per_model.get(Trace._meta.label, 0)
