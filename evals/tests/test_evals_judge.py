"""LLM-as-judge against the local server's deterministic judge, and verdict parsing."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from evals_local_llm import LocalLLM
from llmops_sdk import safety
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from llmops_evals import (
    Case,
    JudgeConfigError,
    JudgeEvaluator,
    LabelSet,
    PairwiseJudge,
    Provider,
    ProviderConfig,
    Scale,
    grading_from_spec,
    parse_verdict,
)
from llmops_evals.judge import fill, parse_pairwise, render_rubric

RUBRIC = (
    "You grade answers.\nQuestion: {{input}}\n<output>{{output}}</output>\n"
    "<expected>{{expected}}</expected>\nIs the output correct?"
)
PAIRWISE_RUBRIC = (
    "Question: {{input}}\n<expected>{{expected}}</expected>\n"
    "<output_a>{{output_a}}</output_a>\n<output_b>{{output_b}}</output_b>\nWhich is better?"
)
FIVE_POINT = Scale(1, 5, 4)
LABELS = LabelSet(("correct", "partially correct", "incorrect"), ("correct",))


@pytest.fixture
def llm() -> Iterator[LocalLLM]:
    with LocalLLM() as server:
        yield server


@pytest.fixture
def provider(llm: LocalLLM) -> Provider:
    return Provider(
        ProviderConfig(base_url=llm.base_url, api_key="local", max_backoff_seconds=0.01)
    )


def judge(provider: Provider, grading: Scale | LabelSet, rubric: Any = RUBRIC) -> JudgeEvaluator:
    return JudgeEvaluator(
        name="correctness", rubric=rubric, provider=provider, model="judge-model", grading=grading
    )


# -- templates --------------------------------------------------------------------------------


def test_fill_and_render() -> None:
    variables = {"input": "2+2?", "output": None, "expected": {"n": 4}, "doc.id": 7}
    assert fill("Q: {{input}} A: {{ output }}|{{expected}}|{{doc.id}}|{{other}}", variables) == (
        'Q: 2+2? A: |{"n": 4}|7|{{other}}'
    )
    rubric = [
        {"role": "system", "content": "Grade {{input}}."},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "<output>{{output}}</output>"},
    ]
    assert render_rubric(rubric, {"input": "x", "output": "y"}) == [
        {"role": "system", "content": "Grade x."},
        {"role": "user", "content": "<output>y</output>"},
    ]


# -- scale and label verdicts -----------------------------------------------------------------


def test_scale_verdicts(provider: Provider) -> None:
    evaluator = judge(provider, FIVE_POINT)
    good = evaluator.evaluate(
        Case(input="Capital of France?", output="It is Paris.", expected="paris")
    )
    assert good.error is None
    assert (good.score, good.passed, good.label) == (1.0, True, "5")
    assert good.reason == "the output contains the expected answer"
    bad = evaluator.evaluate(Case(input="Capital of France?", output="Lyon", expected="Paris"))
    assert (bad.score, bad.passed, bad.label) == (0.0, False, "1")


def test_scale_with_fractional_bounds(provider: Provider) -> None:
    evaluator = judge(provider, Scale(0, 0.5, 0.25))
    verdict = evaluator.evaluate(Case(input="q", output="Paris", expected="Paris"))
    assert (verdict.score, verdict.passed, verdict.label) == (1.0, True, "0.5")


def test_scale_without_expected_judges_non_empty_output(provider: Provider) -> None:
    rubric = [
        {"role": "system", "content": "You grade helpfulness."},
        {"role": "user", "content": "Question: {{input}}\n<output>{{output}}</output>"},
    ]
    evaluator = judge(provider, FIVE_POINT, rubric)
    assert evaluator.evaluate(Case(input="hi", output="Hello!")).passed is True
    assert evaluator.evaluate(Case(input="hi", output="   ")).passed is False


def test_label_verdicts(provider: Provider) -> None:
    evaluator = judge(provider, LABELS)
    good = evaluator.evaluate(Case(input="q", output="Paris", expected="Paris"))
    assert (good.label, good.passed, good.score) == ("correct", True, 1.0)
    bad = evaluator.evaluate(Case(input="q", output="Lyon", expected="Paris"))
    assert (bad.label, bad.passed, bad.score) == ("incorrect", False, 0.0)


def test_out_of_format_answer_is_an_item_error(provider: Provider) -> None:
    for grading in (FIVE_POINT, LABELS):
        verdict = judge(provider, grading).evaluate(
            Case(input="q", output="Paris JUDGE_OUT_OF_FORMAT", expected="Paris")
        )
        assert verdict.error is not None
        assert "did not answer with a JSON object" in verdict.error
        assert (verdict.score, verdict.passed) == (None, None)


class _TellsTheJudgeZeroToTen(Scale):
    """Asks for 0..10 but grades on its own 1..5: the judge's 10 is out of scale."""

    def instruction(self) -> str:
        return Scale(0, 10, 5).instruction()


