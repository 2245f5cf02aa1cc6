"""Structured-output checks: the output is JSON, and optionally conforms to a JSON Schema.

A string output is parsed with ``json.loads``; any other output (a dict or list returned by a
tool-calling model, say) is taken to be the already-parsed document. ``strip_fences`` first
removes one surrounding Markdown code fence (```` ```json ... ``` ````), which chat models add
even when told not to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

# jsonschema ships no type information (the types-jsonschema stubs are not a dependency).
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import (  # type: ignore[import-untyped]
    SchemaError,
    ValidationError,
    best_match,
)

from llmops_evals._common import Metric, check_name, clip, pass_fail
from llmops_evals.cases import Case, EvaluatorConfigError, Verdict

__all__ = ["JsonSchemaMatch", "JsonValid", "json_path"]

_FENCE_RE = re.compile(r"\A\s*```[^\n`]*\n(?P<body>.*?)\n?```\s*\Z", re.DOTALL)


class _Unparsable(Exception):
    pass


def _check_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise EvaluatorConfigError(f"{field} must be true or false", field=field)
    return value


def _document(output: Any, *, strip_fences: bool) -> Any:
    if not isinstance(output, str):
        return output
    text = output
    if strip_fences:
        fenced = _FENCE_RE.match(text)
        if fenced is not None:
            text = fenced.group("body")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Unparsable(
            f"output is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc


def json_path(path: Any) -> str:
    """Render a jsonschema error path (``deque(['items', 0, 'name'])``) as ``$.items[0].name``."""
    rendered = "$"
    for part in path:
        if isinstance(part, int):
            rendered += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            rendered += f".{part}"
        else:
            rendered += f"[{json.dumps(part, ensure_ascii=False)}]"
    return rendered


class JsonValid(Metric):
    """The output parses as JSON."""

    def __init__(self, *, name: str = "json_valid", strip_fences: bool = False) -> None:
        self.name = check_name(name)
        self.strip_fences = _check_bool(strip_fences, "strip_fences")

    def _evaluate(self, case: Case) -> Verdict:
        if case.output is None:
            return pass_fail(False, "no output")
        try:
            document = _document(case.output, strip_fences=self.strip_fences)
        except _Unparsable as exc:
            return pass_fail(False, str(exc))
        if not isinstance(case.output, str):
            try:
                json.dumps(document, allow_nan=False)
            except (TypeError, ValueError) as exc:
                return pass_fail(False, f"output is not JSON-serialisable: {exc}")
        return pass_fail(True, f"valid JSON {type(document).__name__}")


class JsonSchemaMatch(Metric):
    """The output is JSON that validates against ``schema`` (JSON Schema draft 2020-12).

    The reason of a failing verdict names the JSON path of the most relevant error, as picked by
    ``jsonschema.exceptions.best_match``, and how many errors there were in all.
    """

    def __init__(
        self,
        schema: Mapping[str, Any] | bool,
        *,
        name: str = "json_schema",
        strip_fences: bool = False,
    ) -> None:
        self.name = check_name(name)
        # A boolean is a legal (if degenerate) schema in draft 2020-12.
        if not isinstance(schema, Mapping | bool):
            raise EvaluatorConfigError("schema must be a JSON object", field="schema")
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            where = json_path(exc.path)
            raise EvaluatorConfigError(
                f"schema is not a valid draft 2020-12 schema at {where}: {exc.message}",
                field="schema",
            ) from exc
        self.schema = schema
        self._validator = Draft202012Validator(schema)
        self.strip_fences = _check_bool(strip_fences, "strip_fences")

    def _evaluate(self, case: Case) -> Verdict:
        if case.output is None:
            return pass_fail(False, "no output")
        try:
            document = _document(case.output, strip_fences=self.strip_fences)
        except _Unparsable as exc:
            return pass_fail(False, str(exc))
        errors: list[ValidationError] = list(self._validator.iter_errors(document))
        if not errors:
            return pass_fail(True, "output conforms to the schema")
        worst = best_match(errors)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return pass_fail(False, f"{json_path(worst.absolute_path)}: {clip(worst.message)}{more}")
