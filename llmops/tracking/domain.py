"""Writes to experiment tracking. Each function owns its transaction and raises domain errors
(``llmops.domain_errors``), in MLflow's words; the MLflow views translate them to its codes."""

from __future__ import annotations

import json
import math
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max

from llmops.domain_errors import Conflict, Invalid, NotFound
from llmops.lineage.domain import NodeRef, lineage_link, node_record
from llmops.lineage.models import EdgeKind, NodeKind
from llmops.tenancy.models import Project
from llmops.tracking.models import (
    Experiment,
    LatestMetric,
    LifecycleStage,
    LoggedModel,
    LoggedModelStatus,
    Metric,
    Param,
    Run,
    RunInput,
    RunOutput,
    RunStatus,
    RunTag,
)

DEFAULT_EXPERIMENT_NAME = "Default"
RUN_NAME_TAG = "mlflow.runName"
MAX_PARAM_LENGTH = 6000
_ADJECTIVES = ("amber", "bold", "brave", "calm", "clever", "eager", "gentle", "lucky", "quiet")
_NOUNS = ("badger", "comet", "falcon", "harbor", "lynx", "meadow", "otter", "river", "sparrow")


def now_ms() -> int:
    return int(time.time() * 1000)


def experiment_artifact_location(number: int) -> str:
    return f"mlflow-artifacts:/{number}"


def _random_run_name() -> str:
    return f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-{secrets.randbelow(1000)}"


def experiment_default(*, project: Project) -> Experiment:
    """The project's "Default" experiment (id "0"), created on first need."""
    found = Experiment.objects.filter(project=project, number=0).first()
    if found is not None:
        return found
    moment = now_ms()
    try:
        with transaction.atomic():
            return Experiment.objects.create(
                project=project,
                number=0,
                name=DEFAULT_EXPERIMENT_NAME,
                artifact_location=experiment_artifact_location(0),
                creation_time=moment,
                last_update_time=moment,
            )
    except IntegrityError:
        return Experiment.objects.get(project=project, number=0)


def experiment_create(*, project: Project, name: str, tags: Mapping[str, str]) -> Experiment:
    experiment_default(project=project)
    for _ in range(5):
        if Experiment.objects.filter(project=project, name=name).exists():
            raise Conflict(f"Experiment(name={name}) already exists.")
        moment = now_ms()
        try:
            with transaction.atomic():
                number = (
                    Experiment.objects.filter(project=project).aggregate(top=Max("number"))["top"]
                    or 0
                ) + 1
                return Experiment.objects.create(
                    project=project,
                    number=number,
                    name=name,
                    artifact_location=experiment_artifact_location(number),
                    creation_time=moment,
                    last_update_time=moment,
                    tags=dict(tags),
                )
        except IntegrityError:
            continue
    raise Conflict(f"Experiment(name={name}) could not be created.")


def experiment_rename(*, experiment: Experiment, new_name: str) -> None:
    if experiment.lifecycle_stage != LifecycleStage.ACTIVE:
        raise Invalid("Cannot rename a non-active experiment.")
    clash = Experiment.objects.filter(project_id=experiment.project_id, name=new_name).exclude(
        pk=experiment.pk
    )
    if clash.exists():
        raise Conflict(f"Experiment(name={new_name}) already exists.")
    experiment.name = new_name
    experiment.last_update_time = now_ms()
    experiment.save(update_fields=["name", "last_update_time"])


def experiment_set_stage(*, experiment: Experiment, stage: str) -> None:
    if stage == LifecycleStage.DELETED and experiment.number == 0:
        raise Invalid("The default experiment cannot be deleted.")
    with transaction.atomic():
        experiment.lifecycle_stage = stage
        experiment.last_update_time = now_ms()
        experiment.save(update_fields=["lifecycle_stage", "last_update_time"])
        Run.objects.filter(experiment=experiment).update(lifecycle_stage=stage)


def experiment_tag_set(*, experiment: Experiment, key: str, value: str | None) -> None:
    with transaction.atomic():
        locked = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if value is None:
            locked.tags.pop(key, None)
        else:
            locked.tags[key] = value
        locked.last_update_time = now_ms()
        locked.save(update_fields=["tags", "last_update_time"])


def _run_node(run: Run) -> NodeRef:
    return NodeRef(NodeKind.EXPERIMENT_RUN, run.run_id, run.name)


