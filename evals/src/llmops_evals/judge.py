"""LLM-as-judge: a rubric prompt, a model, and a strictly parsed verdict.

The rubric is a prompt template (text, or chat messages) with ``{{input}}``, ``{{output}}``,
``{{expected}}`` and the item's metadata keys as variables; on the platform it is a versioned
prompt, so judges are diffed, labelled and gated like any other prompt. The judge is told the
exact JSON it must answer with; an answer in any other shape is an error for that item (the
run goes on), never a guessed score.

The answer must be one JSON object (optionally inside one Markdown code fence) holding the
verdict key (``score``, ``label`` or ``winner``) and ``reasoning`` (a string); other keys are
ignored. A score must be a number within the declared scale, a label one of the declared labels.

Pairwise judging shows two outputs as A and B (``{{output_a}}`` and ``{{output_b}}``) in a random
order per item, so a judge that prefers whichever comes first cancels out over a run; the
verdict is mapped back to the candidate.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmops_evals.cases import Case, Verdict
from llmops_evals.provider import Provider, ProviderError

__all__ = [
    "PAIRWISE_INSTRUCTION",
    "JudgeConfigError",
    "JudgeEvaluator",
    "LabelSet",
    "PairwiseJudge",
    "Scale",
    "fill",
    "grading_from_spec",
    "parse_pairwise",
    "parse_verdict",
    "render_rubric",
]

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)

PAIRWISE_INSTRUCTION = (
    'Answer with only a JSON object: {"winner": "A" | "B" | "tie", '
    '"reasoning": "<one or two sentences>"}.'
)


class JudgeConfigError(ValueError):
    """A judge spec that cannot be used; ``field`` names the offending key."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_judge_config_error, (str(self), self.field))


def _rebuild_judge_config_error(message: str, field: str) -> JudgeConfigError:
    return JudgeConfigError(message, field=field)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def fill(template: str, variables: Mapping[str, Any]) -> str:
    """``{{name}}`` replaced by the variable; unknown names are left as written.

    Strings are inserted as they are, ``None`` as nothing, anything else as JSON.
    """
    return _VARIABLE.sub(
        lambda m: _text(variables[m.group(1)]) if m.group(1) in variables else m.group(0),
        template,
    )


def render_rubric(
    rubric: str | Sequence[Mapping[str, Any]], variables: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The chat messages of a rubric: a text becomes one user message; placeholders of a chat
    template are dropped (a judge has no conversation history to insert)."""
    if isinstance(rubric, str):
        return [{"role": "user", "content": fill(rubric, variables)}]
    return [
        {
            "role": str(message.get("role") or "user"),
            "content": fill(_text(message.get("content", "")), variables),
        }
        for message in rubric
        if message.get("type") != "placeholder"
    ]


@dataclass(frozen=True)
class Scale:
    """Scores from ``minimum`` to ``maximum``; a score of at least ``pass_at`` passes.

    The verdict's ``score`` is normalised to 0..1; its ``label`` is the raw score.
    """

    minimum: float
    maximum: float
    pass_at: float

    def instruction(self) -> str:
        return (
            'Answer with only a JSON object: {"score": <a number from '
            f'{self.minimum:g} to {self.maximum:g}>, "reasoning": "<one or two sentences>"}}.'
        )


@dataclass(frozen=True)
class LabelSet:
    """One label of ``labels``; those in ``passing`` pass (score 1), the others fail (0)."""

    labels: tuple[str, ...]
    passing: tuple[str, ...]

    def instruction(self) -> str:
        choices = ", ".join(json.dumps(label) for label in self.labels)
        return (
            'Answer with only a JSON object: {"label": <one of '
            f'{choices}>, "reasoning": "<one or two sentences>"}}.'
        )


def _json_object(answer: str) -> dict[str, Any] | None:
    text = answer.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _shown(answer: str) -> str:
    text = answer.strip()
    return repr(text if len(text) <= 200 else text[:199] + "…")


def _reasoning(parsed: Mapping[str, Any], answer: str) -> str | Verdict:
    reasoning = parsed.get("reasoning")
    if not isinstance(reasoning, str):
        return Verdict(
            error=f"the judge's answer has no string 'reasoning': {_shown(answer)}",
        )
    return reasoning


def parse_verdict(answer: str, grading: Scale | LabelSet) -> Verdict:
    """The judge's answer as a verdict, or a verdict with an error saying what was wrong."""
    parsed = _json_object(answer)
    if parsed is None:
        return Verdict(error=f"the judge did not answer with a JSON object: {_shown(answer)}")
    if isinstance(grading, Scale):
        score = parsed.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float):
            return Verdict(error=f"the judge's answer has no numeric 'score': {_shown(answer)}")
        if not math.isfinite(score) or not grading.minimum <= score <= grading.maximum:
            return Verdict(
                error=f"the judge's score {score:g} is outside "
                f"{grading.minimum:g}..{grading.maximum:g}"
            )
        reasoning = _reasoning(parsed, answer)
        if isinstance(reasoning, Verdict):
            return reasoning
        span = grading.maximum - grading.minimum
        normalised = (score - grading.minimum) / span if span else 1.0
        return Verdict(
            score=normalised,
            passed=score >= grading.pass_at,
            label=f"{score:g}",
            reason=reasoning,
        )
    label = parsed.get("label")
    if not isinstance(label, str) or label not in grading.labels:
        return Verdict(error=f"the judge's label {label!r} is not one of {list(grading.labels)}")
    reasoning = _reasoning(parsed, answer)
    if isinstance(reasoning, Verdict):
        return reasoning
    passed = label in grading.passing
    return Verdict(score=1.0 if passed else 0.0, passed=passed, label=label, reason=reasoning)


