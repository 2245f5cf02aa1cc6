"""The suite runner: targets, per-item isolation, summaries, thresholds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from evals_local_llm import LocalLLM

from llmops_evals import (
    THRESHOLD_KINDS,
    Case,
    Contains,
    EvaluatorSummary,
    ExactMatch,
    Item,
    ItemResult,
    LatencyThreshold,
    PromptTarget,
    Provider,
    ProviderConfig,
    TargetOutput,
    Threshold,
    ThresholdConfigError,
    TokenThreshold,
    Verdict,
    check,
    evaluate_item,
    run_items,
    summarize,
    thresholds_from_spec,
)


@pytest.fixture
def llm() -> Iterator[LocalLLM]:
    with LocalLLM() as server:
        yield server


def provider_for(llm: LocalLLM) -> Provider:
    return Provider(
        ProviderConfig(base_url=llm.base_url, api_key="local", max_backoff_seconds=0.01)
    )


def echo(item: Item) -> TargetOutput:
    if item.input == "explode":
        raise RuntimeError("the target broke on this item")
    return TargetOutput(
        output=f"echo {item.input}", latency_ms=5.0, input_tokens=2, output_tokens=3
    )


class Exploding:
    name = "exploding"

    def evaluate(self, case: Case) -> Verdict:
        raise ValueError("evaluator bug")


# -- evaluate_item / run_items ----------------------------------------------------------------


def test_evaluate_item_combines_target_output_and_measurements() -> None:
    result = evaluate_item(
        Item(key="k1", input="hello", expected="echo hello", metadata={"source": "faq"}),
        echo,
        [ExactMatch(), LatencyThreshold(max_ms=10), TokenThreshold(max_tokens=4)],
    )
    assert result.error is None
    assert result.output == "echo hello"
    assert result.verdicts["exact_match"].passed is True
    assert result.verdicts["latency"].score == 5.0
    # Input + output tokens stand in for the total the target did not report.
    assert result.verdicts["tokens"].score == 5.0
    assert result.verdicts["tokens"].passed is False
    assert result.target is not None
    assert result.target.latency_ms == 5.0


def test_a_failing_target_is_that_items_error_only() -> None:
    items = [Item(key=str(i), input=text) for i, text in enumerate(["a", "explode", "c"])]
    results = run_items(items, target=echo, evaluators=[Contains("echo")], concurrency=3)
    assert [r.key for r in results] == ["0", "1", "2"]  # input order
    assert results[1].error == "RuntimeError: the target broke on this item"
    assert results[1].verdicts == {}
    assert results[1].output is None
    for ok in (results[0], results[2]):
        assert ok.error is None
        assert ok.verdicts["contains"].passed is True


def test_a_raising_evaluator_is_that_verdicts_error_only() -> None:
    result = evaluate_item(Item(key="k", input="x"), echo, [Exploding(), Contains("echo")])
    assert result.verdicts["exploding"].error == "ValueError: evaluator bug"
    assert result.verdicts["contains"].passed is True
    assert result.error is None


def test_a_target_returning_the_wrong_type_is_an_item_error() -> None:
    result = evaluate_item(Item(key="k"), lambda item: "text", [Contains("x")])  # type: ignore[arg-type,return-value]
    assert result.error is not None
    assert "not TargetOutput" in result.error


def test_without_a_target_outputs_and_measurements_come_from_the_item() -> None:
    item = Item(
        key="k",
        input="q",
        expected="Paris",
        metadata={"output": "Paris", "latency_ms": 900, "total_tokens": 40},
    )
    result = evaluate_item(
        item, None, [ExactMatch(), LatencyThreshold(max_ms=500), TokenThreshold(max_tokens=50)]
    )
    assert result.output == "Paris"
    assert result.verdicts["exact_match"].passed is True
    assert result.verdicts["latency"].passed is False
    assert result.verdicts["tokens"].score == 40.0
    # Nothing measured and nothing recorded: an error, not a made-up zero.
    bare = evaluate_item(Item(key="k", metadata={"output": "x"}), None, [TokenThreshold(10)])
    assert bare.verdicts["tokens"].error is not None


def test_run_items_limits_concurrency_and_reports_each_result() -> None:
    lock = threading.Lock()
    active, peak = 0, 0
    # Items finish only in threes: a limit below 3 breaks the barrier (its timeout is a safety
    # net) and those items fail; a limit above 3 shows in the peak.
    together = threading.Barrier(3, timeout=30)

    def slow(item: Item) -> TargetOutput:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            together.wait()
        finally:
            with lock:
                active -= 1
        return TargetOutput(output=item.input)

    seen: list[str] = []
    items = [Item(key=str(i), input=str(i)) for i in range(12)]
    results = run_items(
        items, target=slow, evaluators=[], concurrency=3, on_result=lambda r: seen.append(r.key)
    )
    assert peak == 3
    assert [r.error for r in results] == [None] * 12
    assert [r.key for r in results] == [str(i) for i in range(12)]
    assert sorted(seen, key=int) == [str(i) for i in range(12)]


def test_run_items_should_stop_skips_items_not_started() -> None:
    started: list[str] = []

    def target(item: Item) -> TargetOutput:
        started.append(item.key)
        return TargetOutput(output="x")

    results = run_items(
        [Item(key=str(i)) for i in range(10)],
        target=target,
        evaluators=[],
        concurrency=1,
        should_stop=lambda: len(started) >= 4,
    )
    assert [r.key for r in results] == ["0", "1", "2", "3"]


# -- PromptTarget against the local server ----------------------------------------------------


def test_prompt_target_renders_and_calls_the_model(llm: LocalLLM) -> None:
    target = PromptTarget(
        provider=provider_for(llm), model="local-model", template="Translate to French: {{text}}"
    )
    result = evaluate_item(
        Item(key="1", input={"text": "good morning"}, expected="good morning"),
        target,
        [Contains(), TokenThreshold(max_tokens=100)],
    )
    assert result.output == "Answer: Translate to French: good morning"
    assert result.target is not None
    # Word counts: 5 words in, 6 words out.
    assert (result.target.input_tokens, result.target.output_tokens) == (5, 6)
    assert result.target.total_tokens == 11
    assert result.target.model == "local-model"
    assert result.target.latency_ms is not None
    assert result.target.latency_ms > 0
    assert result.verdicts["contains"].passed is True
    assert result.verdicts["tokens"].score == 11.0


def test_prompt_target_chat_template_with_placeholder(llm: LocalLLM) -> None:
    template = [
        {"role": "system", "content": "You are terse."},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "{{question}}"},
    ]
    target = PromptTarget(provider=provider_for(llm), model="local-model", template=template)
    history = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "ok"}]
    variables = {"question": "and now?", "history": history}
    assert target.messages(variables) == [
        {"role": "system", "content": "You are terse."},
        *history,
        {"role": "user", "content": "and now?"},
    ]
    output = target(Item(key="1", input=variables))
    assert output.output == "Answer: and now?"
    plain = target(Item(key="2", input="plain text"))  # a non-mapping input is {{input}}
    assert plain.error is None


def test_prompt_target_provider_error_is_an_item_error(llm: LocalLLM) -> None:
    llm.fail_next(400)
    target = PromptTarget(provider=provider_for(llm), model="local-model", template="{{input}}")
    results = run_items(
        [Item(key="a", input="first"), Item(key="b", input="second")],
        target=target,
        evaluators=[Contains("Answer")],
        concurrency=1,
    )
    assert results[0].error is not None
    assert "HTTP 400" in results[0].error
    assert results[1].error is None
    assert results[1].verdicts["contains"].passed is True


# -- summarize --------------------------------------------------------------------------------


def test_summarize_counting_rules() -> None:
    rows: list[tuple[dict[str, Verdict], str | None]] = [
        ({"q": Verdict(score=1.0, passed=True)}, None),
        ({"q": Verdict(score=0.5, passed=False)}, None),
        ({"q": Verdict(error="judge said something else")}, None),  # errored: not a pass
        ({}, "target failed"),  # item error: errs every evaluator
        ({"q": Verdict(score=0.0, passed=None)}, None),  # scored but not judged
        ({"q": Verdict(label="x")}, None),  # neither scored nor judged
    ]
    summary = summarize(rows, ["q", "missing"])
    q = summary["q"]
    assert (q.count, q.scored, q.errored) == (6, 3, 2)
    assert q.mean == pytest.approx(0.5)  # (1.0 + 0.5 + 0.0) / 3: errors do not move the mean
    assert q.pass_rate == pytest.approx(1 / 4)  # 1 pass of 2 judged + 2 errored
    missing = summary["missing"]
    assert (missing.count, missing.scored, missing.errored) == (6, 0, 6)
    assert missing.mean is None
    assert missing.pass_rate == 0.0


def test_summarize_from_item_results() -> None:
    results: list[ItemResult] = run_items(
        [Item(key="1", input="a", expected="echo a"), Item(key="2", input="explode")],
        target=echo,
        evaluators=[ExactMatch()],
    )
    summary = summarize(((r.verdicts, r.error) for r in results), ["exact_match"])
    assert summary["exact_match"] == EvaluatorSummary(
        name="exact_match", count=2, scored=1, errored=1, mean=1.0, pass_rate=0.5
    )
    assert summarize([], ["x"])["x"] == EvaluatorSummary("x", 0, 0, 0, None, None)


# -- thresholds -------------------------------------------------------------------------------


def test_thresholds_from_spec() -> None:
    specs = [
        {"evaluator": "relevance", "min_mean": 0.8},
        {"evaluator": "relevance", "min_pass_rate": 1},
        {"evaluator": "exact_match", "max_regression": 0.05},
    ]
    assert thresholds_from_spec(specs, ["relevance", "exact_match"]) == [
        Threshold("relevance", "min_mean", 0.8),
        Threshold("relevance", "min_pass_rate", 1.0),
        Threshold("exact_match", "max_regression", 0.05),
    ]
    assert set(THRESHOLD_KINDS) == {"min_mean", "min_pass_rate", "max_regression"}


@pytest.mark.parametrize(
    ("specs", "field"),
    [
        (["min_mean"], "thresholds[0]"),
        ([{"evaluator": "nope", "min_mean": 1}], "thresholds[0].evaluator"),
        ([{"min_mean": 1}], "thresholds[0].evaluator"),
        ([{"evaluator": "q", "min_mean": 1}, {"evaluator": "q"}], "thresholds[1]"),
        ([{"evaluator": "q", "min_mean": 1, "min_pass_rate": 1}], "thresholds[0]"),
        ([{"evaluator": "q", "min_mean": 1, "max_mean": 2}], "thresholds[0].max_mean"),
        ([{"evaluator": "q", "min_mean": -0.1}], "thresholds[0].min_mean"),
        ([{"evaluator": "q", "min_mean": "high"}], "thresholds[0].min_mean"),
        ([{"evaluator": "q", "min_mean": True}], "thresholds[0].min_mean"),
        ([{"evaluator": "q", "min_mean": float("nan")}], "thresholds[0].min_mean"),
        ([{"evaluator": "q", "min_pass_rate": 1.5}], "thresholds[0].min_pass_rate"),
        ([{"evaluator": "q", "max_regression": None}], "thresholds[0].max_regression"),
    ],
)
def test_threshold_spec_errors_name_the_field(specs: list[Any], field: str) -> None:
    with pytest.raises(ThresholdConfigError) as caught:
        thresholds_from_spec(specs, ["q"])
    assert caught.value.field == field


def summary_of(mean: float | None, pass_rate: float | None) -> dict[str, EvaluatorSummary]:
    return {"q": EvaluatorSummary("q", 10, 10 if mean is not None else 0, 0, mean, pass_rate)}


def test_check_min_mean_and_min_pass_rate() -> None:
    thresholds = [Threshold("q", "min_mean", 0.7), Threshold("q", "min_pass_rate", 0.9)]
    passing = check(thresholds, summary_of(0.7, 0.95))
    assert [o.passed for o in passing] == [True, True]  # bounds are inclusive
    assert [o.actual for o in passing] == [0.7, 0.95]
    failing = check(thresholds, summary_of(0.69, 0.89))
    assert [o.passed for o in failing] == [False, False]
    nothing = check(thresholds, summary_of(None, None))
    assert [o.passed for o in nothing] == [False, False]
    assert nothing[0].message == "no scored items"
    unknown = check([Threshold("other", "min_mean", 0)], summary_of(1, 1))
    assert unknown[0].passed is False


def test_check_max_regression() -> None:
    regression = [Threshold("q", "max_regression", 0.05)]
    baseline = summary_of(0.80, 1.0)
    within = check(regression, summary_of(0.76, 1.0), baseline)[0]
    assert (within.passed, within.actual, within.baseline) == (True, 0.76, 0.80)
    assert within.message == "mean 0.76 vs baseline 0.8"
    assert check(regression, summary_of(0.75, 1.0), baseline)[0].passed is True  # exactly 0.05
    # Float rounding does not decide: 0.1 - 0.01 is 0.09000000000000001, above 0.09.
    on_the_bound = [Threshold("q", "max_regression", 0.01)]
    assert check(on_the_bound, summary_of(0.09, 1), summary_of(0.1, 1))[0].passed is True
    mean_of_thirds = (0.35 + 0.35 + 0.35) / 3  # 0.3499999999999999
    assert check([Threshold("q", "min_mean", 0.35)], summary_of(mean_of_thirds, 1))[0].passed
    dropped = check(regression, summary_of(0.74, 1.0), baseline)[0]
    assert dropped.passed is False
    assert check(regression, summary_of(0.95, 1.0), baseline)[0].passed is True  # improved
    # No baseline run (or one without scores): nothing to regress from, so it passes.
    first_run = check(regression, summary_of(0.1, 0.0), None)[0]
    assert (first_run.passed, first_run.baseline) == (True, None)
    assert "no baseline" in first_run.message
    assert check(regression, summary_of(0.1, 0.0), summary_of(None, None))[0].passed is True
    # A baseline but no scored items now: that is a failure.
    assert check(regression, summary_of(None, None), baseline)[0].passed is False
    assert Threshold("q", "max_regression", 0.05).describe() == (
        "mean of q drops at most 0.05 below the baseline"
    )