def run_create(
    *,
    experiment: Experiment,
    user_id: str,
    run_name: str,
    start_time: int | None,
    tags: Mapping[str, str],
) -> Run:
    if experiment.lifecycle_stage != LifecycleStage.ACTIVE:
        raise Invalid(
            f"The experiment {experiment.number} must be in the 'active' state to create runs."
        )
    name = run_name or tags.get(RUN_NAME_TAG) or _random_run_name()
    run_id = uuid.uuid4().hex
    with transaction.atomic():
        run = Run.objects.create(
            project_id=experiment.project_id,
            experiment=experiment,
            run_id=run_id,
            name=name,
            user_id=user_id,
            status=RunStatus.RUNNING,
            start_time=start_time if start_time is not None else now_ms(),
            artifact_uri=f"{experiment.artifact_location}/{run_id}/artifacts",
        )
        RunTag.objects.bulk_create(
            [RunTag(run=run, key=k, value=v) for k, v in {**tags, RUN_NAME_TAG: name}.items()]
        )
        node_record(
            project=experiment.project, kind=NodeKind.EXPERIMENT_RUN, ref=run_id, label=name
        )
    return run


def _check_active(run: Run) -> None:
    if run.lifecycle_stage != LifecycleStage.ACTIVE:
        raise Invalid(
            f"The run {run.run_id} must be in the 'active' state. "
            f"Current state is {run.lifecycle_stage}."
        )


def run_update(*, run: Run, status: str | None, end_time: int | None, run_name: str) -> Run:
    _check_active(run)
    if status is not None and status not in RunStatus.values:
        raise Invalid(f"Invalid run status {status!r}.")
    with transaction.atomic():
        if status is not None:
            run.status = status
        if end_time is not None:
            run.end_time = end_time
        if run_name:
            run.name = run_name
            RunTag.objects.update_or_create(run=run, key=RUN_NAME_TAG, defaults={"value": run_name})
            node_record(
                project=run.project, kind=NodeKind.EXPERIMENT_RUN, ref=run.run_id, label=run_name
            )
        run.save(update_fields=["status", "end_time", "name"])
    return run


def run_set_stage(*, run: Run, stage: str) -> None:
    run.lifecycle_stage = stage
    run.save(update_fields=["lifecycle_stage"])


def _tags_write(run: Run, tags: Mapping[str, str]) -> None:
    for key, value in tags.items():
        RunTag.objects.update_or_create(run=run, key=key, defaults={"value": value})
        if key == RUN_NAME_TAG and value and value != run.name:
            run.name = value
            run.save(update_fields=["name"])
            node_record(
                project=run.project, kind=NodeKind.EXPERIMENT_RUN, ref=run.run_id, label=value
            )


def run_tag_set(*, run: Run, key: str, value: str) -> None:
    _check_active(run)
    with transaction.atomic():
        _tags_write(run, {key: value})


def run_tag_delete(*, run: Run, key: str) -> None:
    _check_active(run)
    deleted, _ = RunTag.objects.filter(run=run, key=key).delete()
    if not deleted:
        raise NotFound(f"No tag with name: {key} in run with id {run.run_id}")


@dataclass(frozen=True)
class MetricInput:
    key: str
    value: float
    timestamp: int
    step: int


def _stored(value: float) -> tuple[float | None, str]:
    if math.isnan(value):
        return None, "NaN"
    if math.isinf(value):
        return None, "Infinity" if value > 0 else "-Infinity"
    return value, ""


def _params_write(run: Run, params: Mapping[str, str]) -> None:
    existing = dict(Param.objects.filter(run=run, key__in=list(params)).values_list("key", "value"))
    for key, value in params.items():
        if len(value) > MAX_PARAM_LENGTH:
            raise Invalid(f"Param value for '{key}' exceeds {MAX_PARAM_LENGTH} characters.")
        if key in existing and existing[key] != value:
            raise Invalid(
                f"Changing param values is not allowed. Param with key='{key}' was already "
                f"logged with value='{existing[key]}' for run ID='{run.run_id}'. "
                f"Attempted logging new value '{value}'.",
            )
    try:
        with transaction.atomic():
            Param.objects.bulk_create(
                [Param(run=run, key=k, value=v) for k, v in params.items() if k not in existing]
            )
    except IntegrityError:
        # A concurrent writer logged one of these keys: re-check against what it wrote.
        _params_write(run, params)


def _metrics_write(run: Run, metrics: Sequence[MetricInput]) -> None:
    rows = []
    for metric in metrics:
        value, special = _stored(metric.value)
        rows.append(
            Metric(
                run=run,
                key=metric.key,
                value=value,
                special=special,
                timestamp=metric.timestamp,
                step=metric.step,
            )
        )
    Metric.objects.bulk_create(rows)
    for row in rows:
        latest = LatestMetric.objects.select_for_update().filter(run=run, key=row.key).first()
        if latest is None:
            try:
                with transaction.atomic():
                    LatestMetric.objects.create(
                        run=run,
                        key=row.key,
                        value=row.value,
                        special=row.special,
                        timestamp=row.timestamp,
                        step=row.step,
                    )
                continue
            except IntegrityError:
                # A concurrent writer created it first: compare with its value instead.
                latest = LatestMetric.objects.select_for_update().get(run=run, key=row.key)
        if (row.step, row.timestamp) >= (latest.step, latest.timestamp):
            latest.value, latest.special = row.value, row.special
            latest.timestamp, latest.step = row.timestamp, row.step
            latest.save(update_fields=["value", "special", "timestamp", "step"])


