"""Retention: whole span partitions dropped only when every project in them is past its
retention, exact row deletes at the edges, the traces and rollups left behind settled, and the
maintenance task (retention only on SQLite)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from llmops.tenancy.models import Project
from llmops.tracing.domain import retention_apply, retention_apply_all, retention_set
from llmops.tracing.langsmith_runs import PENDING_MAX_AGE
from llmops.tracing.models import PendingRun, Span, SpanRollup, Trace
from llmops.tracing.partitions import (
    partition_name,
    partitions_drop_expired,
    partitions_ensure,
    partitions_list,
    projects_in_partition,
)
from llmops.tracing.tasks import apply_retention, maintain_partitions
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p
from tests.tracing.stored import ns, postgres_only, span_hex, store, trace_hex

pytestmark = pytest.mark.django_db


def llm_span(trace: int, span: int, start: datetime) -> Any:
    return p.span(
        trace_id=trace_hex(trace),
        span_id=span_hex(span),
        start_ns=ns(start),
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 10,
            "gen_ai.usage.output_tokens": 5,
        },
    )


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def span_ids(project: Project) -> list[str]:
    return sorted(Span.objects.filter(project=project).values_list("span_id", flat=True))


def test_retention_is_exact_at_the_cutoff(tenant: Tenant) -> None:
    now = datetime.now(tz=UTC).replace(microsecond=0)
    cutoff = now - timedelta(days=30)
    store(
        tenant.project,
        [
            llm_span(1, 1, cutoff - timedelta(seconds=1)),
            llm_span(1, 2, cutoff + timedelta(seconds=1)),
            llm_span(2, 3, cutoff - timedelta(days=3)),
        ],
    )
    deleted = retention_apply(project=tenant.project, days=30, now=now)
    assert deleted == 2
    assert span_ids(tenant.project) == [span_hex(2)]
    # Trace 1 is recomputed from the span left; trace 2 had nothing left.
    trace = Trace.objects.get()
    assert (trace.trace_id, trace.span_count, trace.start_time) == (
        trace_hex(1),
        1,
        cutoff + timedelta(seconds=1),
    )
    # No rollup keeps an hour wholly before the cutoff (the day row of the cutoff's day stays).
    hours = SpanRollup.objects.filter(grain="hour")
    assert not hours.filter(hour__lt=cutoff - timedelta(hours=1)).exists()
    assert hours.filter(hour__gte=cutoff - timedelta(hours=1)).exists()


@postgres_only
# Committed spans, as in production: a partition cannot be dropped in the transaction that
# inserted into it (its deferred foreign key checks are still pending).
@pytest.mark.django_db(transaction=True)
def test_a_partition_is_dropped_only_when_every_project_in_it_is_past_retention(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    now = datetime.now(tz=UTC)
    old = now.date() - timedelta(days=40)
    # Partitions of forty days ago, as if beat had created them then.
    partitions_ensure(today=old + timedelta(days=1), days_ahead=1)
    day_a, day_b = old, old + timedelta(days=1)  # day B holds only the first project
    store(
        tenant.project,
        [
            llm_span(1, 1, midnight(day_a) + timedelta(hours=1)),
            llm_span(2, 2, midnight(day_b) + timedelta(hours=1)),
            # Trace 2 goes on today: it survives the drop, recomputed.
            llm_span(2, 3, now - timedelta(minutes=5)),
        ],
    )
    store(other_tenant.project, [llm_span(5, 5, midnight(day_a) + timedelta(hours=2))])
    assert set(projects_in_partition(partition_name(day_a))) == {
        tenant.project.pk,
        other_tenant.project.pk,
    }
    assert projects_in_partition(partition_name(day_b)) == [tenant.project.pk]

    retention_set(project=tenant.project, days=30)
    retention_apply_all(now=now)
    names = {part.name for part in partitions_list()}
    # Day A also holds a project keeping its spans forever: it stays, and only the first
    # project's rows in it are deleted, one by one.
    assert partition_name(day_a) in names
    assert partition_name(day_b) not in names
    assert span_ids(tenant.project) == [span_hex(3)]
    assert span_ids(other_tenant.project) == [span_hex(5)]
    trace = Trace.objects.get(project=tenant.project)
    assert (trace.trace_id, trace.span_count) == (trace_hex(2), 1)
    assert trace.start_time > now - timedelta(minutes=6)
    assert Trace.objects.get(project=other_tenant.project).trace_id == trace_hex(5)

    retention_set(project=other_tenant.project, days=30)
    dropped = partitions_drop_expired(now=now)
    assert [d.partition.name for d in dropped] == [partition_name(day_a)]
    assert dropped[0].projects == [other_tenant.project.pk]
    retention_apply_all(now=now)
    assert span_ids(other_tenant.project) == []
    # The trace whose spans all went with the partition is gone.
    assert not Trace.objects.filter(project=other_tenant.project).exists()


@postgres_only
# Committed spans, as in production: a partition cannot be dropped in the transaction that
# inserted into it (its deferred foreign key checks are still pending).
@pytest.mark.django_db(transaction=True)
def test_a_partition_holding_a_span_inside_the_cutoff_stays(tenant: Tenant) -> None:
    now = datetime.now(tz=UTC)
    cutoff = now - timedelta(days=30)
    partitions_ensure(today=cutoff.date(), days_ahead=0)
    store(
        tenant.project,
        [
            llm_span(1, 1, cutoff - timedelta(seconds=1)),
            llm_span(1, 2, cutoff + timedelta(seconds=1)),
        ],
    )
    retention_set(project=tenant.project, days=30)
    retention_apply_all(now=now)
    assert partition_name(cutoff.date()) in {part.name for part in partitions_list()}
    assert partition_name(cutoff.date() - timedelta(days=1)) not in {
        part.name for part in partitions_list()
    }
    assert span_ids(tenant.project) == [span_hex(2)]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the embedded default")
def test_scheduled_tasks_on_sqlite_apply_retention_and_make_no_partitions(tenant: Tenant) -> None:
    now = datetime.now(tz=UTC)
    store(
        tenant.project,
        [llm_span(1, 1, now - timedelta(days=40)), llm_span(2, 2, now - timedelta(days=1))],
    )
    retention_set(project=tenant.project, days=30)
    maintain_partitions()
    apply_retention()
    assert partitions_list() == []
    assert partitions_ensure() == []
    assert span_ids(tenant.project) == [span_hex(2)]
    assert list(Trace.objects.values_list("trace_id", flat=True)) == [trace_hex(2)]


def test_the_retention_task_lets_go_of_langsmith_runs_that_never_ended(tenant: Tenant) -> None:
    stale = PendingRun.objects.create(project=tenant.project, run_id=uuid.uuid4(), has_post=True)
    fresh = PendingRun.objects.create(project=tenant.project, run_id=uuid.uuid4(), has_post=True)
    PendingRun.objects.filter(pk=stale.pk).update(
        updated_at=datetime.now(tz=UTC) - PENDING_MAX_AGE - timedelta(minutes=1)
    )
    apply_retention()
    assert list(PendingRun.objects.values_list("pk", flat=True)) == [fresh.pk]
