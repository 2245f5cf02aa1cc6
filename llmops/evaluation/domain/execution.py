"""Running a suite: start a run, work its lanes on Celery, finish it from stored results.

A run's items are split into ``lanes`` (item ``i`` belongs to lane ``i % lanes``); each lane is
one Celery task that keeps up to the provider's share of calls in flight, feeding its thread
pool one chunk of items at a time and writing each finished item as soon as a few are done.
Results are unique per (run, item) and written with ``ignore_conflicts``, so a lane that is run
again (a redelivered task, or one resumed after its worker was killed) skips finished items and
counts nothing twice. An item's trace (its target and judge calls) is stored in the transaction
that writes its result, so no result ever names a trace that is not stored. The summary and
the verdict on thresholds are computed from the stored results only, by whichever lane finishes
last; a conditional status update makes that happen once.

This module knows nothing of what a run's end sets off (baseline dependents aside): the
functions that end a run return whether they did, and ``run_end`` decides the promotions and
records the schedules that wait on it. So the arrows point one way: ``gate`` and ``schedules``
start runs here, ``decision`` reads their results, and nothing here imports any of them.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from llmops_evals.cases import Case, Evaluator, Verdict
from llmops_evals.judge import PairwiseJudge
from llmops_evals.runner import (
    EvaluatorSummary,
    Item,
    ItemResult,
    TargetOutput,
    check,
    evaluate_item,
    summarize,
    thresholds_from_spec,
)
from opentelemetry.trace import Tracer

from llmops.celery import app as celery_app
from llmops.domain_errors import Invalid, NotFound
from llmops.evaluation.domain.datasets import dataset_version_node
from llmops.evaluation.domain.suites import (
    Evidence,
    build_components,
    evidence_for,
    fingerprint,
    judge_prompt_versions,
    prompt_version_node,
    requested_version,
    version_behind,
)
from llmops.evaluation.errors import RunError, SuiteError
from llmops.evaluation.models import (
    FINISHED,
    DatasetItem,
    DatasetVersion,
    Run,
    RunLane,
    RunResult,
    RunStatus,
    Schedule,
    Suite,
    Trigger,
)
from llmops.evaluation.selectors import items_at
from llmops.evaluation.tracing_export import (
    SpanBuffer,
    buffered_tracer_provider,
    evaluation_spans_store,
)
from llmops.lineage.domain import NodeRef, lineage_link
from llmops.lineage.models import EdgeKind, NodeKind
from llmops.prompts.domain import LATEST
from llmops.prompts.models import PromptVersion
from llmops.registry import selectors as registry_selectors
from llmops.registry.models import ModelVersion
from llmops.tenancy.models import Project
from llmops.tracing.models import Trace

log = logging.getLogger(__name__)

LANE_TASK = "evaluation.run_lane"
MAX_OUTPUTS = 10_000
_OUTPUT_KEYS = {"key", "output", "latency_ms", "input_tokens", "output_tokens", "cost", "trace_id"}


# --- starting -----------------------------------------------------------------------------


def _check_outputs(outputs: Any, keys: set[str]) -> dict[str, dict[str, Any]]:
    """Client-supplied outputs, by item key: ``[{"key": ..., "output": ..., ...}]``."""
    if not isinstance(outputs, list) or not outputs:
        raise RunError(
            "Give a list of {key, output} for a suite whose target is 'outputs'.", field="outputs"
        )
    if len(outputs) > MAX_OUTPUTS:
        raise RunError(f"At most {MAX_OUTPUTS} outputs per run.", field="outputs")
    found: dict[str, dict[str, Any]] = {}
    for index, row in enumerate(outputs):
        where = f"outputs[{index}]"
        if not isinstance(row, dict):
            raise RunError("Must be an object.", field=where)
        unknown = set(row) - _OUTPUT_KEYS
        if unknown:
            raise RunError("Unknown key.", field=f"{where}.{sorted(unknown)[0]}")
        key = row.get("key")
        if not isinstance(key, str) or key not in keys:
            raise RunError("Names no item of the dataset version.", field=f"{where}.key")
        if key in found:
            raise RunError("The same key appears twice.", field=f"{where}.key")
        for number in ("latency_ms", "input_tokens", "output_tokens", "cost"):
            value = row.get(number)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or value < 0
            ):
                raise RunError("Must be a number >= 0.", field=f"{where}.{number}")
        found[key] = {k: v for k, v in row.items() if k != "key"}
    return found


def _needs_baseline(config: Mapping[str, Any]) -> bool:
    regression = any("max_regression" in t for t in config["thresholds"])
    pairwise = any(e["type"] == "pairwise" for e in config["evaluators"])
    return config["target"]["type"] == "prompt" and (regression or pairwise)


def _baseline_for(suite: Suite, version: PromptVersion, created_by: str) -> Run | None:
    """The run of the version behind the baseline label (started now if there is none)."""
    behind = version_behind(suite.project, suite.target["prompt"], suite.baseline_label)
    if behind is None or behind.pk == version.pk:
        return None
    evidence = evidence_for(suite, behind)
    usable = (
        Run.objects.filter(suite=suite, fingerprint=evidence.fingerprint)
        .exclude(status__in=(RunStatus.ERRORED, RunStatus.CANCELLED))
        .order_by("-created_at")
        .first()
    )
    if usable is not None:
        return usable
    return run_start(
        suite=suite,
        prompt_version=behind,
        trigger=Trigger.BASELINE,
        created_by=created_by,
        evidence=evidence,
    )


def run_start(
    *,
    suite: Suite,
    prompt_version: PromptVersion | None,
    trigger: str,
    created_by: str,
    outputs: Any = None,
    schedule: Schedule | None = None,
    model_version: ModelVersion | None = None,
    evidence: Evidence | None = None,
) -> Run:
    """Create a run pinned to the dataset's newest version and queue its lanes after commit.

    ``evidence`` is the suite already resolved on ``prompt_version`` by the caller (the gate
    resolves it to look for a reusable run); it is stored as it is, not resolved again.
    """
    project = suite.project
    dataset = suite.dataset
    if dataset.latest_version == 0:
        raise RunError(f"dataset {dataset.name!r} has no items yet", field="suite")
    if prompt_version is not None and prompt_version.prompt.project_id != project.pk:
        raise RunError("the version belongs to another project", field="version")
    if evidence is None:
        evidence = evidence_for(suite, prompt_version)
    config = evidence.config
    digest = evidence.fingerprint
    items = items_at(dataset, evidence.dataset_version)
    if config["target"]["type"] == "outputs":
        keys = set(items.values_list("key", flat=True))
        config = {**config, "target": {**config["target"]}}
        config["outputs"] = _check_outputs(outputs, keys)
        # Outputs are new evidence every time: such a run is never reused.
        config["target"]["outputs_id"] = uuid.uuid4().hex
        digest = fingerprint(config, evidence.dataset_version)
    elif outputs is not None:
        raise RunError(
            "This suite runs a prompt; outputs are produced by the platform.", field="outputs"
        )
    with transaction.atomic():
        baseline = None
        if trigger != Trigger.BASELINE and _needs_baseline(config) and prompt_version is not None:
            baseline = _baseline_for(suite, prompt_version, created_by)
        total = items.count()
        lanes = max(min(settings.EVAL_LANES, total), 1)
        run = Run.objects.create(
            project=project,
            suite=suite,
            dataset_version=evidence.dataset_version,
            prompt_version=prompt_version,
            baseline=baseline,
            schedule=schedule,
            config=config,
            fingerprint=digest,
            trigger=trigger,
            total_items=total,
            lanes=lanes,
            created_by=created_by,
        )
        RunLane.objects.bulk_create([RunLane(run=run, lane=lane) for lane in range(lanes)])
        _record_lineage(run)
        if model_version is not None:
            # The outputs came from this model version: the run is evidence about it.
            lineage_link(
                project=project,
                upstream=NodeRef(
                    NodeKind.MODEL_VERSION,
                    str(model_version.pk),
                    f"{model_version.model.name} v{model_version.version}",
                ),
                downstream=run_node(run),
                kind=EdgeKind.EVALUATED,
            )
        if baseline is None or baseline.status in FINISHED:
            transaction.on_commit(partial(_dispatch, run.pk))
    return run


def run_request(
    *,
    project: Project,
    suite_name: str,
    version: int | None,
    label: str | None,
    outputs: Any,
    trigger: str,
    model_version: tuple[str, int] | None,
    created_by: str,
) -> Run:
    """A run the API asks for: the suite by name, on a prompt version (by number, else behind
    ``label``, else the newest) or on the client's ``outputs``, optionally linked to the
    registered model version ``(name, number)`` the outputs came from."""
    suite = Suite.objects.filter(project=project, name=suite_name).select_related("dataset").first()
    if suite is None:
        raise RunError(f"No suite named {suite_name!r}.", field="suite")
    prompt_version: PromptVersion | None = None
    if suite.target["type"] == "prompt":
        prompt_version = requested_version(
            project=project,
            prompt_name=suite.target["prompt"],
            number=version,
            label=label or LATEST,
            prompt_field="suite",
            error=RunError,
        )
    found_model_version = None
    if model_version is not None:
        try:
            found_model_version = registry_selectors.model_version_resolve(
                project=project, name=model_version[0], version=model_version[1]
            )
        except (NotFound, Invalid):
            raise RunError("No such model version.", field="model_version") from None
    return run_start(
        suite=suite,
        prompt_version=prompt_version,
        trigger=trigger,
        created_by=created_by,
        outputs=outputs,
        model_version=found_model_version,
    )


def run_node(run: Run) -> NodeRef:
    return NodeRef(NodeKind.EVAL_RUN, str(run.pk), f"{run.suite.name} run {str(run.pk)[:8]}")


def _record_lineage(run: Run) -> None:
    node = run_node(run)
    version = DatasetVersion.objects.select_related("dataset").get(
        dataset=run.suite.dataset, number=run.dataset_version
    )
    lineage_link(
        project=run.project,
        upstream=dataset_version_node(version),
        downstream=node,
        kind=EdgeKind.USED,
    )
    if run.prompt_version is not None:
        pv = run.prompt_version
        lineage_link(
            project=run.project,
            upstream=prompt_version_node(pv),
            downstream=node,
            kind=EdgeKind.EVALUATED,
        )
    for rubric in PromptVersion.objects.filter(
        pk__in=judge_prompt_versions(run.config)
    ).select_related("prompt"):
        lineage_link(
            project=run.project,
            upstream=prompt_version_node(rubric),
            downstream=node,
            kind=EdgeKind.USED,
        )


def _dispatch(run_id: uuid.UUID) -> None:
    """Start the lanes of a queued run (no-op for a run that already started or ended)."""
    now = timezone.now()
    started = Run.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now
    )
    if not started:
        return
    for lane in RunLane.objects.filter(run_id=run_id):
        RunLane.objects.filter(pk=lane.pk).update(heartbeat_at=now)
        _enqueue_lane(run_id, lane.lane, lane.token)


def _enqueue_lane(run_id: uuid.UUID, lane: int, token: uuid.UUID) -> None:
    # By name: the domain does not import tasks.py (tasks import the domain).
    celery_app.send_task(LANE_TASK, args=[str(run_id), lane, str(token)])


# --- working a lane -------------------------------------------------------------------------


@dataclass
class OutputsTarget:
    """The client's outputs, looked up by item key."""

    outputs: Mapping[str, Mapping[str, Any]]

    def __call__(self, item: Item) -> TargetOutput:
        row = self.outputs.get(item.key)
        if row is None:
            return TargetOutput(error="no output was supplied for this item")
        return TargetOutput(
            output=row.get("output"),
            latency_ms=row.get("latency_ms"),
            input_tokens=int(row.get("input_tokens") or 0),
            output_tokens=int(row.get("output_tokens") or 0),
            total_tokens=int(row.get("input_tokens") or 0) + int(row.get("output_tokens") or 0),
            cost=row.get("cost"),
        )


