"""The release gate's decision: once every run of a pending promotion has finished, the
promotion is decided once. All passed moves the label through the prompts domain
(``label_move(gate_passed=True)``) and links each run to the move in the lineage graph;
anything else refuses it and records which thresholds failed on which items.

This is the last step of a promotion (request → ``gate`` → ``execution`` runs → here → the
label move); it reads the runs' stored results and imports nothing that starts runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from llmops.evaluation.domain.execution import run_node
from llmops.evaluation.models import FINISHED, Promotion, PromotionStatus, Run, RunResult, RunStatus
from llmops.lineage.domain import NodeRef, lineage_link
from llmops.lineage.models import EdgeKind, NodeKind
from llmops.prompts.domain import label_move

FAILING_ITEMS_SHOWN = 20


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
