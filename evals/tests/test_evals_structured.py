"""JSON validity and JSON-schema conformance."""

from __future__ import annotations

from typing import Any

import pytest

from llmops_evals import Case, EvaluatorConfigError, JsonSchemaMatch, JsonValid

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "items"],
    "properties": {
        "name": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["sku", "qty"],
                "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}},
            },
        },
    },
    "additionalProperties": False,
}


def out(output: Any) -> Case:
    return Case(output=output)


def test_json_valid() -> None:
    metric = JsonValid()
    good = metric.evaluate(out('{"a": [1, 2, null]}'))
    assert (good.passed, good.score) == (True, 1.0)
    assert "dict" in good.reason
    bad = metric.evaluate(out('{"a": [1, 2,]}'))
    assert (bad.passed, bad.score) == (False, 0.0)
    assert "line 1" in bad.reason
    assert metric.evaluate(out("")).passed is False
    assert metric.evaluate(out(None)).passed is False
    assert metric.evaluate(out("42")).passed is True  # any JSON value counts


def test_json_valid_accepts_parsed_documents_but_not_unserialisable_ones() -> None:
    metric = JsonValid()
    assert metric.evaluate(out({"tool": "search", "args": [1]})).passed is True
    assert metric.evaluate(out({"when": object()})).passed is False
    assert metric.evaluate(out({"x": float("nan")})).passed is False


def test_json_valid_strips_one_code_fence_only_when_asked() -> None:
    fenced = '```json\n{"ok": true}\n```'
    assert JsonValid().evaluate(out(fenced)).passed is False
    assert JsonValid(strip_fences=True).evaluate(out(fenced)).passed is True
    assert JsonValid(strip_fences=True).evaluate(out("```\n[1, 2]\n```\n")).passed is True
    assert JsonValid(strip_fences=True).evaluate(out('{"ok": true}')).passed is True


def test_json_schema_conforming_output_passes() -> None:
    metric = JsonSchemaMatch(SCHEMA)
    document = '{"name": "order", "items": [{"sku": "A1", "qty": 2}]}'
    verdict = metric.evaluate(out(document))
    assert (verdict.passed, verdict.score, verdict.error) == (True, 1.0, None)


def test_json_schema_failure_names_the_path() -> None:
    metric = JsonSchemaMatch(SCHEMA)
    wrong_type = metric.evaluate(out('{"name": "order", "items": [{"sku": "A1", "qty": "two"}]}'))
    assert wrong_type.passed is False
    assert wrong_type.reason.startswith("$.items[0].qty:")
    assert "integer" in wrong_type.reason
    missing = metric.evaluate(out({"name": "order"}))
    assert missing.passed is False
    assert "'items' is a required property" in missing.reason
    several = metric.evaluate(out({"name": 1, "items": "x", "extra": True}))
    assert several.passed is False
    assert "more)" in several.reason


def test_json_schema_unparsable_output_fails() -> None:
    verdict = JsonSchemaMatch(SCHEMA).evaluate(out("name: order"))
    assert verdict.passed is False
    assert "not valid JSON" in verdict.reason
    assert JsonSchemaMatch(SCHEMA).evaluate(out(None)).passed is False


def test_json_schema_with_fences_and_boolean_schema() -> None:
    fenced = '```json\n{"name": "n", "items": []}\n```'
    assert JsonSchemaMatch(SCHEMA, strip_fences=True).evaluate(out(fenced)).passed is True
    assert JsonSchemaMatch(True).evaluate(out("[1]")).passed is True
    assert JsonSchemaMatch(False).evaluate(out("[1]")).passed is False


def test_json_schema_bad_schema_names_the_field() -> None:
    with pytest.raises(EvaluatorConfigError) as caught:
        JsonSchemaMatch({"type": "no-such-type"})
    assert caught.value.field == "schema"
    with pytest.raises(EvaluatorConfigError) as caught:
        JsonSchemaMatch(["not", "a", "schema"])  # type: ignore[arg-type]
    assert caught.value.field == "schema"
    with pytest.raises(EvaluatorConfigError) as caught:
        JsonSchemaMatch(SCHEMA, strip_fences="yes")  # type: ignore[arg-type]
    assert caught.value.field == "strip_fences"