def parse_pairwise(answer: str) -> tuple[str, str] | Verdict:
    """``(winner, reasoning)`` with winner ``"A"``, ``"B"`` or ``"tie"``; or an error verdict."""
    parsed = _json_object(answer)
    if parsed is None:
        return Verdict(error=f"the judge did not answer with a JSON object: {_shown(answer)}")
    winner = parsed.get("winner")
    if not isinstance(winner, str) or winner not in ("A", "B", "tie"):
        return Verdict(error=f"the judge did not name a winner A, B or tie: {_shown(answer)}")
    reasoning = _reasoning(parsed, answer)
    if isinstance(reasoning, Verdict):
        return reasoning
    return winner, reasoning


def _call(
    provider: Provider,
    model: str,
    messages: list[dict[str, Any]],
    params: Mapping[str, Any] | None,
) -> str | Verdict:
    try:
        return provider.chat(model=model, messages=messages, params=params).text
    except ProviderError as exc:
        return Verdict(error=f"judge call failed: {exc}")
    except Exception as exc:  # evaluate() never raises: one bad item must not end the run
        return Verdict(error=f"judge call failed: {type(exc).__name__}: {exc}")


@dataclass
class JudgeEvaluator:
    """Scores one output with a rubric on a scale or a label set."""

    name: str
    rubric: str | Sequence[Mapping[str, Any]]
    provider: Provider
    model: str
    grading: Scale | LabelSet
    params: Mapping[str, Any] | None = None

    def messages(self, case: Case) -> list[dict[str, Any]]:
        """The judge's prompt for ``case``: the rubric, then the answer format."""
        variables = {
            **dict(case.metadata),
            "input": case.input,
            "output": case.output,
            "expected": case.expected,
        }
        messages = render_rubric(self.rubric, variables)
        messages.append({"role": "user", "content": self.grading.instruction()})
        return messages

    def evaluate(self, case: Case) -> Verdict:
        try:
            messages = self.messages(case)
        except Exception as exc:
            return Verdict(error=f"the rubric could not be rendered: {type(exc).__name__}: {exc}")
        answer = _call(self.provider, self.model, messages, self.params)
        if isinstance(answer, Verdict):
            return answer
        return parse_verdict(answer, self.grading)


