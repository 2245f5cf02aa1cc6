"""Plumbing shared by the metric modules; not part of the public API."""

from __future__ import annotations

import json
import math
from typing import Any

from llmops_evals.cases import Case, EvaluatorConfigError, Verdict


def to_text(value: Any) -> str:
    """The text a metric compares.

    Strings pass through; ``None`` (no output at all) becomes ``""`` so text checks fail rather
    than error; anything else is compared in its JSON form (``json.dumps`` with ``sort_keys``)
    so that two equal dicts always render identically, falling back to ``str()`` for values
    JSON cannot encode.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def reference_texts(value: Any) -> list[str]:
    """Expected values for metrics that accept several references (a list) or just one."""
    if isinstance(value, list | tuple):
        return [to_text(item) for item in value]
    return [to_text(value)]


def missing_expected(name: str) -> Verdict:
    return Verdict(error=f"{name}: the case has no expected value to compare against")


def pass_fail(passed: bool, reason: str) -> Verdict:
    return Verdict(score=1.0 if passed else 0.0, passed=passed, reason=reason)


def check_threshold(value: float | None, default: float, *, field: str = "threshold") -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise EvaluatorConfigError(f"{field} must be a number between 0 and 1", field=field)
    return float(value)


def check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise EvaluatorConfigError("name must be a non-empty string", field="name")
    return name


def check_non_negative(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise EvaluatorConfigError(f"{field} must be a non-negative number", field=field)
    return value


def clip(text: str, limit: int = 200) -> str:
    """At most ``limit`` characters of ``text``, so a reason never embeds a whole model output."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short(text: str, limit: int = 80) -> str:
    """A quoted excerpt of a (possibly long, possibly multi-line) text for a reason."""
    return repr(clip(text, limit))


class Metric:
    """Base for the metric evaluators: ``evaluate`` never raises.

    A metric that trips over an unexpected input still yields a verdict (with ``error``), because
    one odd item must not abort an evaluation run over thousands.
    """

    name: str

    def evaluate(self, case: Case) -> Verdict:
        try:
            return self._evaluate(case)
        except Exception as exc:
            return Verdict(error=f"{self.name}: {type(exc).__name__}: {exc}")

    def _evaluate(self, case: Case) -> Verdict:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
