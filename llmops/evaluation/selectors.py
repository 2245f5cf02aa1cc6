"""Reads of the evaluation context: what the API lists and shows, and the reads the domain
shares (the items of a dataset version, two runs compared).

List reads fetch related rows in batches (joins, one prefetch, counts in SQL), so a page costs
the same few queries however many rows it holds; tests/platform/test_list_query_counts.py pins
them. A missing row is an ``EvaluationNotFound``.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from llmops.evaluation.errors import EvaluationNotFound
from llmops.evaluation.models import (
    Dataset,
    DatasetItem,
    DatasetVersion,
    Experiment,
    LabelGate,
    LabelHealth,
    OnlineRule,
    Promotion,
    ProviderConnection,
    Run,
    RunResult,
    RunStatus,
    Schedule,
    Suite,
)
from llmops.prompts.models import Prompt, PromptLabel
from llmops.registry.gates import PassedRun
from llmops.scores.models import Score
from llmops.tenancy.models import Project

# --- LangSmith sessions (external experiments with a session id) ---------------------------


def sessions_list(
    *,
    project: Project,
    name: str = "",
    name_contains: str = "",
    ids: list[uuid.UUID] | None = None,
    dataset_ids: list[int] | None = None,
) -> QuerySet[Experiment]:
    """The project's LangSmith sessions, newest first."""
    found = Experiment.objects.filter(project=project, session_id__isnull=False)
    if name:
        found = found.filter(name=name)
    if name_contains:
        found = found.filter(name__icontains=name_contains)
    if ids is not None:
        found = found.filter(session_id__in=ids)
    if dataset_ids is not None:
        found = found.filter(dataset_id__in=dataset_ids)
    return found.select_related("run").order_by("-created_at", "-pk")


def session_get(*, project: Project, session_id: uuid.UUID) -> Experiment:
    found = (
        Experiment.objects.select_related("run")
        .filter(project=project, session_id=session_id)
        .first()
    )
    if found is None:
        raise EvaluationNotFound("Session not found.", field="session_id")
    return found


def experiment_results(
    *, project: Project, session_id: uuid.UUID, dataset: Dataset, offset: int, limit: int
) -> list[RunResult]:
    """A page of an external experiment's results on ``dataset``, in item key order, with
    their items (LangSmith's examples with runs). None when the session has no run yet."""
    return list(
        RunResult.objects.filter(
            run__project=project,
            run__experiment__session_id=session_id,
            item__dataset=dataset,
        )
        .select_related("item")
        .order_by("item_key")[offset : offset + limit]
    )


def feedback_list(
    *, project: Project, span_ids: list[str] | None, keys: list[str]
) -> QuerySet[Score]:
    """Scores read as LangSmith feedback: on these spans (None: any) and of these names, newest
    first."""
    found = Score.objects.filter(project=project)
    if span_ids is not None:
        found = found.filter(span_id__in=span_ids)
    if keys:
        found = found.filter(name__in=keys)
    return found.order_by("-created_at", "id")


def feedback_get(*, project: Project, feedback_id: uuid.UUID) -> Score:
    found = Score.objects.filter(project=project, id=feedback_id).first()
    if found is None:
        raise EvaluationNotFound("Feedback not found.", field="feedback_id")
    return found


# --- datasets -------------------------------------------------------------------------------


def datasets_list(*, project: Project) -> QuerySet[Dataset]:
    return Dataset.objects.filter(project=project).order_by("name")


def dataset_get(*, project: Project, name: str) -> Dataset:
    found = Dataset.objects.filter(project=project, name=name).first()
    if found is None:
        raise EvaluationNotFound("Dataset not found.", field="dataset")
    return found


def dataset_by_pk(*, project: Project, pk: int | None) -> Dataset:
    found = None if pk is None else Dataset.objects.filter(project=project, pk=pk).first()
    if found is None:
        raise EvaluationNotFound("Dataset not found.", field="dataset_id")
    return found


def dataset_example_counts(datasets: list[Dataset]) -> dict[int, int]:
    """The item count of each dataset's newest version, in one query."""
    rows = DatasetVersion.objects.filter(
        Q(*[Q(dataset_id=d.pk, number=d.latest_version) for d in datasets], _connector=Q.OR)
    ).values_list("dataset_id", "item_count")
    return dict(rows) if datasets else {}


def dataset_versions(*, project: Project, name: str) -> QuerySet[DatasetVersion]:
    """A dataset's versions, newest first."""
    return dataset_get(project=project, name=name).versions.order_by("-number")


def items_at(dataset: Dataset, version: int) -> QuerySet[DatasetItem]:
    """The items of ``version``: rows added at or before it and not removed by then."""
    return DatasetItem.objects.filter(dataset=dataset, added_in__lte=version).filter(
        Q(removed_in__isnull=True) | Q(removed_in__gt=version)
    )


@dataclass(frozen=True)
class DatasetAt:
    dataset: Dataset
    version: int
    items: QuerySet[DatasetItem]