def test_score_outside_the_scale_is_an_item_error(provider: Provider) -> None:
    verdict = judge(provider, _TellsTheJudgeZeroToTen(1, 5, 4)).evaluate(
        Case(input="q", output="Paris", expected="Paris")
    )
    assert verdict.error == "the judge's score 10 is outside 1..5"
    assert verdict.passed is None


def test_failed_judge_call_is_an_item_error(llm: LocalLLM, provider: Provider) -> None:
    llm.fail_next(400)
    verdict = judge(provider, FIVE_POINT).evaluate(Case(input="q", output="a", expected="a"))
    assert verdict.error is not None
    assert verdict.error.startswith("judge call failed: HTTP 400")


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("I'd say 4 out of 5.", "did not answer with a JSON object"),
        ("[4]", "did not answer with a JSON object"),
        ('{"score": "4", "reasoning": "ok"}', "no numeric 'score'"),
        ('{"score": true, "reasoning": "ok"}', "no numeric 'score'"),
        ('{"reasoning": "ok"}', "no numeric 'score'"),
        ('{"score": 6, "reasoning": "ok"}', "outside 1..5"),
        ('{"score": 0.5, "reasoning": "ok"}', "outside 1..5"),
        ('{"score": NaN, "reasoning": "ok"}', "outside 1..5"),
        ('{"score": 4}', "no string 'reasoning'"),
        ('{"score": 4, "reasoning": ["a"]}', "no string 'reasoning'"),
    ],
)
def test_parse_verdict_scale_errors(answer: str, problem: str) -> None:
    verdict = parse_verdict(answer, FIVE_POINT)
    assert verdict.error is not None
    assert problem in verdict.error
    assert verdict.score is None


def test_parse_verdict_scale_values() -> None:
    verdict = parse_verdict(
        '```json\n{"score": 3, "reasoning": "fine", "extra": 1}\n```', FIVE_POINT
    )
    assert (verdict.score, verdict.passed, verdict.label, verdict.reason) == (
        0.5,
        False,
        "3",
        "fine",
    )
    assert parse_verdict('{"score": 4.0, "reasoning": ""}', FIVE_POINT).passed is True


def test_parse_verdict_labels() -> None:
    ok = parse_verdict('{"label": "partially correct", "reasoning": "half"}', LABELS)
    assert (ok.label, ok.passed, ok.score) == ("partially correct", False, 0.0)
    for answer in ('{"label": "Correct", "reasoning": "x"}', '{"label": 1, "reasoning": "x"}'):
        wrong = parse_verdict(answer, LABELS)
        assert wrong.error is not None
        assert "is not one of" in wrong.error
    assert parse_verdict('{"label": "correct"}', LABELS).error is not None


def test_parse_pairwise() -> None:
    assert parse_pairwise('{"winner": "B", "reasoning": "shorter"}') == ("B", "shorter")
    for answer in ('{"winner": "b", "reasoning": ""}', "A is better", '{"winner": "A"}'):
        parsed = parse_pairwise(answer)
        assert not isinstance(parsed, tuple)
        assert parsed.error is not None


# -- grading specs ----------------------------------------------------------------------------


def test_grading_from_spec() -> None:
    assert grading_from_spec({"scale": [1, 5], "pass_at": 4}) == Scale(1.0, 5.0, 4.0)
    assert grading_from_spec({"scale": [0, 10]}) == Scale(0.0, 10.0, 10.0)
    assert grading_from_spec({"labels": ["good", "bad"]}) == LabelSet(("good", "bad"), ("good",))
    assert grading_from_spec(
        {"type": "judge", "labels": ["a", "b", "c"], "passing": ["a", "b"], "model": "m"}
    ) == LabelSet(("a", "b", "c"), ("a", "b"))


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({}, "scale"),
        ({"scale": [5, 1]}, "scale"),
        ({"scale": [1, 2, 3]}, "scale"),
        ({"scale": "1-5"}, "scale"),
        ({"scale": [1, True]}, "scale"),
        ({"scale": [1, 5], "pass_at": 6}, "pass_at"),
        ({"scale": [1, 5], "pass_at": True}, "pass_at"),
        ({"scale": [1, 5], "passing": ["a"]}, "passing"),
        ({"labels": ["only"]}, "labels"),
        ({"labels": ["a", "a"]}, "labels"),
        ({"labels": ["a", ""]}, "labels"),
        ({"labels": ["a", "b"], "passing": ["c"]}, "passing"),
        ({"labels": ["a", "b"], "passing": []}, "passing"),
        ({"labels": ["a", "b"], "passing": [["a"]]}, "passing"),
        ({"labels": ["a", "b"], "pass_at": 1}, "pass_at"),
        ({"scale": [1, 5], "labels": ["a", "b"]}, "labels"),
    ],
)
def test_grading_spec_errors_name_the_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(JudgeConfigError) as caught:
        grading_from_spec(spec)
    assert caught.value.field == field