@dataclass
class NoBaseline:
    """Stands in for a pairwise judge when there is nothing to compare with: the version is
    the one behind the baseline label, or the label points nowhere yet."""

    name: str
    reason: str

    def evaluate(self, case: Case) -> Verdict:
        return Verdict(score=0.5, passed=True, label="no baseline", reason=self.reason)


def verdict_as_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "score": verdict.score,
        "passed": verdict.passed,
        "label": verdict.label,
        "reason": verdict.reason,
        "error": verdict.error,
    }


def verdict_from_json(data: Mapping[str, Any]) -> Verdict:
    return Verdict(
        score=data.get("score"),
        passed=data.get("passed"),
        label=data.get("label"),
        reason=data.get("reason") or "",
        error=data.get("error"),
    )


def _row(run: Run, item_id: int, result: ItemResult, trace_id: str = "") -> RunResult:
    produced = result.target
    return RunResult(
        trace_id=trace_id,
        run=run,
        item_id=item_id,
        item_key=result.key,
        output=result.output,
        verdicts={name: verdict_as_json(v) for name, v in result.verdicts.items()},
        error=result.error or "",
        latency_ms=produced.latency_ms if produced else None,
        total_tokens=produced.total_tokens if produced else 0,
    )


@dataclass
class _Lane:
    run: Run
    lane: int
    token: uuid.UUID
    spans: SpanBuffer = field(default_factory=SpanBuffer)
    buffer: list[RunResult] = field(default_factory=list)
    flushed_at: float = field(default_factory=time.monotonic)
    stopped: str = ""

    def store_spans(self) -> None:
        """Store the spans finished so far (in the caller's transaction, if any).

        A savepoint: a trace that cannot be stored must neither fail the evaluation nor undo the
        results written with it; those results then name no trace (see ``flush``).
        """
        spans = self.spans.drain()
        if not spans:
            return
        try:
            with transaction.atomic():
                evaluation_spans_store(project=self.run.project, spans=spans)
        except Exception:
            log.exception("run %s lane %s: could not store its traces", self.run.pk, self.lane)

    def flush(self) -> None:
        """Store finished items with their traces, prove the lane alive, and notice a cancel or
        a takeover.

        The spans go first and in the same transaction as the results: a worker killed at any
        point commits both or neither (a redelivered lane evaluates the item again, in a new
        trace). Every span of a buffered result's trace is in ``spans`` already, because the
        item's thread ended them before handing its result over.
        """
        if self.buffer:
            with transaction.atomic():
                self.store_spans()
                named = {row.trace_id for row in self.buffer if row.trace_id}
                stored = set(
                    Trace.objects.filter(project=self.run.project, trace_id__in=named).values_list(
                        "trace_id", flat=True
                    )
                )
                for row in self.buffer:
                    if row.trace_id not in stored:
                        row.trace_id = ""
                RunResult.objects.bulk_create(self.buffer, ignore_conflicts=True)
            self.buffer = []
        else:
            # Spans of items still in progress: stored now so the buffer stays small.
            self.store_spans()
        self.flushed_at = time.monotonic()
        alive = RunLane.objects.filter(run=self.run, lane=self.lane, token=self.token).update(
            heartbeat_at=timezone.now()
        )
        if not alive:
            self.stopped = "superseded"
        elif Run.objects.filter(pk=self.run.pk, status=RunStatus.CANCELLED).exists():
            self.stopped = "cancelled"


