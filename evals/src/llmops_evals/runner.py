"""The suite runner: run a target over items, evaluate each output, summarise, check thresholds.

The same code runs in the platform's workers (a chunk of a run at a time), in the SDK and in a
user's CI. It never raises for one item: a target or evaluator that fails is recorded on that
item and the run goes on.

Counting rules, chosen for a release gate: an item whose evaluator errored has no score, so it
does not move the mean, but it is not a pass either, so it lowers the pass rate.

Measurements: with a target, the evaluators see the item's metadata overlaid with what the
target measured (``latency_ms``, ``cost`` and the token counts it reported). Without a target
("outputs" runs) the output is ``item.metadata["output"]`` and the metadata is the item's own, so
measurements recorded in the dataset reach the latency, cost and token metrics unchanged.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from llmops_evals.cases import Case, Evaluator, Verdict
from llmops_evals.judge import fill
from llmops_evals.provider import Provider, ProviderError

__all__ = [
    "THRESHOLD_KINDS",
    "EvaluatorSummary",
    "Item",
    "ItemResult",
    "PromptTarget",
    "Target",
    "TargetOutput",
    "Threshold",
    "ThresholdConfigError",
    "ThresholdOutcome",
    "check",
    "evaluate_item",
    "run_items",
    "summarize",
    "thresholds_from_spec",
]


@dataclass(frozen=True)
class Item:
    key: str
    input: Any = None
    expected: Any = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetOutput:
    output: Any = None
    error: str | None = None
    latency_ms: float | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cost: float | None = None
    model: str = ""

    def as_metadata(self) -> dict[str, Any]:
        """The measurements for ``Case.metadata``; token counts only when any was reported."""
        values: dict[str, Any] = {}
        if self.input_tokens or self.output_tokens or self.total_tokens:
            values["input_tokens"] = self.input_tokens
            values["output_tokens"] = self.output_tokens
            values["total_tokens"] = self.total_tokens or self.input_tokens + self.output_tokens
        if self.latency_ms is not None:
            values["latency_ms"] = self.latency_ms
        if self.cost is not None:
            values["cost"] = self.cost
        return values


@dataclass(frozen=True)
class ItemResult:
    key: str
    output: Any
    verdicts: Mapping[str, Verdict]
    error: str | None = None
    target: TargetOutput | None = None


Target = Callable[[Item], TargetOutput]


def evaluate_item(item: Item, target: Target | None, evaluators: Sequence[Evaluator]) -> ItemResult:
    """One item, start to end; never raises."""
    produced: TargetOutput
    if target is None:
        produced = TargetOutput(output=item.metadata.get("output"))
        metadata = dict(item.metadata)
    else:
        try:
            produced = target(item)
            if not isinstance(produced, TargetOutput):
                raise TypeError(f"the target returned {type(produced).__name__}, not TargetOutput")
        except Exception as exc:  # a failing target is that item's error, not the run's
            produced = TargetOutput(error=f"{type(exc).__name__}: {exc}")
        metadata = {**dict(item.metadata), **produced.as_metadata()}
    if produced.error is not None:
        return ItemResult(item.key, None, {}, error=produced.error, target=produced)
    case = Case(
        input=item.input,
        output=produced.output,
        expected=item.expected,
        metadata=metadata,
    )
    verdicts: dict[str, Verdict] = {}
    for evaluator in evaluators:
        try:
            verdict = evaluator.evaluate(case)
            if not isinstance(verdict, Verdict):
                raise TypeError(f"evaluate returned {type(verdict).__name__}, not Verdict")
        except Exception as exc:
            verdict = Verdict(error=f"{type(exc).__name__}: {exc}")
        verdicts[evaluator.name] = verdict
    return ItemResult(item.key, produced.output, verdicts, target=produced)


def run_items(
    items: Iterable[Item],
    *,
    target: Target | None,
    evaluators: Sequence[Evaluator],
    concurrency: int = 8,
    should_stop: Callable[[], bool] | None = None,
    on_result: Callable[[ItemResult], None] | None = None,
) -> list[ItemResult]:
    """Evaluate items with up to ``concurrency`` in flight; ``should_stop`` ends it early
    (items not started are skipped); ``on_result`` sees each result as it is done."""
    results: list[ItemResult] = []

    def one(item: Item) -> ItemResult | None:
        if should_stop is not None and should_stop():
            return None
        result = evaluate_item(item, target, evaluators)
        if on_result is not None:
            on_result(result)
        return result

    with ThreadPoolExecutor(max_workers=max(concurrency, 1)) as pool:
        for result in pool.map(one, items):
            if result is not None:
                results.append(result)
    return results


@dataclass
class PromptTarget:
    """Renders a prompt with each item's input (a mapping of variables) and calls the model."""

    provider: Provider
    model: str
    template: str | Sequence[Mapping[str, Any]]
    params: Mapping[str, Any] | None = None

    def messages(self, variables: Mapping[str, Any]) -> list[dict[str, Any]]:
        if isinstance(self.template, str):
            return [{"role": "user", "content": fill(self.template, variables)}]
        messages: list[dict[str, Any]] = []
        for message in self.template:
            if message.get("type") == "placeholder":
                inserted = variables.get(str(message.get("name")), [])
                messages.extend(inserted if isinstance(inserted, list) else [])
            else:
                content = fill(str(message.get("content", "")), variables)
                messages.append({"role": message.get("role", "user"), "content": content})
        return messages

    def __call__(self, item: Item) -> TargetOutput:
        variables = item.input if isinstance(item.input, Mapping) else {"input": item.input}
        started = time.perf_counter()
        try:
            completion = self.provider.chat(
                model=self.model, messages=self.messages(variables), params=self.params
            )
        except ProviderError as exc:
            return TargetOutput(error=str(exc), latency_ms=(time.perf_counter() - started) * 1000)
        return TargetOutput(
            output=completion.text,
            latency_ms=completion.latency_ms,
            input_tokens=completion.usage.input_tokens,
            output_tokens=completion.usage.output_tokens,
            total_tokens=completion.usage.total_tokens,
            model=completion.model,
        )


