"""Two runs side by side: per item, each evaluator's score in both and the change, regressions
first (the biggest drop at the top), then items that changed otherwise, then the rest."""

from __future__ import annotations

from typing import Any

from llmops.evaluation.models import Run, RunResult


def _score(verdict: dict[str, Any] | None) -> float | None:
    if not verdict or verdict.get("error"):
        return None
    score = verdict.get("score")
    return float(score) if isinstance(score, int | float) else None


def runs_compare(base: Run, target: Run) -> dict[str, Any]:
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