def _evaluators_for(run: Run, evaluators: list[Evaluator]) -> list[Evaluator]:
    if run.baseline_id is not None:
        return evaluators
    reason = f"no other version is behind {run.suite.baseline_label!r} to compare with"
    return [NoBaseline(e.name, reason) if isinstance(e, PairwiseJudge) else e for e in evaluators]


def lane_work(run_id: uuid.UUID, lane: int, token: uuid.UUID) -> bool:
    """Work one lane of a running run; True when this call ended the run (it was the last lane
    to finish, or the run could not be built and failed)."""
    run = Run.objects.select_related("suite", "project").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.RUNNING:
        return False
    if not RunLane.objects.filter(run=run, lane=lane, token=token, done=False).exists():
        return False  # superseded by a resumed lane, or already finished
    item_ids = list(
        items_at(run.suite.dataset, run.dataset_version).order_by("id").values_list("id", flat=True)
    )[lane :: run.lanes]
    finished = set(
        RunResult.objects.filter(run=run, item_id__in=item_ids).values_list("item_id", flat=True)
    )
    todo = [item_id for item_id in item_ids if item_id not in finished]
    provider, spans = buffered_tracer_provider(str(run.pk))
    state = _Lane(run, lane, token, spans)
    try:
        target, evaluators, in_flight = build_components(
            run.project,
            run.config,
            lanes=run.lanes,
            tracer=provider.get_tracer("llmops.evaluation"),
        )
        if run.config["target"]["type"] == "outputs":
            target = OutputsTarget(run.config["outputs"])
        # Only items that call a model get a trace of their own, holding those calls.
        calls_models = run.config["target"]["type"] == "prompt" or any(
            "connection_id" in e for e in run.config["evaluators"]
        )
        item_tracer = provider.get_tracer("llmops.evaluation") if calls_models else None
        _work(state, todo, target, _evaluators_for(run, evaluators), in_flight, item_tracer)
    except SuiteError as exc:
        return run_fail(run, str(exc))
    finally:
        provider.shutdown()
        # Calls of items whose results were never written (a stopped lane) are still traced.
        state.store_spans()
    if state.stopped:
        log.info("run %s lane %s stopped: %s", run.pk, lane, state.stopped)
        return False
    RunLane.objects.filter(run=run, lane=lane, token=token).update(done=True)
    return finalize_if_complete(run.pk)


