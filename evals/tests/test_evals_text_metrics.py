"""Exact match, containment, regex, edit distance, length and numeric closeness."""

from __future__ import annotations

from typing import Any

import pytest

from llmops_evals import (
    Case,
    Contains,
    EvaluatorConfigError,
    ExactMatch,
    LengthCheck,
    LevenshteinSimilarity,
    NotContains,
    NumericClose,
    RegexMatch,
    levenshtein_distance,
    levenshtein_similarity,
)


def case(output: Any, expected: Any = None, **metadata: Any) -> Case:
    return Case(input="question", output=output, expected=expected, metadata=metadata)


# -- exact match ------------------------------------------------------------------------------


def test_exact_match_passes_and_fails() -> None:
    metric = ExactMatch()
    hit = metric.evaluate(case("Paris", "Paris"))
    assert (hit.score, hit.passed, hit.error) == (1.0, True, None)
    miss = metric.evaluate(case("paris", "Paris"))
    assert (miss.score, miss.passed) == (0.0, False)
    assert "'Paris'" in miss.reason
    assert "'paris'" in miss.reason


def test_exact_match_strip_and_case_options() -> None:
    assert ExactMatch().evaluate(case("  Paris\n", "Paris")).passed is True
    assert ExactMatch(strip=False).evaluate(case("  Paris\n", "Paris")).passed is False
    assert ExactMatch(case_sensitive=False).evaluate(case("PARIS", "paris")).passed is True
    # casefold, not lower: the German sharp s equals "ss".
    assert ExactMatch(case_sensitive=False).evaluate(case("STRASSE", "straße")).passed is True


def test_exact_match_compares_structured_values_in_json_form() -> None:
    metric = ExactMatch()
    assert metric.evaluate(case({"b": 1, "a": [1, 2]}, {"a": [1, 2], "b": 1})).passed is True
    assert metric.evaluate(case({"a": 1}, {"a": 2})).passed is False
    # No output at all is the empty string: it fails rather than errors.
    empty = metric.evaluate(case(None, "x"))
    assert (empty.passed, empty.error) == (False, None)


def test_exact_match_without_expected_is_an_error_not_a_failure() -> None:
    verdict = ExactMatch(name="em").evaluate(case("Paris"))
    assert verdict.error is not None
    assert verdict.error.startswith("em:")
    assert verdict.score is None
    assert verdict.passed is None


def test_exact_match_bad_config_names_the_field() -> None:
    with pytest.raises(EvaluatorConfigError) as caught:
        ExactMatch(case_sensitive="yes")  # type: ignore[arg-type]
    assert caught.value.field == "case_sensitive"
    with pytest.raises(EvaluatorConfigError) as caught:
        ExactMatch(name="  ")
    assert caught.value.field == "name"


# -- contains / not contains ------------------------------------------------------------------


def test_contains_all_and_any_modes() -> None:
    output = "Your refund will arrive within 5 business days."
    both = Contains(["refund", "5 business days"]).evaluate(case(output))
    assert (both.score, both.passed) == (1.0, True)
    half = Contains(["refund", "store credit"]).evaluate(case(output))
    assert (half.score, half.passed) == (0.5, False)
    assert "store credit" in half.reason
    assert Contains(["refund", "store credit"], mode="any").evaluate(case(output)).passed is True
    assert Contains(["voucher", "store credit"], mode="any").evaluate(case(output)).passed is False


def test_contains_threshold_replaces_mode() -> None:
    output = "alpha beta gamma"
    metric = Contains(["alpha", "beta", "delta"], threshold=0.6)
    verdict = metric.evaluate(case(output))
    assert verdict.score == pytest.approx(2 / 3)
    assert verdict.passed is True
    assert Contains(["alpha", "delta", "omega"], threshold=0.6).evaluate(case(output)).passed is (
        False
    )


def test_contains_case_sensitivity() -> None:
    assert Contains("Refund").evaluate(case("your refund")).passed is False
    assert Contains("Refund", case_sensitive=False).evaluate(case("your REFUND")).passed is True


