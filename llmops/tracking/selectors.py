"""Reads of experiment tracking, always within one project, and their MLflow wire shapes."""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from django.db.models import Q, QuerySet

from llmops.domain_errors import Invalid, NotFound
from llmops.tenancy.models import Project
from llmops.tracking.domain import experiment_default
from llmops.tracking.models import (
    Experiment,
    LatestMetric,
    LifecycleStage,
    LoggedModel,
    Metric,
    Run,
)
from llmops.tracking.search import SearchError, like_regex, parse_filter

VIEW_TYPES = {
    "ACTIVE_ONLY": [LifecycleStage.ACTIVE],
    "DELETED_ONLY": [LifecycleStage.DELETED],
    "ALL": [LifecycleStage.ACTIVE, LifecycleStage.DELETED],
    "1": [LifecycleStage.ACTIVE],
    "2": [LifecycleStage.DELETED],
    "3": [LifecycleStage.ACTIVE, LifecycleStage.DELETED],
}


def stages(view_type: str) -> list[str]:
    found = VIEW_TYPES.get(view_type or "ACTIVE_ONLY")
    if found is None:
        raise Invalid(f"Invalid view_type {view_type!r}.")
    return [str(stage) for stage in found]


def _experiment_number(experiment_id: str) -> int:
    try:
        number = int(experiment_id)
    except (TypeError, ValueError):
        raise NotFound(f"No Experiment with id={experiment_id} exists") from None
    if number < 0:
        raise NotFound(f"No Experiment with id={experiment_id} exists")
    return number


def experiment_get(*, project: Project, experiment_id: str) -> Experiment:
    number = _experiment_number(experiment_id)
    if number == 0:
        return experiment_default(project=project)
    found = Experiment.objects.filter(project=project, number=number).first()
    if found is None:
        raise NotFound(f"No Experiment with id={experiment_id} exists")
    return found


def experiment_by_name(*, project: Project, name: str) -> Experiment:
    if name == "Default":
        experiment_default(project=project)
    found = Experiment.objects.filter(project=project, name=name).first()
    if found is None:
        raise NotFound(f"Could not find experiment with name '{name}'")
    return found


def experiments_for_ids(*, project: Project, experiment_ids: list[str]) -> list[Experiment]:
    return [experiment_get(project=project, experiment_id=eid) for eid in experiment_ids]


def run_get(*, project: Project, run_id: str) -> Run:
    found = (
        Run.objects.select_related("experiment", "project")
        .filter(project=project, run_id=run_id)
        .first()
        if run_id
        else None
    )
    if found is None:
        raise NotFound(f"Run with id={run_id} not found")
    return found


def run_exists(*, project: Project, run_id: str) -> bool:
    """Whether ``run_id`` names a run of ``project``; another project's run is not one."""
    return bool(run_id) and Run.objects.filter(project=project, run_id=run_id).exists()


def logged_model_source_run(*, project: Project, model_id: str) -> str | None:
    """The source run id ("" when none) of a logged model of ``project``; None when the
    project has no such model (another project's model included)."""
    return (
        LoggedModel.objects.filter(project=project, model_id=model_id)
        .values_list("source_run_id", flat=True)
        .first()
    )


def logged_model_artifact_uri(*, project: Project, model_id: str) -> str | None:
    """Where a logged model of ``project`` keeps its files; None when it has no such model."""
    return (
        LoggedModel.objects.filter(project=project, model_id=model_id)
        .values_list("artifact_uri", flat=True)
        .first()
    )


def run_artifact_uri(*, project: Project, run_id: str) -> str | None:
    """Where a run of ``project`` keeps its files; None when it has no such run."""
    return (
        Run.objects.filter(project=project, run_id=run_id)
        .values_list("artifact_uri", flat=True)
        .first()
    )


def run_latest_metrics(*, project: Project, run_id: str) -> dict[str, float] | None:
    """The latest value of each metric of a run of ``project`` (NaN and infinities as floats),
    or None when it has no such run."""
    run = Run.objects.filter(project=project, run_id=run_id).first() if run_id else None
    if run is None:
        return None
    found: dict[str, float] = {}
    for key, value, special in LatestMetric.objects.filter(run=run).values_list(
        "key", "value", "special"
    ):
        if special:
            try:
                found[key] = float(special)
            except ValueError:
                found[key] = math.nan
        elif value is not None:
            found[key] = float(value)
    return found