@dataclass
class PairwiseJudge:
    """Prefers one of two outputs; the candidate is ``case.output``, the other one is
    ``case.metadata["baseline_output"]``.

    Score 1 for a win (label ``"win"``), 0.5 for a tie (``"tie"``), 0 for a loss (``"loss"``);
    a tie passes, since the candidate is no worse than the baseline. ``rng`` decides the order
    of each item (the module's random generator when omitted).
    """

    name: str
    rubric: str | Sequence[Mapping[str, Any]]
    provider: Provider
    model: str
    params: Mapping[str, Any] | None = None
    rng: random.Random | None = None

    def messages(self, case: Case, *, candidate_first: bool) -> list[dict[str, Any]]:
        baseline = case.metadata["baseline_output"]
        first, second = (case.output, baseline) if candidate_first else (baseline, case.output)
        variables = {
            **dict(case.metadata),
            "input": case.input,
            "expected": case.expected,
            "output_a": first,
            "output_b": second,
        }
        messages = render_rubric(self.rubric, variables)
        messages.append({"role": "user", "content": PAIRWISE_INSTRUCTION})
        return messages

    def evaluate(self, case: Case) -> Verdict:
        if "baseline_output" not in case.metadata:
            return Verdict(error="pairwise judging needs a baseline output to compare with")
        candidate_first = (self.rng or random).random() < 0.5
        try:
            messages = self.messages(case, candidate_first=candidate_first)
        except Exception as exc:
            return Verdict(error=f"the rubric could not be rendered: {type(exc).__name__}: {exc}")
        answer = _call(self.provider, self.model, messages, self.params)
        if isinstance(answer, Verdict):
            return answer
        parsed = parse_pairwise(answer)
        if isinstance(parsed, Verdict):
            return parsed
        winner, reasoning = parsed
        order = "candidate shown as A" if candidate_first else "candidate shown as B"
        reason = f"{reasoning} ({order})" if reasoning else f"({order})"
        if winner == "tie":
            return Verdict(score=0.5, passed=True, label="tie", reason=reason)
        candidate_won = (winner == "A") == candidate_first
        return Verdict(
            score=1.0 if candidate_won else 0.0,
            passed=candidate_won,
            label="win" if candidate_won else "loss",
            reason=reason,
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def grading_from_spec(spec: Mapping[str, Any]) -> Scale | LabelSet:
    """``{"scale": [1, 5], "pass_at": 4}`` or ``{"labels": [...], "passing": [...]}``.

    ``pass_at`` defaults to the top of the scale, ``passing`` to the first label. Other keys of
    ``spec`` are ignored (a judge spec also names its prompt, model and so on).
    """
    has_scale = spec.get("scale") is not None
    has_labels = spec.get("labels") is not None
    if has_scale and has_labels:
        raise JudgeConfigError("Give either 'scale' or 'labels', not both.", field="labels")
    if has_scale:
        scale = spec["scale"]
        if (
            not isinstance(scale, list | tuple)
            or len(scale) != 2
            or not all(_is_number(v) for v in scale)
            or scale[0] >= scale[1]
        ):
            raise JudgeConfigError(
                "Must be [minimum, maximum] with minimum < maximum.", field="scale"
            )
        pass_at = spec.get("pass_at")
        if pass_at is None:
            pass_at = scale[1]
        if not _is_number(pass_at) or not scale[0] <= pass_at <= scale[1]:
            raise JudgeConfigError("Must be a number within the scale.", field="pass_at")
        if spec.get("passing") is not None:
            raise JudgeConfigError("Only applies to 'labels'.", field="passing")
        return Scale(float(scale[0]), float(scale[1]), float(pass_at))
    if has_labels:
        labels = spec["labels"]
        if (
            not isinstance(labels, list | tuple)
            or len(labels) < 2
            or not all(isinstance(v, str) and v for v in labels)
        ):
            raise JudgeConfigError("Must be a list of at least two labels.", field="labels")
        if len(set(labels)) != len(labels):
            raise JudgeConfigError("Labels must be distinct.", field="labels")
        passing = spec.get("passing")
        if passing is None:
            passing = list(labels[:1])
        if (
            not isinstance(passing, list | tuple)
            or not passing
            or not all(isinstance(v, str) and v in labels for v in passing)
        ):
            raise JudgeConfigError("Must be a non-empty subset of labels.", field="passing")
        if spec.get("pass_at") is not None:
            raise JudgeConfigError("Only applies to 'scale'.", field="pass_at")
        return LabelSet(tuple(labels), tuple(dict.fromkeys(passing)))
    raise JudgeConfigError("A judge needs a 'scale' or 'labels'.", field="scale")
