"""Evaluators built from JSON specs, and spec errors that name the offending key."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import pytest

from llmops_evals import (
    METRIC_TYPES,
    Case,
    Evaluator,
    EvaluatorConfigError,
    Verdict,
    build_evaluator,
    register,
    registered_types,
)

# One passing case per built-in type.
PASSING: dict[str, tuple[dict[str, Any], Case]] = {
    "exact_match": ({"case_sensitive": False}, Case(output="PARIS", expected="paris")),
    "contains": ({"value": ["refund"]}, Case(output="a refund")),
    "not_contains": ({"value": "sorry", "mode": "any"}, Case(output="done")),
    "regex": ({"pattern": r"^\d+$", "full_match": True}, Case(output="123")),
    "json_valid": ({"strip_fences": True}, Case(output="```json\n{}\n```")),
    "json_schema": ({"schema": {"type": "array"}}, Case(output="[1]")),
    "levenshtein": ({"threshold": 0.8}, Case(output="colour", expected="color")),
    "bleu": (
        {"threshold": 0.9},
        Case(output="the cat sat on the mat", expected="the cat sat on the mat"),
    ),
    "rouge_l": ({"threshold": 0.9}, Case(output="the cat sat", expected="The cat sat.")),
    "numeric_close": ({"abs_tol": 1, "extract": True}, Case(output="about 41", expected=42)),
    "length": ({"min": 1, "max": 3, "unit": "words"}, Case(output="three short words")),
    "latency": ({"max_ms": 100}, Case(output="x", metadata={"latency_ms": 99})),
    "cost": ({"max": 0.5}, Case(output="x", metadata={"cost": 0.1})),
    "tokens": (
        {"max": 10, "key": "output_tokens"},
        Case(output="x", metadata={"output_tokens": 9}),
    ),
}


def test_every_builtin_type_is_covered() -> None:
    assert set(PASSING) == METRIC_TYPES


@pytest.mark.parametrize("type_name", sorted(PASSING))
def test_builtin_types_build_and_evaluate(type_name: str) -> None:
    options, case = PASSING[type_name]
    evaluator = build_evaluator({"type": type_name, **options})
    assert isinstance(evaluator, Evaluator)
    assert evaluator.name == type_name
    verdict = evaluator.evaluate(case)
    assert verdict.error is None, verdict.error
    assert verdict.passed is True, verdict.reason


def test_name_and_null_keys() -> None:
    evaluator = build_evaluator({"type": "contains", "name": "mentions refund", "value": "refund"})
    assert evaluator.name == "mentions refund"
    # A null value counts as not given: contains then reads the case's expected value.
    from_expected = build_evaluator({"type": "contains", "value": None})
    assert from_expected.evaluate(Case(output="hello world", expected="world")).passed is True


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({}, "type"),
        ({"type": 3}, "type"),
        ({"type": "no_such_metric"}, "type"),
        ({"type": "exact_match", "name": ""}, "name"),
        ({"type": "exact_match", "name": 5}, "name"),
        ({"type": "exact_match", "colour": "red"}, "colour"),
        ({"type": "regex"}, "pattern"),
        ({"type": "regex", "pattern": "("}, "pattern"),
        ({"type": "regex", "pattern": "x", "ignore_case": "yes"}, "ignore_case"),
        ({"type": "json_schema"}, "schema"),
        ({"type": "json_schema", "schema": "object"}, "schema"),
        ({"type": "levenshtein", "threshold": "high"}, "threshold"),
        ({"type": "levenshtein", "threshold": 2}, "threshold"),
        ({"type": "bleu", "smooth": "add-k"}, "smooth"),
        ({"type": "bleu", "smooth_value": 0.2}, "smooth_value"),
        ({"type": "rouge_l", "threshold": True}, "threshold"),
        ({"type": "numeric_close", "abs_tol": -0.5}, "abs_tol"),
        ({"type": "length", "min": 1.5}, "min"),
        ({"type": "length", "min": 4, "max": 2}, "min"),
        ({"type": "latency"}, "max_ms"),
        ({"type": "cost", "max": "cheap"}, "max"),
        ({"type": "tokens", "max": 10, "key": "all"}, "key"),
        ({"type": "contains", "value": []}, "value"),
        ({"type": "contains", "value": "x", "mode": "most"}, "mode"),
    ],
)
def test_bad_specs_name_the_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(EvaluatorConfigError) as caught:
        build_evaluator(spec)
    assert caught.value.field == field, str(caught.value)


def test_non_object_spec() -> None:
    with pytest.raises(EvaluatorConfigError):
        build_evaluator(["exact_match"])  # type: ignore[arg-type]


def test_config_error_keeps_its_field_across_pickling() -> None:
    error = EvaluatorConfigError("bad", field="threshold")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 — our own object
    assert (str(copy), copy.field) == ("bad", "threshold")


class _Always:
    def __init__(self, name: str, passed: bool) -> None:
        self.name = name
        self.passed = passed

    def evaluate(self, case: Case) -> Verdict:
        return Verdict(score=float(self.passed), passed=self.passed)


def _always(spec: Mapping[str, Any]) -> Evaluator:
    return _Always(spec["name"], bool(spec.get("passed", True)))


def test_register_adds_a_type_once() -> None:
    type_name = "test_always_registry"
    register(type_name, _always)
    assert type_name in registered_types()
    assert type_name not in METRIC_TYPES
    built = build_evaluator({"type": type_name, "passed": False})
    assert built.evaluate(Case()).passed is False
    with pytest.raises(ValueError, match="already registered"):
        register(type_name, _always)
    register(type_name, _always, replace=True)
    with pytest.raises(ValueError, match="non-empty"):
        register("", _always)


def test_import_is_light() -> None:
    """The library imports without Django, the reference scorers or the openai client."""
    code = (
        "import sys, llmops_evals\n"
        "heavy = {'django', 'sacrebleu', 'rouge_score', 'openai', 'llmops_sdk'}\n"
        "heavy &= set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run(  # noqa: S603 — our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
