"""The release gate: a protected label moves onto a version only when its gate suites pass.

A promotion starts (or reuses) one run per gate suite on the version. A run is reused when a
passing run of the same suite has the same fingerprint: same version, dataset version, target
settings, evaluators (with their rubric versions) and thresholds. When every run has finished
the promotion is decided once: all passed moves the label (``gate_passed``) and links each run
to the move in the lineage graph; anything else refuses it and records which thresholds failed
on which items.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from llmops.evaluation.execution import run_node, run_start
from llmops.evaluation.models import (
    FINISHED,
    LabelGate,
    Promotion,
    PromotionStatus,
    Run,
    RunResult,
    RunStatus,
    Suite,
    Trigger,
)
from llmops.evaluation.suites import fingerprint, resolve_config
from llmops.field_errors import FieldError
from llmops.lineage.domain import NodeRef, lineage_link
from llmops.lineage.models import EdgeKind, NodeKind
from llmops.prompts.domain import label_move, label_protect
from llmops.prompts.models import Prompt, PromptLabel, PromptVersion

FAILING_ITEMS_SHOWN = 20


class GateError(FieldError):
    def __init__(self, message: str, *, field: str, status: int = 400) -> None:
        super().__init__(message, field=field)
        self.status = status


def gate_set(*, prompt: Prompt, label: str, suite_names: Sequence[str]) -> list[Suite]:
    """Name the suites guarding ``label`` (replacing earlier ones) and protect the label."""
    if not suite_names:
        raise GateError("Name at least one suite.", field="suites")
    suites: list[Suite] = []
    for index, name in enumerate(suite_names):
        suite = Suite.objects.filter(project=prompt.project, name=name).first()
        if suite is None:
            raise GateError(f"no suite named {name!r}", field=f"suites[{index}]")
        if suite.target.get("type") == "prompt" and suite.target.get("prompt") != prompt.name:
            raise GateError(
                f"suite {name!r} runs prompt {suite.target.get('prompt')!r}, not {prompt.name!r}",
                field=f"suites[{index}]",
            )
        suites.append(suite)
    with transaction.atomic():
        if not PromptLabel.objects.filter(prompt=prompt, name=label).exists():
            raise GateError(
                f"prompt {prompt.name!r} has no label {label!r}: point it at a version first",
                field="label",
                status=404,
            )
        LabelGate.objects.filter(prompt=prompt, label=label).delete()
        LabelGate.objects.bulk_create(
            [LabelGate(prompt=prompt, label=label, suite=suite) for suite in suites]
        )
        label_protect(prompt=prompt, label=label, protected=True)
    return suites


def gate_suites(prompt: Prompt, label: str) -> list[Suite]:
    return [
        g.suite
        for g in LabelGate.objects.filter(prompt=prompt, label=label).select_related("suite")
    ]


def promotion_start(
    *, prompt: Prompt, label: str, version: PromptVersion, requested_by: str
) -> Promotion:
    suites = gate_suites(prompt, label)
    if not suites:
        raise GateError(
            f"label {label!r} has no gate suites; set them with the gate endpoint",
            field="label",
            status=409,
        )
    if version.prompt_id != prompt.pk:
        raise GateError("the version belongs to another prompt", field="version")
    with transaction.atomic():
        promotion = Promotion.objects.create(
            project=prompt.project,
            prompt=prompt,
            label=label,
            version=version,
            requested_by=requested_by,
        )
        for suite in suites:
            config = resolve_config(suite, version)
            reusable = (
                Run.objects.filter(
                    suite=suite,
                    fingerprint=fingerprint(config, suite.dataset.latest_version),
                    status=RunStatus.PASSED,
                )
                .order_by("-created_at")
                .first()
            )
            run = reusable or run_start(
                suite=suite, prompt_version=version, trigger=Trigger.GATE, created_by=requested_by
            )
            promotion.runs.add(run)
        transaction.on_commit(lambda: promotion_decide(promotion.pk))
    return promotion


def _failing_items(run: Run, evaluator: str) -> list[dict[str, Any]]:
    """The items that did not pass ``evaluator``, worst first."""
    failing: list[dict[str, Any]] = []
    for result in RunResult.objects.filter(run=run).only("item_key", "verdicts", "error"):
        verdict = result.verdicts.get(evaluator) or {}
        if result.error or verdict.get("error") or verdict.get("passed") is False:
            failing.append(
                {
                    "item_key": result.item_key,
                    "score": verdict.get("score"),
                    "error": result.error or verdict.get("error") or None,
                    "reason": verdict.get("reason") or "",
                }
            )
    failing.sort(key=lambda f: (f["score"] is not None, f["score"] or 0.0))
    return failing[:FAILING_ITEMS_SHOWN]


def _failures(runs: Sequence[Run]) -> list[dict[str, Any]]:
    failures: list[dict[str, Any]] = []
    for run in runs:
        if run.status in (RunStatus.ERRORED, RunStatus.CANCELLED):
            failures.append(
                {
                    "suite": run.suite.name,
                    "run": str(run.pk),
                    "threshold": None,
                    "message": f"run {run.status}: {run.error}",
                    "items": [],
                }
            )
            continue
        for outcome in run.threshold_results:
            if outcome["passed"]:
                continue
            failures.append(
                {
                    "suite": run.suite.name,
                    "run": str(run.pk),
                    "threshold": outcome["description"],
                    "actual": outcome["actual"],
                    "baseline": outcome["baseline"],
                    "message": outcome["message"],
                    "items": _failing_items(run, outcome["evaluator"]),
                }
            )
    return failures


def promotion_decide(promotion_id: uuid.UUID) -> str:
    """Decide a pending promotion whose runs have all finished; returns its status."""
    with transaction.atomic():
        promotion = (
            Promotion.objects.select_for_update()
            .select_related("prompt", "version", "project")
            .get(pk=promotion_id)
        )
        if promotion.status != PromotionStatus.PENDING:
            return str(promotion.status)
        runs = list(promotion.runs.select_related("suite"))
        if any(run.status not in FINISHED for run in runs):
            return str(promotion.status)
        failures = _failures(runs)
        promotion.finished_at = timezone.now()
        if failures:
            promotion.status = PromotionStatus.REFUSED
            promotion.failures = failures
            promotion.reason = f"{len(failures)} threshold(s) failed"
            promotion.save(update_fields=["status", "failures", "reason", "finished_at"])
            return str(promotion.status)
        move = label_move(
            prompt=promotion.prompt,
            label=promotion.label,
            version=promotion.version,
            moved_by=promotion.requested_by,
            reason=f"release gate passed (promotion {promotion.pk})",
            gate_passed=True,
        )
        if move is not None:
            move_node = NodeRef(
                NodeKind.LABEL_MOVE,
                str(move.pk),
                f"{promotion.prompt.name}@{promotion.label} -> v{promotion.version.number}",
            )
            for run in runs:
                lineage_link(
                    project=promotion.project,
                    upstream=run_node(run),
                    downstream=move_node,
                    kind=EdgeKind.GATED,
                )
        promotion.status = PromotionStatus.PASSED
        promotion.reason = "every gate suite passed"
        promotion.save(update_fields=["status", "reason", "finished_at"])
        return str(promotion.status)