def run_log(
    *,
    run: Run,
    metrics: Sequence[MetricInput] = (),
    params: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
) -> None:
    """log-metric, log-parameter and log-batch: all or nothing."""
    _check_active(run)
    with transaction.atomic():
        if params:
            _params_write(run, params)
        if metrics:
            _metrics_write(run, metrics)
        if tags:
            _tags_write(run, tags)


@dataclass(frozen=True)
class DatasetInput:
    name: str
    digest: str
    source_type: str = ""
    source: str = ""
    schema: str = ""
    profile: str = ""
    tags: Mapping[str, str] | None = None


def run_log_inputs(*, run: Run, datasets: Sequence[DatasetInput]) -> None:
    _check_active(run)
    with transaction.atomic():
        for dataset in datasets:
            RunInput.objects.update_or_create(
                run=run,
                name=dataset.name,
                digest=dataset.digest,
                defaults={
                    "source_type": dataset.source_type,
                    "source": dataset.source,
                    "schema": dataset.schema,
                    "profile": dataset.profile,
                    "tags": dict(dataset.tags or {}),
                },
            )
            label = f"{dataset.name}@{dataset.digest}"
            lineage_link(
                project=run.project,
                upstream=NodeRef(NodeKind.DATASET_VERSION, f"mlflow:{label}"[:200], label),
                downstream=_run_node(run),
                kind=EdgeKind.USED,
            )


def run_log_outputs(*, run: Run, models: Sequence[tuple[str, int]]) -> None:
    _check_active(run)
    with transaction.atomic():
        for model_id, step in models:
            if not LoggedModel.objects.filter(
                project_id=run.project_id, model_id=model_id
            ).exists():
                raise NotFound(f"Logged model {model_id} not found.")
            RunOutput.objects.update_or_create(run=run, model_id=model_id, defaults={"step": step})


def run_log_model(*, run: Run, model_json: str) -> None:
    """runs/log-model: appended to the run's ``mlflow.log-model.history`` tag, as MLflow does."""
    _check_active(run)
    try:
        model = json.loads(model_json)
    except ValueError:
        raise Invalid("model_json must be JSON.") from None
    with transaction.atomic():
        tag = RunTag.objects.select_for_update().filter(run=run, key="mlflow.log-model.history")
        current = tag.first()
        history = []
        if current is not None:
            try:
                history = json.loads(current.value)
            except ValueError:
                history = []
        history.append(model)
        RunTag.objects.update_or_create(
            run=run, key="mlflow.log-model.history", defaults={"value": json.dumps(history)}
        )


def logged_model_create(
    *,
    experiment: Experiment,
    name: str,
    model_type: str,
    source_run: Run | None,
    tags: Mapping[str, str],
    params: Mapping[str, str],
) -> LoggedModel:
    if experiment.lifecycle_stage != LifecycleStage.ACTIVE:
        raise Invalid(f"The experiment {experiment.number} must be in the 'active' state.")
    model_id = f"m-{uuid.uuid4().hex}"
    moment = now_ms()
    return LoggedModel.objects.create(
        project_id=experiment.project_id,
        experiment=experiment,
        model_id=model_id,
        name=name or _random_run_name(),
        artifact_uri=f"{experiment.artifact_location}/models/{model_id}/artifacts",
        model_type=model_type,
        source_run_id=source_run.run_id if source_run else "",
        creation_timestamp_ms=moment,
        last_updated_timestamp_ms=moment,
        tags=dict(tags),
        params=dict(params),
    )


def logged_model_finalize(*, model: LoggedModel, status: str) -> LoggedModel:
    if status not in (LoggedModelStatus.READY, LoggedModelStatus.UPLOAD_FAILED):
        raise Invalid(f"Invalid status {status!r}: use LOGGED_MODEL_READY or _UPLOAD_FAILED.")
    model.status = status
    model.last_updated_timestamp_ms = now_ms()
    model.save(update_fields=["status", "last_updated_timestamp_ms"])
    return model


def logged_model_update(
    *,
    model: LoggedModel,
    set_tags: Mapping[str, str] | None = None,
    delete_tag: str | None = None,
    params: Mapping[str, str] | None = None,
) -> None:
    with transaction.atomic():
        locked = LoggedModel.objects.select_for_update().get(pk=model.pk)
        locked.tags.update(set_tags or {})
        if delete_tag is not None:
            locked.tags.pop(delete_tag, None)
        locked.params.update(params or {})
        locked.last_updated_timestamp_ms = now_ms()
        locked.save(update_fields=["tags", "params", "last_updated_timestamp_ms"])


def logged_model_delete(*, model: LoggedModel) -> None:
    model.lifecycle_stage = LifecycleStage.DELETED
    model.save(update_fields=["lifecycle_stage"])
