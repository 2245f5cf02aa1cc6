"""Scheduled runs: a suite on the version behind a label, on a cron expression or an interval.

Each schedule owns one django-celery-beat ``PeriodicTask`` (beat reads them from the database,
so schedules made through the API need no restart). A scheduled run that does not pass marks
the label as failing and sends an ``evaluation.run_failed`` webhook; a later passing run clears
the mark.
"""

from __future__ import annotations

import json

from celery.schedules import crontab
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from llmops.evaluation.domain.execution import run_start
from llmops.evaluation.domain.suites import version_behind
from llmops.evaluation.errors import EvaluationNotFound, ScheduleError
from llmops.evaluation.models import LabelHealth, Run, RunStatus, Schedule, Suite, Trigger
from llmops.tenancy.models import Project
from llmops.webhooks import domain as webhooks
from llmops.webhooks import events

SCHEDULE_TASK = "evaluation.run_schedule"
MIN_EVERY_SECONDS = 1


def _crontab(expression: str) -> CrontabSchedule:
    parts = expression.split()
    if len(parts) != 5:
        raise ScheduleError(
            "A cron expression has five fields: minute hour day-of-month month day-of-week.",
            field="cron",
        )
    minute, hour, day_of_month, month_of_year, day_of_week = parts
    try:
        crontab(minute, hour, day_of_week, day_of_month, month_of_year)
    except (ValueError, IndexError) as exc:
        raise ScheduleError(f"Not a valid cron expression: {exc}", field="cron") from None
    found, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
        timezone="UTC",
    )
    return found


def _task_name(schedule: Schedule) -> str:
    return f"llmops evaluation schedule {schedule.pk}"


def schedule_create(
    *, project: Project, suite_name: str, label: str, cron: str, every_seconds: int | None
) -> Schedule:
    suite = Suite.objects.filter(project=project, name=suite_name).first()
    if suite is None:
        raise ScheduleError(f"no suite named {suite_name!r}", field="suite")
    if suite.target.get("type") != "prompt":
        raise ScheduleError(
            "Only suites that run a prompt can be scheduled (outputs come from the client).",
            field="suite",
        )
    if bool(cron) == (every_seconds is not None):
        raise ScheduleError("Give exactly one of cron and every_seconds.", field="cron")
    if every_seconds is not None and every_seconds < MIN_EVERY_SECONDS:
        raise ScheduleError(f"Must be at least {MIN_EVERY_SECONDS}.", field="every_seconds")
    with transaction.atomic():
        schedule = Schedule.objects.create(
            project=project, suite=suite, label=label, cron=cron, every_seconds=every_seconds
        )
        periodic = PeriodicTask(
            name=_task_name(schedule),
            task=SCHEDULE_TASK,
            args=json.dumps([schedule.pk]),
            description=f"suite {suite.name} on {suite.target['prompt']}@{label}",
        )
        if cron:
            periodic.crontab = _crontab(cron)
        else:
            periodic.interval, _ = IntervalSchedule.objects.get_or_create(
                every=every_seconds, period=IntervalSchedule.SECONDS
            )
        periodic.save()
    return schedule


def schedule_delete(*, project: Project, schedule_id: int) -> None:
    """Remove a schedule and its beat entry."""
    schedule = Schedule.objects.filter(project=project, pk=schedule_id).first()
    if schedule is None:
        raise EvaluationNotFound("Schedule not found.", field="schedule")
    with transaction.atomic():
        PeriodicTask.objects.filter(name=_task_name(schedule)).delete()
        schedule.delete()


def schedule_fire(schedule_id: int) -> Run | None:
    """Start the schedule's run on the version now behind its label."""
    schedule = Schedule.objects.select_related("suite", "project").filter(pk=schedule_id).first()
    if schedule is None or not schedule.enabled:
        return None
    suite = schedule.suite
    version = version_behind(schedule.project, suite.target["prompt"], schedule.label)
    if version is None:
        return None
    # Still running from the last tick: do not pile runs up.
    if Run.objects.filter(
        schedule=schedule, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    ).exists():
        return None
    run = run_start(
        suite=suite,
        prompt_version=version,
        trigger=Trigger.SCHEDULE,
        created_by="schedule",
        schedule=schedule,
    )
    Schedule.objects.filter(pk=schedule.pk).update(last_run=run)
    return run


def schedule_record(run: Run) -> None:
    """A scheduled run ended: set the label's health and alert when it did not pass."""
    schedule = run.schedule
    if schedule is None or run.prompt_version is None:
        return
    failing = run.status != RunStatus.PASSED
    LabelHealth.objects.update_or_create(
        prompt=run.prompt_version.prompt,
        label=schedule.label,
        defaults={"failing": failing, "run": run},
    )
    if failing:
        webhooks.publish(
            project=run.project,
            event=events.EVALUATION_RUN_FAILED,
            payload=events.EvaluationRunFailed(
                run=str(run.pk),
                suite=run.suite.name,
                prompt=run.prompt_version.prompt.name,
                label=schedule.label,
                version=run.prompt_version.number,
                status=run.status,
                failed_thresholds=[t for t in run.threshold_results if not t["passed"]],
                error=run.error,
            ),
        )
