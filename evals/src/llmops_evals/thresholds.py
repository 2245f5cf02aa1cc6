"""Operational limits read from ``Case.metadata``: latency, cost and token counts.

Each passes when the measured value is at most its maximum. The verdict's ``score`` is the
measured value itself (milliseconds, cost, tokens), not a 0..1 number, so averaging scores over
a run gives the mean latency/cost/usage. A missing or non-numeric measurement gives a verdict
with ``error``: an item the runner could not measure has not broken the limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from llmops_evals._common import Metric, check_name, check_non_negative
from llmops_evals.cases import Case, EvaluatorConfigError, Verdict

__all__ = ["CostThreshold", "LatencyThreshold", "TokenThreshold"]

TokenKey = Literal["total_tokens", "input_tokens", "output_tokens"]
TOKEN_KEYS: tuple[TokenKey, ...] = ("total_tokens", "input_tokens", "output_tokens")


def _measurement(metadata: Mapping[str, Any], key: str) -> float | str:
    """The measured value, or the reason it cannot be used."""
    if key not in metadata or metadata[key] is None:
        return f"metadata has no {key}"
    value = metadata[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"metadata {key} is not a number: {value!r}"
    if not math.isfinite(value) or value < 0:
        return f"metadata {key} is not a non-negative finite number: {value!r}"
    return float(value)


class _Limit(Metric):
    _unit: str

    def __init__(self, *, name: str, maximum: float, field: str) -> None:
        self.name = check_name(name)
        if maximum is None:
            raise EvaluatorConfigError(f"{field} is required", field=field)
        checked = check_non_negative(maximum, field)
        assert checked is not None
        self.maximum = float(checked)

    def _key(self) -> str:
        raise NotImplementedError

    def _measure(self, metadata: Mapping[str, Any]) -> float | str:
        return _measurement(metadata, self._key())

    def _evaluate(self, case: Case) -> Verdict:
        measured = self._measure(case.metadata)
        if isinstance(measured, str):
            return Verdict(error=f"{self.name}: {measured}")
        passed = measured <= self.maximum
        relation = "within" if passed else "over"
        unit = self._unit
        return Verdict(
            score=measured,
            passed=passed,
            reason=f"{measured:g}{unit} is {relation} the limit of {self.maximum:g}{unit}",
        )


class LatencyThreshold(_Limit):
    """``metadata["latency_ms"] <= max_ms``."""

    _unit = " ms"

    def __init__(self, max_ms: float, *, name: str = "latency") -> None:
        super().__init__(name=name, maximum=max_ms, field="max_ms")

    def _key(self) -> str:
        return "latency_ms"


class CostThreshold(_Limit):
    """``metadata["cost"] <= max_cost`` (in whatever currency the runner records, usually USD)."""

    _unit = ""

    def __init__(self, max_cost: float, *, name: str = "cost") -> None:
        super().__init__(name=name, maximum=max_cost, field="max")

    def _key(self) -> str:
        return "cost"


class TokenThreshold(_Limit):
    """``metadata[key] <= max_tokens`` for ``key`` in total_tokens, input_tokens, output_tokens.

    When ``total_tokens`` is wanted but absent, input plus output tokens stand in for it, because
    some providers only report the two parts.
    """

    _unit = " tokens"

    def __init__(
        self, max_tokens: int, *, key: TokenKey = "total_tokens", name: str = "tokens"
    ) -> None:
        if isinstance(max_tokens, float) and not max_tokens.is_integer():
            raise EvaluatorConfigError("max must be a whole number of tokens", field="max")
        super().__init__(name=name, maximum=max_tokens, field="max")
        if key not in TOKEN_KEYS:
            raise EvaluatorConfigError(f"key must be one of {', '.join(TOKEN_KEYS)}", field="key")
        self.key: TokenKey = key

    def _key(self) -> str:
        return self.key

    def _measure(self, metadata: Mapping[str, Any]) -> float | str:
        measured = _measurement(metadata, self.key)
        if self.key == "total_tokens" and metadata.get("total_tokens") is None:
            parts = [_measurement(metadata, part) for part in ("input_tokens", "output_tokens")]
            if all(isinstance(part, float) for part in parts):
                return sum(part for part in parts if isinstance(part, float))
        return measured