# -- pairwise ---------------------------------------------------------------------------------


def pairwise(provider: Provider, seed: int) -> PairwiseJudge:
    return PairwiseJudge(
        name="vs-baseline",
        rubric=PAIRWISE_RUBRIC,
        provider=provider,
        model="judge-model",
        rng=random.Random(seed),  # noqa: S311 — ordering, not security
    )


def pair(candidate: str, baseline: str) -> Case:
    return Case(
        input="Capital of France?",
        output=candidate,
        expected="Paris",
        metadata={"baseline_output": baseline},
    )


def test_pairwise_maps_both_orders_back_to_the_candidate(provider: Provider) -> None:
    seed = 1234
    draws = random.Random(seed)  # noqa: S311 — the same sequence the judge will draw
    candidate_first = [draws.random() < 0.5 for _ in range(12)]
    assert any(candidate_first)
    assert not all(candidate_first)  # the seed shows the candidate both as A and as B

    evaluator = pairwise(provider, seed)
    wins = [evaluator.evaluate(pair("It is Paris.", "It is Lyon.")) for _ in range(6)]
    losses = [evaluator.evaluate(pair("It is Lyon.", "It is Paris.")) for _ in range(6)]
    for verdict in wins:
        assert (verdict.label, verdict.score, verdict.passed) == ("win", 1.0, True)
    for verdict in losses:
        assert (verdict.label, verdict.score, verdict.passed) == ("loss", 0.0, False)
    shown = ["as A" in v.reason for v in wins + losses]
    assert shown == candidate_first


def test_pairwise_ties(provider: Provider) -> None:
    evaluator = pairwise(provider, 5)
    both = evaluator.evaluate(pair("Paris.", "paris!"))
    assert (both.label, both.score, both.passed) == ("tie", 0.5, True)
    neither = evaluator.evaluate(pair("Lyon", "Nice"))
    assert (neither.label, neither.score) == ("tie", 0.5)


def test_pairwise_errors(provider: Provider) -> None:
    evaluator = pairwise(provider, 5)
    no_baseline = evaluator.evaluate(Case(input="q", output="Paris", expected="Paris"))
    assert no_baseline.error is not None
    assert "baseline" in no_baseline.error
    prose = evaluator.evaluate(pair("Paris JUDGE_OUT_OF_FORMAT", "Lyon"))
    assert prose.error is not None
    assert "did not answer with a JSON object" in prose.error


# -- tracing ----------------------------------------------------------------------------------


def test_judge_calls_are_traced_with_token_usage(llm: LocalLLM) -> None:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    errors_before = safety.internal_error_count
    traced = Provider(
        ProviderConfig(base_url=llm.base_url, api_key="local", max_backoff_seconds=0.01),
        tracer=tracer_provider.get_tracer("llmops-evals-test"),
    )
    evaluator = judge(traced, FIVE_POINT)
    case = Case(input="Capital of France?", output="Paris", expected="Paris")
    assert evaluator.evaluate(case).passed is True

    spans = exporter.get_finished_spans()
    assert len(spans) == 1
    attributes = dict(spans[0].attributes or {})
    prompt_words = sum(len(m["content"].split()) for m in evaluator.messages(case))
    assert spans[0].name == "chat judge-model"
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.request.model"] == "judge-model"
    assert attributes["gen_ai.usage.input_tokens"] == prompt_words
    reply = json.dumps({"score": 5, "reasoning": "the output contains the expected answer"})
    assert attributes["gen_ai.usage.output_tokens"] == len(reply.split())

    # Every attempt of a retried call is a span of its own; the failed one says why.
    exporter.clear()
    llm.fail_next(500)
    assert evaluator.evaluate(case).passed is True
    failed, succeeded = exporter.get_finished_spans()
    assert failed.status.status_code is StatusCode.ERROR
    assert "gen_ai.usage.input_tokens" not in (failed.attributes or {})
    assert (succeeded.attributes or {})["gen_ai.usage.input_tokens"] == prompt_words
    assert safety.internal_error_count == errors_before


def test_untraced_provider_makes_no_spans(provider: Provider) -> None:
    assert not hasattr(provider.client.chat.completions.create, "__llmops_wrapped__")