def test_contains_takes_keywords_from_expected_when_no_value() -> None:
    metric = Contains()
    assert metric.evaluate(case("the capital is Paris", "Paris")).passed is True
    assert metric.evaluate(case("the capital is Paris", ["Paris", "France"])).score == 0.5
    assert metric.evaluate(case("Paris")).error is not None
    assert metric.evaluate(case("Paris", "")).error is not None


def test_not_contains_mirrors_contains() -> None:
    output = "I cannot help with that, as an AI language model."
    banned = NotContains(["as an AI", "sorry"])
    verdict = banned.evaluate(case(output))
    assert (verdict.score, verdict.passed) == (0.5, False)
    assert "as an AI" in verdict.reason
    assert NotContains(["sorry", "apologise"]).evaluate(case(output)).passed is True
    assert NotContains(["as an AI", "sorry"], mode="any").evaluate(case(output)).passed is True
    assert NotContains("AS AN AI", case_sensitive=False).evaluate(case(output)).passed is False


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"value": []}, "value"),
        ({"value": ["ok", ""]}, "value"),
        ({"value": 3}, "value"),
        ({"value": "x", "mode": "some"}, "mode"),
        ({"value": "x", "threshold": 1.5}, "threshold"),
        ({"value": "x", "case_sensitive": 1}, "case_sensitive"),
    ],
)
def test_contains_bad_config_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    for metric in (Contains, NotContains):
        with pytest.raises(EvaluatorConfigError) as caught:
            metric(**kwargs)
        assert caught.value.field == field


# -- regex ------------------------------------------------------------------------------------


def test_regex_search_and_full_match() -> None:
    order_id = RegexMatch(r"ORD-\d{6}")
    hit = order_id.evaluate(case("Your order ORD-123456 has shipped."))
    assert hit.passed is True
    assert "ORD-123456" in hit.reason
    assert order_id.evaluate(case("Your order ORD-12 has shipped.")).passed is False
    whole = RegexMatch(r"ORD-\d{6}", full_match=True)
    assert whole.evaluate(case("ORD-123456")).passed is True
    assert whole.evaluate(case("order ORD-123456")).passed is False


def test_regex_ignore_case() -> None:
    assert RegexMatch("yes").evaluate(case("YES")).passed is False
    assert RegexMatch("yes", ignore_case=True).evaluate(case("YES")).passed is True


def test_regex_invalid_pattern_names_the_field() -> None:
    with pytest.raises(EvaluatorConfigError) as caught:
        RegexMatch("([unclosed")
    assert caught.value.field == "pattern"
    with pytest.raises(EvaluatorConfigError) as caught:
        RegexMatch("x", full_match="no")  # type: ignore[arg-type]
    assert caught.value.field == "full_match"


# -- Levenshtein ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("", "abc", 3),
        ("abc", "", 3),
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("intention", "execution", 5),
        ("abcdef", "abcdef", 0),
        ("prefix-middle-suffix", "prefix-MIDDLE-suffix", 6),
        ("ab", "ba", 2),
        ("gumbo", "gambol", 2),
    ],
)
def test_levenshtein_distance(a: str, b: str, distance: int) -> None:
    assert levenshtein_distance(a, b) == distance
    assert levenshtein_distance(b, a) == distance


def test_levenshtein_similarity_values() -> None:
    assert levenshtein_similarity("", "") == 1.0
    assert levenshtein_similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert levenshtein_similarity("abc", "xyz") == 0.0


def test_levenshtein_metric_threshold_and_normalisation() -> None:
    metric = LevenshteinSimilarity(threshold=0.8)
    close = metric.evaluate(case("colour", "color"))
    assert close.score == pytest.approx(1 - 1 / 6)
    assert close.passed is True
    assert "edit distance 1" in close.reason
    assert metric.evaluate(case("kitten", "sitting")).passed is False
    assert LevenshteinSimilarity(case_sensitive=False).evaluate(case("ABC", "abc")).score == 1.0
    assert LevenshteinSimilarity().evaluate(case(" abc ", "abc")).score == 1.0
    assert LevenshteinSimilarity().evaluate(case("abc")).error is not None


