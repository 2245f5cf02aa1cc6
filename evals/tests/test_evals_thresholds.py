"""Latency, cost and token limits read from the case's metadata."""

from __future__ import annotations

from typing import Any

import pytest

from llmops_evals import Case, CostThreshold, EvaluatorConfigError, LatencyThreshold, TokenThreshold


def measured(**metadata: Any) -> Case:
    return Case(output="x", metadata=metadata)


def test_latency_threshold() -> None:
    metric = LatencyThreshold(max_ms=500)
    fast = metric.evaluate(measured(latency_ms=120.5))
    assert (fast.passed, fast.score) == (True, 120.5)  # the score is the measurement itself
    assert metric.evaluate(measured(latency_ms=500)).passed is True  # the limit is inclusive
    slow = metric.evaluate(measured(latency_ms=501))
    assert slow.passed is False
    assert "over the limit of 500 ms" in slow.reason


def test_cost_threshold() -> None:
    metric = CostThreshold(max_cost=0.01)
    assert metric.evaluate(measured(cost=0.004)).passed is True
    assert metric.evaluate(measured(cost=0.02)).passed is False


def test_token_threshold_keys_and_fallback() -> None:
    total = TokenThreshold(max_tokens=100)
    assert total.evaluate(measured(total_tokens=100)).passed is True
    assert total.evaluate(measured(total_tokens=101)).passed is False
    # Only the two parts reported: their sum stands in for the total.
    summed = total.evaluate(measured(input_tokens=70, output_tokens=40))
    assert (summed.score, summed.passed) == (110.0, False)
    output_only = TokenThreshold(max_tokens=50, key="output_tokens")
    assert output_only.evaluate(measured(input_tokens=500, output_tokens=50)).passed is True
    assert output_only.evaluate(measured(input_tokens=5, output_tokens=51)).passed is False


@pytest.mark.parametrize(
    "metadata",
    [{}, {"latency_ms": None}, {"latency_ms": "fast"}, {"latency_ms": True}, {"latency_ms": -1}],
)
def test_missing_or_bad_measurement_is_an_error(metadata: dict[str, Any]) -> None:
    verdict = LatencyThreshold(max_ms=10, name="lat").evaluate(measured(**metadata))
    assert verdict.error is not None
    assert verdict.error.startswith("lat:")
    assert verdict.passed is None
    assert verdict.score is None


def test_token_fallback_needs_both_parts() -> None:
    verdict = TokenThreshold(max_tokens=10).evaluate(measured(input_tokens=3))
    assert verdict.error is not None
    assert "total_tokens" in verdict.error


def test_bad_config_names_the_field() -> None:
    with pytest.raises(EvaluatorConfigError) as caught:
        LatencyThreshold(max_ms=-5)
    assert caught.value.field == "max_ms"
    with pytest.raises(EvaluatorConfigError) as caught:
        CostThreshold(max_cost="cheap")  # type: ignore[arg-type]
    assert caught.value.field == "max"
    with pytest.raises(EvaluatorConfigError) as caught:
        TokenThreshold(max_tokens=10.5)  # type: ignore[arg-type]
    assert caught.value.field == "max"
    with pytest.raises(EvaluatorConfigError) as caught:
        TokenThreshold(max_tokens=10, key="cached_tokens")  # type: ignore[arg-type]
    assert caught.value.field == "key"
