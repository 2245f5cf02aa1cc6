"""Experiments run by an external client (the Langfuse SDKs' experiment runner), recorded as
the platform's evaluation runs so they are listed and compared like the platform's own.

The client runs the task and its evaluators itself; the platform records what it reports:

- an item's run, from the item's root span (``traces_ingested`` carries it as an
  ``ExperimentItem``) and, from the 3.x SDKs, from ``POST /api/public/dataset-run-items`` too;
  both name the same experiment id and land on one result per dataset item;
- the evaluators' scores on the item's trace (``scores_recorded``), which become the result's
  verdicts: ``{score name: {"score", "passed", "label", "reason"}}``, ``passed`` set by boolean
  scores only;
- scores of the experiment as a whole (``experiment_score_sent``), kept on the experiment and
  shown in the run summary.

An experiment is one :class:`Run` (trigger ``experiment``) of an automatic suite per dataset
(``experiments: <dataset>``, target ``outputs``: the outputs come from the client, and no
evaluators of its own). The run is pinned to the dataset's newest version when it starts and
moves to a newer one if an item of that version arrives. Its status is ``passed`` from its first
result (it has no thresholds; ``errored`` while every item errored) and its summary is
recomputed from stored results after every change. Items of local data (no dataset) make no run.

LangSmith's ``evaluate()`` works alike: its session (``POST /sessions`` with
``reference_dataset_id``, llmops/evaluation/domain/langsmith.py) is the experiment, keyed by the
session id, and holds the dataset; its runs with ``reference_example_id`` arrive as items with
no dataset id, resolved through the session; its evaluators' feedback are scores on the runs.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone

from llmops.domain_errors import DomainError
from llmops.evaluation.domain.execution import run_summary, summary_as_json
from llmops.evaluation.errors import RunError
from llmops.evaluation.models import (
    Dataset,
    DatasetItem,
    Experiment,
    Run,
    RunResult,
    RunStatus,
    Suite,
    Trigger,
)
from llmops.evaluation.selectors import item_current
from llmops.scores.domain import ScoreInput, experiment_score_sent, scores_recorded
from llmops.scores.models import DataType, Score
from llmops.tenancy.models import Project
from llmops.tracing.experiments import ExperimentItem
from llmops.tracing.langsmith_runs import session_name_wanted
from llmops.tracing.signals import traces_ingested

log = logging.getLogger(__name__)

# Fixed forever: a 3.x client's run id is derived from (dataset, run name) with it.
RUN_ID_NAMESPACE = uuid.UUID("3d2b8a5e-7c41-4f0e-b1a2-5e9c6d7f8a90")
SUITE_PREFIX = "experiments: "
MAX_ID = 200


@dataclass(frozen=True)
class ItemRecord:
    """What a client reports of one dataset item's run in an experiment."""

    experiment_id: str
    name: str
    item: DatasetItem
    trace_id: str = ""
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    # The span path knows the output; the 3.x run-item call links the trace before the task ran.
    has_output: bool = False
    output: Any = None
    error: str = ""
    latency_ms: float | None = None


def run_id_for(dataset: Dataset, run_name: str) -> str:
    """The experiment id a 3.x client is given for a run name on a dataset (stable: every item
    of the run, and a retry, gets the same)."""
    return str(uuid.uuid5(RUN_ID_NAMESPACE, f"{dataset.pk}/{run_name}"))


def _suite_for(dataset: Dataset) -> Suite:
    # Two experiments starting on one dataset: the second waits and finds the first's suite.
    Dataset.objects.select_for_update().filter(pk=dataset.pk).first()
    names = (
        f"{SUITE_PREFIX}{dataset.name}"[:200],
        # A suite of the user's already has the first name: this dataset's own one.
        f"{SUITE_PREFIX}{dataset.name}"[:180] + f" (#{dataset.pk})",
    )
    for name in names:
        found = Suite.objects.filter(project=dataset.project, name=name).first()
        if found is not None:
            if found.dataset_id == dataset.pk:
                return found
            continue
        try:
            with transaction.atomic():
                return Suite.objects.create(
                    project=dataset.project,
                    name=name,
                    dataset=dataset,
                    target={"type": "outputs"},
                    evaluators=[],
                    thresholds=[],
                )
        except IntegrityError:  # a suite of this name was made meanwhile (by a user)
            found = Suite.objects.filter(project=dataset.project, name=name).first()
            if found is not None and found.dataset_id == dataset.pk:
                return found
    raise RunError("no suite name is free for this dataset's experiments", field="dataset")