def test_levenshtein_bad_threshold_names_the_field() -> None:
    for bad in (-0.1, 1.1, True, "0.5"):
        with pytest.raises(EvaluatorConfigError) as caught:
            LevenshteinSimilarity(threshold=bad)  # type: ignore[arg-type]
        assert caught.value.field == "threshold"


# -- length -----------------------------------------------------------------------------------


def test_length_in_chars_and_words() -> None:
    chars = LengthCheck(minimum=3, maximum=5)
    assert chars.evaluate(case("abcd")).passed is True
    assert chars.evaluate(case("ab")).passed is False
    assert "fewer than the minimum 3" in chars.evaluate(case("ab")).reason
    assert chars.evaluate(case("abcdef")).passed is False
    assert chars.evaluate(case("abc")).passed is True  # bounds are inclusive
    assert chars.evaluate(case("abcde")).passed is True
    words = LengthCheck(maximum=3, unit="words")
    assert words.evaluate(case("one two  three\n")).passed is True
    assert words.evaluate(case("one two three four")).passed is False
    assert LengthCheck(minimum=1).evaluate(case(None)).passed is False


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "max"),
        ({"minimum": -1}, "min"),
        ({"maximum": 2.5}, "max"),
        ({"minimum": 5, "maximum": 2}, "min"),
        ({"maximum": 2, "unit": "tokens"}, "unit"),
    ],
)
def test_length_bad_config_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(EvaluatorConfigError) as caught:
        LengthCheck(**kwargs)
    assert caught.value.field == field


# -- numeric closeness ------------------------------------------------------------------------


def test_numeric_close_default_is_float_equality() -> None:
    metric = NumericClose()
    assert metric.evaluate(case("0.30000000000000004", 0.3)).passed is True
    assert metric.evaluate(case(42, "42")).passed is True
    assert metric.evaluate(case("42.001", 42)).passed is False


def test_numeric_close_tolerances() -> None:
    absolute = NumericClose(abs_tol=0.5)
    assert absolute.evaluate(case("10.4", 10)).passed is True
    assert absolute.evaluate(case("10.6", 10)).passed is False
    relative = NumericClose(rel_tol=0.01)
    assert relative.evaluate(case(1005, 1000)).passed is True
    assert relative.evaluate(case(1020, 1000)).passed is False
    # Either tolerance suffices when both are given.
    both = NumericClose(abs_tol=0.1, rel_tol=0.01)
    assert both.evaluate(case(1005, 1000)).passed is True
    assert both.evaluate(case(0.05, 0)).passed is True


def test_numeric_close_extracts_the_last_number() -> None:
    metric = NumericClose(extract=True, abs_tol=0.001)
    assert metric.evaluate(case("3 items at 411.5 each, so the total is 1,234.50", 1234.5)).passed
    assert metric.evaluate(case("the answer is -2.5e3", -2500)).passed is True
    assert NumericClose().evaluate(case("the total is 1234.5", 1234.5)).error is not None


def test_numeric_close_errors_on_non_numbers() -> None:
    metric = NumericClose()
    assert metric.evaluate(case("n/a", 1)).error is not None
    assert metric.evaluate(case(True, 1)).error is not None  # a boolean is not a quantity
    assert metric.evaluate(case("nan", 1)).error is not None
    assert metric.evaluate(case("1", "one")).error is not None
    assert metric.evaluate(case("1")).error is not None


def test_numeric_close_bad_config_names_the_field() -> None:
    with pytest.raises(EvaluatorConfigError) as caught:
        NumericClose(abs_tol=-1)
    assert caught.value.field == "abs_tol"
    with pytest.raises(EvaluatorConfigError) as caught:
        NumericClose(rel_tol=float("inf"))
    assert caught.value.field == "rel_tol"
