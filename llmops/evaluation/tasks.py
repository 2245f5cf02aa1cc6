"""Celery tasks of evaluation; each takes ids, calls one domain function and is idempotent
(acks late, so a killed worker's task runs again)."""

from __future__ import annotations

import uuid

# Imported here, before the worker forks its processes, so a run's first call does not pay
# for loading the client (about a second).
import openai  # noqa: F401
from django.conf import settings

from llmops.evaluation import domain
from llmops.tasking import platform_task
from llmops.tenancy.models import Project


@platform_task(domain.LANE_TASK, soft_time_limit=3600)
def run_lane(run_id: str, lane: int, token: str) -> None:
    domain.run_lane(run_id=uuid.UUID(run_id), lane=lane, token=uuid.UUID(token))


@platform_task("evaluation.resume_stalled")
def resume_stalled() -> int:
    return domain.resume_stalled(stall_seconds=settings.EVAL_STALL_SECONDS)


@platform_task(domain.SCHEDULE_TASK)
def run_schedule(schedule_id: int) -> str | None:
    run = domain.schedule_fire(schedule_id)
    return str(run.pk) if run else None


@platform_task(domain.ONLINE_TASK, soft_time_limit=900)
def online_evaluate(project_id: str, trace_ids: list[str]) -> int:
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return 0
    return domain.evaluate_traces(project=project, trace_ids=trace_ids)