@dataclass(frozen=True)
class EvaluatorSummary:
    name: str
    count: int
    scored: int
    errored: int
    mean: float | None
    pass_rate: float | None


def summarize(
    results: Iterable[tuple[Mapping[str, Verdict], str | None]], evaluator_names: Sequence[str]
) -> dict[str, EvaluatorSummary]:
    """Per evaluator over (verdicts, item error) pairs; an item error errs every evaluator."""
    totals = {
        name: {"count": 0, "scored": 0, "errored": 0, "sum": 0.0, "passed": 0, "judged": 0}
        for name in evaluator_names
    }
    for verdicts, item_error in results:
        for name in evaluator_names:
            total = totals[name]
            total["count"] += 1
            verdict = verdicts.get(name)
            if item_error is not None or verdict is None or verdict.error is not None:
                total["errored"] += 1
                total["judged"] += 1  # an error is not a pass
                continue
            if verdict.score is not None:
                total["scored"] += 1
                total["sum"] += verdict.score
            if verdict.passed is not None:
                total["judged"] += 1
                total["passed"] += int(verdict.passed)
    return {
        name: EvaluatorSummary(
            name=name,
            count=int(t["count"]),
            scored=int(t["scored"]),
            errored=int(t["errored"]),
            mean=t["sum"] / t["scored"] if t["scored"] else None,
            pass_rate=t["passed"] / t["judged"] if t["judged"] else None,
        )
        for name, t in totals.items()
    }


THRESHOLD_KINDS = ("min_mean", "min_pass_rate", "max_regression")
_ROUNDING = 1e-9


class ThresholdConfigError(ValueError):
    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Threshold:
    evaluator: str
    kind: str
    value: float

    def describe(self) -> str:
        if self.kind == "min_mean":
            return f"mean of {self.evaluator} >= {self.value:g}"
        if self.kind == "min_pass_rate":
            return f"pass rate of {self.evaluator} >= {self.value:g}"
        return f"mean of {self.evaluator} drops at most {self.value:g} below the baseline"