def logged_model_get(
    *, project: Project, model_id: str, allow_deleted: bool = False
) -> LoggedModel:
    found = (
        LoggedModel.objects.select_related("experiment")
        .filter(project=project, model_id=model_id)
        .first()
    )
    if found is None or (not allow_deleted and found.lifecycle_stage != LifecycleStage.ACTIVE):
        raise NotFound(f"Logged model with ID '{model_id}' not found.")
    return found


# Paging: an opaque token holding the offset of the next page.


def page_offset(token: str) -> int:
    if not token:
        return 0
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
        offset = int(payload["offset"])
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid("Invalid page_token.") from None
    if offset < 0:
        raise Invalid("Invalid page_token.")
    return offset


def page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def paged(query: QuerySet[Any], *, max_results: int, token: str) -> tuple[list[Any], str]:
    offset = page_offset(token)
    rows = list(query[offset : offset + max_results + 1])
    following = page_token(offset + max_results) if len(rows) > max_results else ""
    return rows[:max_results], following


# Wire shapes.


def _pairs(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in values.items()]


def experiment_json(experiment: Experiment) -> dict[str, Any]:
    return {
        "experiment_id": str(experiment.number),
        "name": experiment.name,
        "artifact_location": experiment.artifact_location,
        "lifecycle_stage": experiment.lifecycle_stage,
        "creation_time": experiment.creation_time,
        "last_update_time": experiment.last_update_time,
        "tags": _pairs(experiment.tags),
    }


def metric_value(value: float | None, special: str) -> float | str:
    return special if special else (value if value is not None else "NaN")


def metric_json(metric: Metric | LatestMetric) -> dict[str, Any]:
    return {
        "key": metric.key,
        "value": metric_value(metric.value, metric.special),
        "timestamp": metric.timestamp,
        "step": metric.step,
    }


def run_info_json(run: Run) -> dict[str, Any]:
    info: dict[str, Any] = {
        "run_id": run.run_id,
        "run_uuid": run.run_id,
        "run_name": run.name,
        "experiment_id": str(run.experiment.number),
        "user_id": run.user_id,
        "status": run.status,
        "start_time": run.start_time,
        "artifact_uri": run.artifact_uri,
        "lifecycle_stage": run.lifecycle_stage,
    }
    if run.end_time is not None:
        info["end_time"] = run.end_time
    return info


RUN_RELATIONS = ("latest_metrics", "params", "tags", "dataset_inputs", "model_outputs")


def _by_key(row: Any) -> str:
    return str(row.key)


def _by_pk(row: Any) -> int:
    return int(row.pk)


def run_json(run: Run) -> dict[str, Any]:
    """The run with its data; prefetch ``RUN_RELATIONS`` when serialising many."""
    return {
        "info": run_info_json(run),
        "data": {
            "metrics": [metric_json(m) for m in sorted(run.latest_metrics.all(), key=_by_key)],
            "params": [
                {"key": p.key, "value": p.value} for p in sorted(run.params.all(), key=_by_key)
            ],
            "tags": [{"key": t.key, "value": t.value} for t in sorted(run.tags.all(), key=_by_key)],
        },
        "inputs": {
            "dataset_inputs": [
                {
                    "tags": _pairs(dataset.tags),
                    "dataset": {
                        "name": dataset.name,
                        "digest": dataset.digest,
                        "source_type": dataset.source_type,
                        "source": dataset.source,
                        "schema": dataset.schema,
                        "profile": dataset.profile,
                    },
                }
                for dataset in sorted(run.dataset_inputs.all(), key=_by_pk)
            ],
            "model_inputs": [],
        },
        "outputs": {
            "model_outputs": [
                {"model_id": output.model_id, "step": output.step}
                for output in sorted(run.model_outputs.all(), key=_by_pk)
            ]
        },
    }


def logged_model_json(model: LoggedModel) -> dict[str, Any]:
    return {
        "info": {
            "model_id": model.model_id,
            "experiment_id": str(model.experiment.number),
            "name": model.name,
            "creation_timestamp_ms": model.creation_timestamp_ms,
            "last_updated_timestamp_ms": model.last_updated_timestamp_ms,
            "artifact_uri": model.artifact_uri,
            "status": model.status,
            "status_message": model.status_message,
            "model_type": model.model_type,
            "source_run_id": model.source_run_id,
            "tags": _pairs(model.tags),
            "registrations": [],
        },
        "data": {"params": _pairs(model.params), "metrics": []},
    }