def _locked_experiment(project: Project, experiment_id: str, name: str) -> Experiment:
    experiment, _ = Experiment.objects.get_or_create(
        project=project, external_id=experiment_id, defaults={"name": name[:200]}
    )
    # Items of one experiment arrive in parallel: one at a time from here on.
    return Experiment.objects.select_for_update().get(pk=experiment.pk)


def _run_for(experiment: Experiment, record: ItemRecord, author: str) -> Run:
    dataset = record.item.dataset
    if experiment.run_id is not None:
        run = Run.objects.select_related("suite").get(pk=experiment.run_id)
        if run.suite.dataset_id != dataset.pk:
            raise RunError("this experiment runs on another dataset", field="datasetItemId")
        if record.item.added_in > run.dataset_version:
            run.dataset_version = dataset.latest_version
            run.save(update_fields=["dataset_version"])
        return run
    now = timezone.now()
    run = Run.objects.create(
        project=experiment.project,
        suite=_suite_for(dataset),
        dataset_version=dataset.latest_version,
        config={
            "target": {"type": "outputs", "experiment_id": experiment.external_id},
            "evaluators": [],
            "thresholds": [],
            "evaluator_names": [],
            "experiment": {
                "id": experiment.external_id,
                "name": record.name,
                "description": record.description,
                "metadata": record.metadata,
            },
        },
        # Unique per experiment: such a run is never reused as evidence for another.
        fingerprint=hashlib.sha256(f"experiment:{experiment.external_id}".encode()).hexdigest(),
        status=RunStatus.RUNNING,
        trigger=Trigger.EXPERIMENT,
        lanes=0,
        created_by=author,
        started_at=now,
    )
    experiment.run = run
    if record.name and not experiment.name:
        experiment.name = record.name[:200]
    experiment.save(update_fields=["run", "name"])
    return run


def _verdict(score: Score) -> dict[str, Any]:
    if score.data_type == DataType.BOOLEAN:
        passed: bool | None = score.value == 1.0
        label: str | None = score.string_value
    elif score.data_type == DataType.CATEGORICAL:
        passed, label = None, score.string_value
    else:
        passed, label = None, None
    return {"score": score.value, "passed": passed, "label": label, "reason": score.comment}