def _evaluate_traced(
    tracer: Tracer | None,
    run_id: str,
    item: Item,
    target: Callable[[Item], TargetOutput] | None,
    evaluators: Sequence[Evaluator],
) -> tuple[ItemResult, str]:
    """The item's result, and the id of the trace its target and judge calls were made in: a
    parent span here makes the provider's LLM spans (created in this thread) its children."""
    if tracer is None:
        return evaluate_item(item, target, evaluators), ""
    with tracer.start_as_current_span(
        f"evaluation item {item.key}",
        attributes={"llmops.evaluation.run_id": run_id, "llmops.evaluation.item_key": item.key},
    ) as span:
        result = evaluate_item(item, target, evaluators)
        return result, format(span.get_span_context().trace_id, "032x")


def _work(
    state: _Lane,
    todo: Sequence[int],
    target: Callable[[Item], TargetOutput] | None,
    evaluators: Sequence[Evaluator],
    in_flight: int,
    tracer: Tracer | None = None,
) -> None:
    chunk_size = settings.EVAL_CHUNK_SIZE
    run = state.run
    baseline = run.baseline
    remaining = list(todo)
    pending: dict[Future[tuple[ItemResult, str]], int] = {}
    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        while (remaining or pending) and not state.stopped:
            # Keep the pool fed: the next chunk is read while the last one is still running.
            if remaining and len(pending) < in_flight * 2:
                chunk, remaining = remaining[:chunk_size], remaining[chunk_size:]
                rows = {i.pk: i for i in DatasetItem.objects.filter(pk__in=chunk)}
                before: dict[int, Any] = {}
                if baseline is not None:
                    before = dict(
                        RunResult.objects.filter(
                            run=baseline, item_id__in=chunk, error=""
                        ).values_list("item_id", "output")
                    )
                for item_id in chunk:
                    row = rows[item_id]
                    metadata = dict(row.metadata or {})
                    if item_id in before:
                        metadata["baseline_output"] = before[item_id]
                    item = Item(row.key, row.input, row.expected, metadata)
                    work = pool.submit(
                        _evaluate_traced, tracer, str(run.pk), item, target, evaluators
                    )
                    pending[work] = item_id
                continue
            done, _ = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in done:
                result, trace_id = future.result()
                state.buffer.append(_row(run, pending.pop(future), result, trace_id))
            if len(state.buffer) >= 20 or time.monotonic() - state.flushed_at > 1.0:
                state.flush()
        if state.stopped:
            for future in pending:
                future.cancel()
    if not state.stopped:
        state.flush()