def experiment_search(
    *, project: Project, view_type: str, filter_text: str
) -> QuerySet[Experiment]:
    experiment_default(project=project)
    query = Experiment.objects.filter(project=project, lifecycle_stage__in=stages(view_type))
    text = (filter_text or "").strip()
    if text:
        query = query.filter(_experiment_filter(text))
    return query.order_by("-last_update_time", "-number")


def _experiment_filter(text: str) -> Q:
    """Experiments: ``name = 'x'`` / ``name LIKE 'x%'`` / ``tags.k = 'v'`` clauses joined by AND."""
    condition = Q()
    try:
        clauses = parse_filter(text, validate=False)
    except SearchError as error:
        raise Invalid(str(error)) from None
    for clause in clauses:
        if clause.entity == "attributes" and clause.key == "name":
            field = "name"
        elif clause.entity == "tags":
            field = f"tags__{clause.key}"
        else:
            raise Invalid(f"Unsupported experiment filter on {clause.entity}.{clause.key}.")
        value = clause.value
        if clause.op == "=":
            condition &= Q(**{field: value})
        elif clause.op == "!=":
            condition &= ~Q(**{field: value})
        elif clause.op in ("LIKE", "ILIKE"):
            lookup = "regex" if clause.op == "LIKE" else "iregex"
            condition &= Q(**{f"{field}__{lookup}": like_regex(value)})
        else:
            raise Invalid(f"Unsupported comparator {clause.op} in experiment filter.")
    return condition


_MODEL_STRING_FIELDS = {
    "name": "name",
    "model_id": "model_id",
    "source_run_id": "source_run_id",
    "status": "status",
    "model_type": "model_type",
}
_MODEL_NUMBER_FIELDS = {
    "creation_timestamp": "creation_timestamp_ms",
    "creation_time": "creation_timestamp_ms",
    "last_updated_timestamp": "last_updated_timestamp_ms",
}


def logged_model_filter(text: str) -> Q:
    """Logged models: attribute, ``tags.`` and ``params.`` clauses joined by AND."""
    try:
        clauses = parse_filter(text, validate=False)
    except SearchError as error:
        raise Invalid(str(error)) from None
    condition = Q()
    for clause in clauses:
        if clause.entity == "attributes" and clause.key in _MODEL_NUMBER_FIELDS:
            field = _MODEL_NUMBER_FIELDS[clause.key]
            if not isinstance(clause.value, float) or clause.op in ("LIKE", "ILIKE", "IN"):
                raise Invalid(f"Expected a numeric comparison for {clause.key}.")
            lookups = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
            if clause.op in lookups:
                condition &= Q(**{f"{field}__{lookups[clause.op]}": clause.value})
            elif clause.op == "=":
                condition &= Q(**{field: clause.value})
            else:
                condition &= ~Q(**{field: clause.value})
            continue
        if clause.entity == "attributes" and clause.key in _MODEL_STRING_FIELDS:
            field = _MODEL_STRING_FIELDS[clause.key]
        elif clause.entity in ("tags", "params"):
            field = f"{clause.entity}__{clause.key}"
        else:
            raise Invalid(f"Unsupported logged model filter on {clause.entity}.{clause.key}.")
        value = clause.value
        if isinstance(value, float):
            raise Invalid(f"Expected a quoted string for {clause.key}.")
        if clause.op == "=":
            condition &= Q(**{field: value})
        elif clause.op == "!=":
            condition &= ~Q(**{field: value})
        elif clause.op in ("LIKE", "ILIKE"):
            lookup = "regex" if clause.op == "LIKE" else "iregex"
            condition &= Q(**{f"{field}__{lookup}": like_regex(value)})
        elif clause.op == "IN":
            condition &= Q(**{f"{field}__in": value})
        elif clause.op == "NOT IN":
            condition &= ~Q(**{f"{field}__in": value})
        else:
            raise Invalid(f"Unsupported comparator {clause.op} in logged model filter.")
    return condition
