"""A run's end and what it sets off: the runs queued behind it as their baseline, the
promotions it decides, and its schedule's record and alert.

The entry points that can end a run (a lane's task finishing the last lane, a cancel) live
here, above ``execution``, ``decision`` and ``schedules``, so none of those imports another to
learn that a run ended.
"""

from __future__ import annotations

import uuid

from llmops.evaluation.domain import execution
from llmops.evaluation.domain.decision import promotion_decide
from llmops.evaluation.domain.schedules import schedule_record
from llmops.evaluation.errors import EvaluationRefused
from llmops.evaluation.models import Run
from llmops.evaluation.selectors import run_get
from llmops.tenancy.models import Project


def run_ended(run_id: uuid.UUID) -> None:
    """Everything a run's end sets off; called once, by whichever call ended the run."""
    run = Run.objects.select_related("suite", "project").get(pk=run_id)
    # A baseline that did not finish fails the runs waiting on it; those end here too.
    for dependent in execution.dependents_release(run):
        run_ended(dependent)
    for promotion in run.promotions.all():
        promotion_decide(promotion.pk)
    if run.schedule_id is not None:
        schedule_record(run)


def run_lane(*, run_id: uuid.UUID, lane: int, token: uuid.UUID) -> None:
    """Work one lane of a run (a Celery task's body); the last lane ends the run."""
    if execution.lane_work(run_id, lane, token):
        run_ended(run_id)


def run_cancel(*, project: Project, run_id: uuid.UUID) -> Run:
    """Cancel a queued or running run; 409 when it has already ended."""
    run = run_get(project=project, run_id=run_id)
    if not execution.run_mark_cancelled(run):
        raise EvaluationRefused(f"The run has already ended ({run.status}).", field="run")
    run_ended(run.pk)
    run.refresh_from_db()
    return run