# --- finishing ------------------------------------------------------------------------------


def summary_as_json(summary: Mapping[str, EvaluatorSummary]) -> dict[str, Any]:
    return {
        name: {
            "count": s.count,
            "scored": s.scored,
            "errored": s.errored,
            "mean": s.mean,
            "pass_rate": s.pass_rate,
        }
        for name, s in summary.items()
    }


def summary_from_json(data: Mapping[str, Any]) -> dict[str, EvaluatorSummary]:
    return {
        name: EvaluatorSummary(
            name=name,
            count=s["count"],
            scored=s["scored"],
            errored=s["errored"],
            mean=s["mean"],
            pass_rate=s["pass_rate"],
        )
        for name, s in data.items()
        if isinstance(s, dict) and "count" in s
    }


def run_summary(run: Run) -> dict[str, EvaluatorSummary]:
    names: list[str] = run.config["evaluator_names"]
    rows = RunResult.objects.filter(run=run).values_list("verdicts", "error").iterator(2000)
    return summarize(
        (
            ({n: verdict_from_json(v) for n, v in verdicts.items()}, error or None)
            for verdicts, error in rows
        ),
        names,
    )


def finalize_if_complete(run_id: uuid.UUID) -> bool:
    """Finish a run whose lanes are all done; True when this call finished it."""
    if RunLane.objects.filter(run_id=run_id, done=False).exists():
        return False
    run = Run.objects.select_related("suite", "baseline").get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return False
    summary = run_summary(run)
    errored_items = RunResult.objects.filter(run=run).exclude(error="").count()
    baseline = None
    if run.baseline is not None:
        baseline = summary_from_json(run.baseline.summary.get("evaluators", {}))
    outcomes = check(
        thresholds_from_spec(run.config["thresholds"], run.config["evaluator_names"]),
        summary,
        baseline,
    )
    status = RunStatus.PASSED if all(o.passed for o in outcomes) else RunStatus.FAILED
    error = ""
    if run.total_items and errored_items == run.total_items:
        status, error = RunStatus.ERRORED, "every item errored; see the items' errors"
    updated = Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=status,
        error=error,
        summary={
            "items": run.total_items,
            "errored_items": errored_items,
            "evaluators": summary_as_json(summary),
        },
        threshold_results=[
            {
                "evaluator": o.threshold.evaluator,
                "kind": o.threshold.kind,
                "value": o.threshold.value,
                "description": o.threshold.describe(),
                "passed": o.passed,
                "actual": o.actual,
                "baseline": o.baseline,
                "message": o.message,
            }
            for o in outcomes
        ],
        finished_at=timezone.now(),
    )
    return bool(updated)