def dataset_at(*, project: Project, name: str, version: int | None) -> DatasetAt:
    """A dataset's items at ``version`` (the newest when None); 404 for a version not made."""
    dataset = dataset_get(project=project, name=name)
    number = version or dataset.latest_version
    if number > dataset.latest_version:
        raise EvaluationNotFound(f"Dataset {name!r} has no version {number}.", field="version")
    return DatasetAt(dataset, number, items_at(dataset, number))


def version_at_time(dataset: Dataset, moment: datetime) -> int:
    """The number of the dataset's newest version made at or before ``moment`` (0: none)."""
    number = (
        dataset.versions.filter(created_at__lte=moment)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return number or 0


def version_times(dataset: Dataset) -> dict[int, datetime]:
    """When each version of the dataset was made, by number (an item's creation and update)."""
    return dict(dataset.versions.values_list("number", "created_at"))


def item_current(*, project: Project, key: str) -> DatasetItem:
    """The item with this key in the newest version of any of the project's datasets."""
    found = (
        DatasetItem.objects.select_related("dataset")
        .filter(dataset__project=project, key=key, removed_in__isnull=True)
        .order_by("-added_in")
        .first()
    )
    if found is None:
        raise EvaluationNotFound("Dataset item not found.", field="id")
    return found


def export_jsonl(items: QuerySet[DatasetItem]) -> Iterator[str]:
    """Items as JSON lines, read in chunks as the response streams."""
    for item in items.order_by("id").iterator(chunk_size=1000):
        yield (
            json.dumps(
                {
                    "key": item.key,
                    "input": item.input,
                    "expected": item.expected,
                    "metadata": item.metadata,
                },
                ensure_ascii=False,
            )
            + "\n"
        )


# --- connections, suites, schedules, rules --------------------------------------------------


def connections_list(*, project: Project) -> QuerySet[ProviderConnection]:
    return ProviderConnection.objects.filter(project=project).order_by("name")


def suites_list(*, project: Project) -> QuerySet[Suite]:
    return Suite.objects.filter(project=project).select_related("dataset").order_by("name")


def suite_get(*, project: Project, name: str) -> Suite:
    found = Suite.objects.filter(project=project, name=name).first()
    if found is None:
        raise EvaluationNotFound("Suite not found.", field="suite")
    return found


def schedules_list(*, project: Project) -> QuerySet[Schedule]:
    return (
        Schedule.objects.filter(project=project).select_related("suite", "last_run").order_by("pk")
    )


def rules_list(*, project: Project) -> QuerySet[OnlineRule]:
    return OnlineRule.objects.filter(project=project).order_by("name")


# --- runs -----------------------------------------------------------------------------------


def runs_with_progress(runs: QuerySet[Run]) -> QuerySet[Run]:
    """Runs with their suite, and ``done_items`` (the results stored so far) counted in SQL."""
    return runs.select_related("suite").annotate(done_items=Count("results"))


def runs_list(*, project: Project, suite: str | None, status: str | None) -> QuerySet[Run]:
    runs = Run.objects.filter(project=project)
    if suite:
        runs = runs.filter(suite__name=suite)
    if status:
        runs = runs.filter(status=status)
    return runs_with_progress(runs)


def run_get(*, project: Project, run_id: uuid.UUID) -> Run:
    found = Run.objects.select_related("suite").filter(project=project, pk=run_id).first()
    if found is None:
        raise EvaluationNotFound("Run not found.", field="run")
    return found


def run_results(*, run: Run) -> QuerySet[RunResult]:
    return RunResult.objects.filter(run=run).select_related("item")


def result_failed(result: RunResult) -> bool:
    """The item errored, or an evaluator errored on it or did not pass it."""
    return bool(result.error) or any(
        v.get("error") or v.get("passed") is False for v in result.verdicts.values()
    )


def _score(verdict: dict[str, Any] | None) -> float | None:
    if not verdict or verdict.get("error"):
        return None
    score = verdict.get("score")
    return float(score) if isinstance(score, int | float) else None


def runs_compare(base: Run, target: Run) -> dict[str, Any]:
    """Two runs side by side: per item, each evaluator's score in both and the change,
    regressions first (the biggest drop at the top), then items that changed otherwise, then
    the rest."""
    names = [
        n
        for n in target.config.get("evaluator_names", [])
        if n in base.config.get("evaluator_names", [])
    ]
    rows: dict[str, dict[str, Any]] = {}
    for side, run in (("base", base), ("target", target)):
        for result in RunResult.objects.filter(run=run).select_related("item").iterator(1000):
            row = rows.setdefault(
                result.item_key,
                {
                    "item_key": result.item_key,
                    "input": result.item.input,
                    "expected": result.item.expected,
                    "base": None,
                    "target": None,
                },
            )
            row[side] = {
                "output": result.output,
                "error": result.error or None,
                "verdicts": result.verdicts,
            }
    items: list[dict[str, Any]] = []
    for row in rows.values():
        deltas: dict[str, float | None] = {}
        for name in names:
            before = _score((row["base"] or {}).get("verdicts", {}).get(name))
            after = _score((row["target"] or {}).get("verdicts", {}).get(name))
            deltas[name] = after - before if before is not None and after is not None else None
        known = [d for d in deltas.values() if d is not None]
        errored_now = bool(row["target"] and row["target"]["error"]) and not (
            row["base"] and row["base"]["error"]
        )
        worst = min(known) if known else 0.0
        row["deltas"] = deltas
        row["regression"] = worst < 0 or errored_now
        row["changed"] = any(d != 0 for d in known) or errored_now
        row["_order"] = (
            0 if row["regression"] else 1 if row["changed"] else 2,
            -1.0 if errored_now else worst,
            row["item_key"],
        )
        items.append(row)
    items.sort(key=lambda r: r["_order"])
    for row in items:
        del row["_order"]
    summary = {
        name: {
            "base_mean": (base.summary.get("evaluators", {}).get(name) or {}).get("mean"),
            "target_mean": (target.summary.get("evaluators", {}).get(name) or {}).get("mean"),
        }
        for name in names
    }
    summary["regressed_items"] = sum(1 for r in items if r["regression"])  # type: ignore[assignment]
    return {
        "base": base.pk,
        "target": target.pk,
        "evaluators": names,
        "summary": summary,
        "items": items,
    }


def runs_compare_by_id(
    *, project: Project, run_id: uuid.UUID, other_run_id: uuid.UUID
) -> dict[str, Any]:
    return runs_compare(
        run_get(project=project, run_id=run_id), run_get(project=project, run_id=other_run_id)
    )


# --- gates and promotions -------------------------------------------------------------------


def promotions_with_runs(promotions: QuerySet[Promotion]) -> QuerySet[Promotion]:
    """Promotions with their prompt and version, and their runs (oldest first, with suite and
    progress) in one more query for the whole page."""
    runs = runs_with_progress(Run.objects.order_by("created_at", "id"))
    return promotions.select_related("prompt", "version").prefetch_related(
        Prefetch("runs", queryset=runs)
    )


def promotions_list(*, project: Project, prompt: str | None) -> QuerySet[Promotion]:
    found = promotions_with_runs(Promotion.objects.filter(project=project))
    if prompt:
        found = found.filter(prompt__name=prompt)
    return found


def promotion_get(*, project: Project, promotion_id: uuid.UUID) -> Promotion:
    found = promotions_with_runs(Promotion.objects.filter(project=project, pk=promotion_id)).first()
    if found is None:
        raise EvaluationNotFound("Promotion not found.", field="promotion")
    return found


def gate_suites(prompt: Prompt, label: str) -> list[Suite]:
    """The suites guarding ``label`` of ``prompt``."""
    return [
        g.suite
        for g in LabelGate.objects.filter(prompt=prompt, label=label).select_related("suite")
    ]


def gate_suites_by_label(prompt: Prompt) -> dict[str, list[Suite]]:
    """The gate suites of every label of ``prompt`` in one query (``gate_suites`` of each)."""
    found: dict[str, list[Suite]] = defaultdict(list)
    for row in LabelGate.objects.filter(prompt=prompt).select_related("suite").order_by("pk"):
        found[row.label].append(row.suite)
    return found


def gates_of(*, project: Project, prompt_name: str) -> list[dict[str, Any]]:
    """A prompt's protected labels and any label a scheduled run has judged: each with its gate
    suites and health."""
    prompt = Prompt.objects.filter(project=project, name=prompt_name).first()
    if prompt is None:
        raise EvaluationNotFound("Prompt not found.", field="prompt")
    health = {h.label: h for h in LabelHealth.objects.filter(prompt=prompt)}
    suites = gate_suites_by_label(prompt)
    protected = PromptLabel.objects.filter(prompt=prompt, protected=True)
    labels = sorted({*protected.values_list("name", flat=True), *health})
    out = []
    for label in labels:
        h = health.get(label)
        out.append(
            {
                "prompt": prompt.name,
                "label": label,
                "suites": [suite.name for suite in suites.get(label, [])],
                "health": {
                    "failing": h.failing,
                    "run": str(h.run_id) if h.run_id else None,
                    "updated_at": h.updated_at,
                }
                if h
                else None,
            }
        )
    return out


# --- evidence for the registry's model gates ------------------------------------------------


class SuiteEvidence:
    """Evaluation's side of ``llmops.registry.gates.SuiteEvidence``: registered in
    ``EvaluationConfig.ready``, so the registry's gates need not import evaluation."""

    def suite_exists(self, *, project: Project, name: str) -> bool:
        return Suite.objects.filter(project=project, name=name).exists()

    def passed_runs(self, *, project: Project, run_ids: list[str]) -> list[PassedRun]:
        rows = (
            Run.objects.filter(project=project, status=RunStatus.PASSED, pk__in=run_ids)
            .order_by("-created_at")
            .values_list("pk", "suite__name")
        )
        return [PassedRun(id=pk, suite=suite) for pk, suite in rows]