def _verdicts(project: Project, trace_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per trace, its scores as verdicts by name (the latest score of a name wins)."""
    found: dict[str, dict[str, Any]] = defaultdict(dict)
    ids = [trace_id for trace_id in set(trace_ids) if trace_id]
    scores = Score.objects.filter(project=project, trace_id__in=ids).order_by("updated_at")
    for score in scores:
        found[score.trace_id][score.name] = _verdict(score)
    return found


def _refresh(run: Run, experiment: Experiment) -> None:
    """The run's evaluators, summary and status, recomputed from its stored results."""
    rows = list(RunResult.objects.filter(run=run).values_list("verdicts", "error"))
    names = sorted({name for verdicts, _ in rows for name in verdicts})
    run.config = {**run.config, "evaluator_names": names}
    errored = sum(1 for _, error in rows if error)
    run.total_items = len(rows)
    run.summary = {
        "items": len(rows),
        "errored_items": errored,
        "evaluators": summary_as_json(run_summary(run)),
        # The run list and comparison show the summary: the client's names for the run.
        "experiment": {"id": experiment.external_id, "name": experiment.name},
        "experiment_scores": experiment.scores,
    }
    all_errored = bool(rows) and errored == len(rows)
    run.status = RunStatus.ERRORED if all_errored else RunStatus.PASSED
    run.error = "every item errored; see the items' errors" if all_errored else ""
    run.finished_at = timezone.now()
    run.save(update_fields=["config", "total_items", "summary", "status", "error", "finished_at"])


def _store(run: Run, record: ItemRecord, verdicts: dict[str, Any]) -> RunResult:
    result = RunResult.objects.filter(run=run, item_key=record.item.key).first()
    if result is None:
        return RunResult.objects.create(
            run=run,
            item=record.item,
            item_key=record.item.key,
            output=record.output if record.has_output else None,
            verdicts=verdicts,
            error=record.error,
            latency_ms=record.latency_ms,
            trace_id=record.trace_id,
        )
    if record.trace_id:
        result.trace_id = record.trace_id
    if record.has_output:
        # The spans are the item's run as it happened: they decide output, error and latency.
        result.item = record.item
        result.output = record.output
        result.error = record.error
        result.latency_ms = record.latency_ms
    result.verdicts = verdicts
    result.save()
    return result


def experiment_items_record(
    *, project: Project, records: Sequence[ItemRecord], author: str = ""
) -> list[RunResult]:
    """Record items of experiments: one result per (experiment, dataset item), however often
    an item is reported; each touched run's summary is recomputed once."""
    by_experiment: dict[str, list[ItemRecord]] = defaultdict(list)
    for record in records:
        if not record.experiment_id or len(record.experiment_id) > MAX_ID:
            raise RunError(f"must be 1 to {MAX_ID} characters", field="experiment_id")
        by_experiment[record.experiment_id].append(record)
    stored: list[RunResult] = []
    with transaction.atomic():
        for experiment_id in sorted(by_experiment):
            group = by_experiment[experiment_id]
            experiment = _locked_experiment(project, experiment_id, group[0].name)
            verdicts = _verdicts(project, (record.trace_id for record in group))
            run: Run | None = None
            for record in group:
                run = _run_for(experiment, record, author)
                stored.append(_store(run, record, verdicts.get(record.trace_id, {})))
            if run is not None:
                _refresh(run, experiment)
    # A score committed while these results were written saw no result to judge, and may not
    # have been visible to them either: read the scores again now that the results are in.
    _verdicts_apply(project, [record.trace_id for record in records if record.trace_id])
    return stored


def run_item_link(
    *,
    project: Project,
    run_name: str,
    description: str,
    metadata: dict[str, Any],
    item_key: str,
    trace_id: str,
    author: str,
) -> tuple[Experiment, RunResult]:
    """The 3.x SDKs' dataset run item: links an item's trace to the run named ``run_name`` on
    the item's dataset (the run is made by the first item)."""
    item = item_current(project=project, key=item_key)
    record = ItemRecord(
        experiment_id=run_id_for(item.dataset, run_name),
        name=run_name,
        item=item,
        trace_id=trace_id,
        description=description,
        metadata=metadata,
    )
    (result,) = experiment_items_record(project=project, records=[record], author=author)
    experiment = Experiment.objects.get(project=project, external_id=record.experiment_id)
    return experiment, result


def _session_of(project: Project, item: ExperimentItem) -> Experiment | None:
    """The LangSmith session a run of ``evaluate()`` names: by its id (the run's session id)
    or, when the run named its project only, by its name."""
    sessions = Experiment.objects.filter(project=project, session_id__isnull=False)
    found = sessions.filter(external_id=item.experiment_id).first()
    if found is None and item.experiment_name:
        found = sessions.filter(name=item.experiment_name).first()
    if found is None:
        try:
            session_id = uuid.UUID(item.experiment_id)
        except ValueError:
            return None
        found = sessions.filter(session_id=session_id).first()
    return found


def _record_of(project: Project, item: ExperimentItem) -> ItemRecord | None:
    if not (item.item_id and item.experiment_id):
        return None  # local data: no dataset item to hold a result
    experiment_id = item.experiment_id
    if item.dataset_id == "":
        # LangSmith's runs name their session, not the dataset: the session knows it.
        session = _session_of(project, item)
        if session is None or session.dataset_id is None:
            return None  # a run of a plain tracing project, or of local data
        dataset: Dataset | None = session.dataset
        experiment_id = session.external_id
    elif item.dataset_id.isdigit():
        dataset = Dataset.objects.filter(project=project, pk=int(item.dataset_id)).first()
    else:
        return None
    if dataset is None:
        return None
    row = (
        DatasetItem.objects.select_related("dataset")
        .filter(dataset=dataset, key=item.item_id)
        .order_by("-added_in")
        .first()
    )
    if row is None:
        return None
    return ItemRecord(
        experiment_id=experiment_id,
        name=item.experiment_name,
        item=row,
        trace_id=item.trace_id,
        description=item.description,
        metadata=item.metadata,
        has_output=True,
        output=item.output,
        error=item.error,
        latency_ms=item.latency_ms,
    )


@receiver(traces_ingested)
def _on_ingest(
    sender: Any,
    *,
    project: Project,
    experiment_items: Sequence[ExperimentItem] = (),
    **kwargs: Any,
) -> None:
    if not experiment_items:
        return
    try:
        records = [r for r in (_record_of(project, item) for item in experiment_items) if r]
        if records:
            experiment_items_record(project=project, records=records)
    except DomainError as exc:
        # The spans are stored; an item that cannot be a result must not fail their ingest.
        log.warning("experiment items not recorded: %s", exc)
    except Exception:
        # Nor may a fault here: the client would resend spans that are already stored.
        log.exception("experiment items not recorded")


def _verdicts_apply(project: Project, trace_ids: Sequence[str]) -> None:
    """Set the verdicts of the experiment results on these traces from their stored scores
    (only those that changed), and recompute the summaries of their runs."""
    results = list(
        RunResult.objects.filter(
            run__experiment__project=project, trace_id__in=list(trace_ids)
        ).only("id", "run_id", "trace_id", "verdicts")
    )
    if not results:
        return
    verdicts = _verdicts(project, (result.trace_id for result in results))
    changed = [r for r in results if r.verdicts != verdicts.get(r.trace_id, {})]
    with transaction.atomic():
        for run_id in sorted({result.run_id for result in changed}):
            experiment = Experiment.objects.select_for_update().get(run_id=run_id)
            for result in changed:
                if result.run_id == run_id:
                    RunResult.objects.filter(pk=result.pk).update(
                        verdicts=verdicts.get(result.trace_id, {})
                    )
            _refresh(Run.objects.get(pk=run_id), experiment)


@receiver(session_name_wanted)
def _on_session_name(
    sender: Any, *, project: Project, session_id: uuid.UUID, **kwargs: Any
) -> str | None:
    """The name of a LangSmith session, for a run that names its project by id only."""
    return (
        Experiment.objects.filter(project=project, session_id=session_id)
        .values_list("name", flat=True)
        .first()
    )


@receiver(scores_recorded)
def _on_scores(sender: Any, *, project: Project, trace_ids: Sequence[str], **kwargs: Any) -> None:
    if not Experiment.objects.filter(project=project).exists():
        return
    try:
        _verdicts_apply(project, trace_ids)
    except Exception:
        # The scores are committed; a fault here must not answer their sender with an error.
        # Sending the score again (same id) recomputes the verdicts from stored scores.
        log.exception("experiment verdicts not updated")


@receiver(experiment_score_sent)
def _on_experiment_score(
    sender: Any, *, project: Project, experiment_id: str, score: ScoreInput, **kwargs: Any
) -> bool:
    if not experiment_id or len(experiment_id) > MAX_ID:
        raise RunError(f"must be 1 to {MAX_ID} characters", field="datasetRunId")
    value = score.value
    if score.data_type == DataType.CATEGORICAL:
        entry: dict[str, Any] = {"score": None, "label": value}
    elif score.data_type == DataType.BOOLEAN:
        flag = value in (True, 1, "true")
        entry = {"score": 1.0 if flag else 0.0, "label": "true" if flag else "false"}
    else:
        entry = {"score": float(value), "label": None}
    entry.update(reason=score.comment, id=str(score.id) if score.id else "")
    with transaction.atomic():
        experiment = _locked_experiment(project, experiment_id, "")
        experiment.scores = {**experiment.scores, score.name: entry}
        experiment.save(update_fields=["scores"])
        if experiment.run_id is not None:
            _refresh(Run.objects.get(pk=experiment.run_id), experiment)
    return True
