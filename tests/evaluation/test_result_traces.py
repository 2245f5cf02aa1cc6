"""An evaluated item's trace is stored no later than the result that names it.

The lane is worked in this process (as the Celery task would) so a failure can be injected
between the trace and the result; the last test kills a real worker mid-run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import QuerySet

from llmops.evaluation import domain, tracing_export
from llmops.evaluation.models import Run, RunLane, RunResult, RunStatus
from llmops.tracing.models import Span, Trace
from tests.conftest import wait_for
from tests.evaluation.conftest import Setup, Workers, ok, wait_run

TOTAL = 12


class WorkerDied(BaseException):
    """Stands in for SIGKILL: nothing after it runs, no ``except Exception`` catches it."""


def _start(setup: Setup, concurrency: int = 4) -> Run:
    """A running run of ``TOTAL`` items whose target and judge call the local model; its lanes
    are left for the test to work (nothing is sent to a worker inside the test transaction)."""
    setup.dataset(questions=[f"question {i}" for i in range(TOTAL)])
    setup.connection(concurrency=concurrency)
    setup.prompt("support/answer", "{{question}}", ["production"])
    setup.prompt("judges/correct", "<output>{{output}}</output><expected>{{expected}}</expected>")
    setup.suite()
    started = ok(setup.client.post("/api/v1/runs", {"suite": "faq-gate"}, format="json"), 202)
    Run.objects.filter(pk=started["id"]).update(status=RunStatus.RUNNING)
    return Run.objects.get(pk=started["id"])


def _work_all_lanes(run: Run) -> None:
    for lane in RunLane.objects.filter(run=run).order_by("lane"):
        domain.run_lane(run_id=run.pk, lane=lane.lane, token=lane.token)


def _dangling(run: Run) -> list[str]:
    """Trace ids named by results of ``run`` that are not stored."""
    named = set(RunResult.objects.filter(run=run).exclude(trace_id="").values_list("trace_id"))
    stored = set(Trace.objects.filter(project=run.project).values_list("trace_id"))
    return sorted(t for (t,) in named - stored)


def _spy_result_writes(
    monkeypatch: pytest.MonkeyPatch, before_write: Callable[[list[RunResult]], None]
) -> None:
    original = RunResult.objects.bulk_create

    def bulk_create(objs: list[RunResult], *args: Any, **kwargs: Any) -> list[RunResult]:
        before_write(list(objs))
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(RunResult.objects, "bulk_create", bulk_create)


def test_each_result_is_written_after_the_trace_it_names(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _start(setup)
    writes: list[int] = []

    def traces_are_there(rows: list[RunResult]) -> None:
        # Seen from the writing transaction, as the commit will make them seen by everyone.
        named = {row.trace_id for row in rows}
        assert "" not in named
        assert Trace.objects.filter(project=run.project, trace_id__in=named).count() == len(named)
        # The whole trace: the item's span and its target and judge calls.
        assert Span.objects.filter(project=run.project, trace_id__in=named).count() == 3 * len(
            named
        )
        writes.append(len(rows))

    _spy_result_writes(monkeypatch, traces_are_there)
    _work_all_lanes(run)

    run.refresh_from_db()
    assert run.status == RunStatus.PASSED, run.error
    assert sum(writes) == TOTAL
    results = RunResult.objects.filter(run=run)
    assert results.count() == TOTAL
    assert len(set(results.values_list("trace_id", flat=True))) == TOTAL
    assert _dangling(run) == []
    assert Span.objects.filter(project=run.project, model_requested="local-judge").count() == TOTAL


def test_a_trace_that_cannot_be_stored_leaves_its_result_naming_no_trace(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _start(setup)

    def refuse(**kwargs: Any) -> None:
        raise RuntimeError("the span table is unavailable")

    monkeypatch.setattr(tracing_export, "spans_ingest", refuse)
    _work_all_lanes(run)

    run.refresh_from_db()
    assert run.status == RunStatus.PASSED, run.error  # tracing never fails the evaluation
    results = RunResult.objects.filter(run=run)
    assert results.count() == TOTAL
    assert set(results.values_list("trace_id", flat=True)) == {""}
    assert not Trace.objects.filter(project=run.project).exists()


def test_a_worker_dying_between_trace_and_result_leaves_no_result_naming_a_missing_trace(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One call at a time, slowly: the lane writes its results in several flushes (one a second).
    setup.llm.delay_ms = 200
    run = _start(setup, concurrency=1)
    writes = 0

    def die_on_the_second_write(rows: list[RunResult]) -> None:
        nonlocal writes
        writes += 1
        if writes == 2:
            raise WorkerDied  # the spans of these rows are written; the rows never will be

    _spy_result_writes(monkeypatch, die_on_the_second_write)
    lane = RunLane.objects.get(run=run, lane=0)
    with pytest.raises(WorkerDied):
        domain.run_lane(run_id=run.pk, lane=0, token=lane.token)

    written = RunResult.objects.filter(run=run)
    assert 0 < written.count() < TOTAL
    assert _dangling(run) == []

    # The watchdog hands the lanes to new tasks; they finish the run, still with no dangling
    # trace and no item twice.
    monkeypatch.undo()
    for row in RunLane.objects.filter(run=run):
        RunLane.objects.filter(pk=row.pk).update(token=uuid.uuid4())
    _work_all_lanes(run)
    run.refresh_from_db()
    assert run.status == RunStatus.PASSED, run.error
    assert written.count() == TOTAL
    assert written.values("item_id").distinct().count() == TOTAL
    assert "" not in set(written.values_list("trace_id", flat=True))
    assert _dangling(run) == []


def _results_without_trace(results: QuerySet[RunResult], run: Run) -> int:
    stored = Trace.objects.filter(project=run.project).values("trace_id")
    return results.exclude(trace_id="").exclude(trace_id__in=stored).count()


@pytest.mark.worker
def test_a_killed_worker_leaves_no_result_naming_a_missing_trace(
    setup: Setup, workers: Workers
) -> None:
    setup.llm.delay_ms = 50
    total = 60
    setup.dataset(questions=[f"question {i}" for i in range(total)])
    setup.connection(concurrency=4)
    setup.prompt("support/answer", "{{question}}", ["production"])
    setup.prompt("judges/correct", "<output>{{output}}</output><expected>{{expected}}</expected>")
    setup.suite()
    first = workers.start(LLMOPS_EVAL_STALL_SECONDS="3")
    started = ok(setup.client.post("/api/v1/runs", {"suite": "faq-gate"}, format="json"), 202)
    results = RunResult.objects.filter(run_id=started["id"])
    assert wait_for(lambda: results.count() >= 10, 60)
    workers.kill(first)
    run = Run.objects.get(pk=started["id"])
    assert results.count() < total
    assert _results_without_trace(results, run) == 0

    workers.start(LLMOPS_EVAL_STALL_SECONDS="3")
    run = wait_run(started["id"], 120)
    assert run.status == RunStatus.PASSED, run.error
    assert results.count() == total
    assert results.filter(trace_id="").count() == 0
    assert _results_without_trace(results, run) == 0