def thresholds_from_spec(
    specs: Sequence[Mapping[str, Any]], evaluator_names: Sequence[str]
) -> list[Threshold]:
    """Thresholds from JSON: one kind per spec, e.g. ``{"evaluator": "relevance", "min_mean": 0.8}``
    or ``{"evaluator": "relevance", "max_regression": 0.05}``.

    ``min_pass_rate`` is a fraction (0..1); ``min_mean`` and ``max_regression`` are in the
    evaluator's score unit. Errors name the offending field, e.g. ``thresholds[1].min_mean``.
    """
    thresholds: list[Threshold] = []
    for index, spec in enumerate(specs):
        where = f"thresholds[{index}]"
        if not isinstance(spec, Mapping):
            raise ThresholdConfigError("Must be an object.", field=where)
        name = spec.get("evaluator")
        if name not in evaluator_names:
            raise ThresholdConfigError(
                f"Names no evaluator of the suite ({', '.join(evaluator_names)}).",
                field=f"{where}.evaluator",
            )
        kinds = [kind for kind in THRESHOLD_KINDS if kind in spec]
        unknown = set(spec) - {"evaluator", *THRESHOLD_KINDS}
        if unknown:
            raise ThresholdConfigError("Unknown key.", field=f"{where}.{sorted(unknown)[0]}")
        if len(kinds) != 1:
            raise ThresholdConfigError(
                f"Give exactly one of {', '.join(THRESHOLD_KINDS)}.", field=where
            )
        value = spec[kinds[0]]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            raise ThresholdConfigError("Must be a number >= 0.", field=f"{where}.{kinds[0]}")
        if kinds[0] == "min_pass_rate" and value > 1:
            raise ThresholdConfigError(
                "Must be a fraction between 0 and 1.", field=f"{where}.{kinds[0]}"
            )
        thresholds.append(Threshold(str(name), kinds[0], float(value)))
    return thresholds


@dataclass(frozen=True)
class ThresholdOutcome:
    threshold: Threshold
    passed: bool
    actual: float | None
    baseline: float | None
    message: str


def check(
    thresholds: Sequence[Threshold],
    summary: Mapping[str, EvaluatorSummary],
    baseline: Mapping[str, EvaluatorSummary] | None = None,
) -> list[ThresholdOutcome]:
    """Each threshold against this run's ``summary`` (and the ``baseline`` run's, if any).

    ``min_mean``/``min_pass_rate`` fail when nothing was scored/judged. ``max_regression``
    passes when there is no baseline (or the baseline has no mean), and fails when this run has
    no mean but the baseline does. Comparisons allow 1e-9 of float rounding, so a mean that is
    "exactly" on the bound passes.
    """
    outcomes: list[ThresholdOutcome] = []
    for threshold in thresholds:
        current = summary.get(threshold.evaluator)
        if threshold.kind == "max_regression":
            actual = current.mean if current else None
            before = baseline.get(threshold.evaluator) if baseline else None
            base = before.mean if before else None
            if base is None:
                outcomes.append(
                    ThresholdOutcome(
                        threshold, True, actual, None, "no baseline run to compare with: passes"
                    )
                )
                continue
            passed = actual is not None and actual >= base - threshold.value - _ROUNDING
            message = (
                f"mean {actual:.4g} vs baseline {base:.4g}"
                if actual is not None
                else "no scored items"
            )
            outcomes.append(ThresholdOutcome(threshold, passed, actual, base, message))
            continue
        actual = None
        if current is not None:
            actual = current.mean if threshold.kind == "min_mean" else current.pass_rate
        passed = actual is not None and actual >= threshold.value - _ROUNDING
        message = f"{actual:.4g}" if actual is not None else "no scored items"
        outcomes.append(ThresholdOutcome(threshold, passed, actual, None, message))
    return outcomes