def run_fail(run: Run, message: str) -> bool:
    """End a queued or running run as errored; True when this call ended it."""
    updated = Run.objects.filter(
        pk=run.pk, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    ).update(status=RunStatus.ERRORED, error=message, finished_at=timezone.now())
    return bool(updated)


def run_mark_cancelled(run: Run) -> bool:
    """End a queued or running run as cancelled; True when this call ended it."""
    updated = Run.objects.filter(
        pk=run.pk, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    ).update(status=RunStatus.CANCELLED, error="cancelled", finished_at=timezone.now())
    return bool(updated)


def dependents_release(run: Run) -> list[uuid.UUID]:
    """Runs queued behind ``run`` as their baseline: started when it passed or failed, else
    failed; returns the ids of the runs this call ended."""
    ended: list[uuid.UUID] = []
    for dependent in Run.objects.filter(baseline=run, status=RunStatus.QUEUED):
        if run.status in (RunStatus.PASSED, RunStatus.FAILED):
            _dispatch(dependent.pk)
        elif run_fail(dependent, f"its baseline run {run.pk} ended {run.status}"):
            ended.append(dependent.pk)
    return ended


def resume_stalled(*, stall_seconds: float) -> int:
    """Hand lanes whose task stopped proving itself alive to new tasks; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=stall_seconds)
    stalled = RunLane.objects.filter(
        done=False, run__status=RunStatus.RUNNING, heartbeat_at__lt=cutoff
    )
    resumed = 0
    for lane in stalled:
        token = uuid.uuid4()
        taken = RunLane.objects.filter(pk=lane.pk, token=lane.token).update(
            token=token, heartbeat_at=timezone.now(), attempts=lane.attempts + 1
        )
        if taken:
            log.warning("run %s lane %s stalled; resuming it", lane.run_id, lane.lane)
            _enqueue_lane(lane.run_id, lane.lane, token)
            resumed += 1
    return resumed
