"""Build evaluators from JSON specs, e.g. ``{"type": "contains", "value": "refund"}``.

Every spec has ``type`` (required) and ``name`` (defaults to the type); the other keys are the
options of that type, listed in :data:`SPEC_OPTIONS`. A key whose value is ``null`` counts as not
given. Unknown types, unknown keys, missing required keys and values of the wrong JSON type
raise :class:`~llmops_evals.cases.EvaluatorConfigError` with ``field`` set to the key.

Other modules add types with :func:`register`; :func:`parse_options` does the same key checking
for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from llmops_evals.cases import Evaluator, EvaluatorConfigError
from llmops_evals.overlap import Bleu, RougeL
from llmops_evals.structured import JsonSchemaMatch, JsonValid
from llmops_evals.text_metrics import (
    Contains,
    ExactMatch,
    LengthCheck,
    LevenshteinSimilarity,
    NotContains,
    NumericClose,
    RegexMatch,
)
from llmops_evals.thresholds import CostThreshold, LatencyThreshold, TokenThreshold

__all__ = [
    "METRIC_TYPES",
    "SPEC_OPTIONS",
    "Factory",
    "Option",
    "build_evaluator",
    "parse_options",
    "register",
    "registered_types",
]

Factory = Callable[[Mapping[str, Any]], Evaluator]
Kind = Literal["str", "bool", "number", "int", "str_or_str_list", "object", "schema", "any"]

_KIND_DESCRIPTIONS: dict[Kind, str] = {
    "str": "a string",
    "bool": "true or false",
    "number": "a number",
    "int": "an integer",
    "str_or_str_list": "a string or a list of strings",
    "object": "a JSON object",
    "schema": "a JSON object (or boolean) schema",
    "any": "any JSON value",
}


@dataclass(frozen=True)
class Option:
    """One spec key: its JSON type, whether it is required, and the constructor argument it
    feeds (``arg``, when that differs from the key)."""

    kind: Kind
    required: bool = False
    arg: str | None = None


def _has_kind(value: Any, kind: Kind) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("number", "int"):
        # JSON true/false arrive as bool, which Python counts as an int.
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if not math.isfinite(value):
            return False
        return kind == "number" or float(value).is_integer()
    if kind == "str_or_str_list":
        return isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        )
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "schema":
        return isinstance(value, Mapping | bool)
    return True


def parse_options(spec: Mapping[str, Any], options: Mapping[str, Option]) -> dict[str, Any]:
    """Check ``spec``'s keys (besides ``type`` and ``name``) against ``options``.

    Returns the constructor keyword arguments for the keys given.
    """
    for key in spec:
        if key not in ("type", "name") and key not in options:
            known = ", ".join(sorted(options)) or "none"
            raise EvaluatorConfigError(
                f"unknown key {key!r} for type {spec.get('type')!r} (options: {known})", field=key
            )
    kwargs: dict[str, Any] = {}
    for key, option in options.items():
        value = spec.get(key)
        if value is None:
            if option.required:
                raise EvaluatorConfigError(f"{key} is required", field=key)
            continue
        if not _has_kind(value, option.kind):
            raise EvaluatorConfigError(
                f"{key} must be {_KIND_DESCRIPTIONS[option.kind]}, got {type(value).__name__}",
                field=key,
            )
        if option.kind == "int":
            value = int(value)
        kwargs[option.arg or key] = value
    return kwargs


_THRESHOLD = Option("number")
_CASE_SENSITIVE = Option("bool")
_STRIP = Option("bool")
_CONTAINS = {
    "value": Option("str_or_str_list"),
    "mode": Option("str"),
    "case_sensitive": _CASE_SENSITIVE,
    "threshold": _THRESHOLD,
}

# The built-in metric types: constructor and spec keys.
_BUILTINS: dict[str, tuple[Callable[..., Evaluator], dict[str, Option]]] = {
    "exact_match": (ExactMatch, {"case_sensitive": _CASE_SENSITIVE, "strip": _STRIP}),
    "contains": (Contains, _CONTAINS),
    "not_contains": (NotContains, _CONTAINS),
    "regex": (
        RegexMatch,
        {
            "pattern": Option("str", required=True),
            "ignore_case": Option("bool"),
            "full_match": Option("bool"),
        },
    ),
    "json_valid": (JsonValid, {"strip_fences": Option("bool")}),
    "json_schema": (
        JsonSchemaMatch,
        {"schema": Option("schema", required=True), "strip_fences": Option("bool")},
    ),
    "levenshtein": (
        LevenshteinSimilarity,
        {"threshold": _THRESHOLD, "case_sensitive": _CASE_SENSITIVE, "strip": _STRIP},
    ),
    "bleu": (
        Bleu,
        {
            "threshold": _THRESHOLD,
            "smooth": Option("str"),
            "smooth_value": Option("number"),
            "lowercase": Option("bool"),
        },
    ),
    "rouge_l": (RougeL, {"threshold": _THRESHOLD}),
    "numeric_close": (
        NumericClose,
        {"abs_tol": Option("number"), "rel_tol": Option("number"), "extract": Option("bool")},
    ),
    "length": (
        LengthCheck,
        {
            "min": Option("int", arg="minimum"),
            "max": Option("int", arg="maximum"),
            "unit": Option("str"),
        },
    ),
    "latency": (LatencyThreshold, {"max_ms": Option("number", required=True)}),
    "cost": (CostThreshold, {"max": Option("number", required=True, arg="max_cost")}),
    "tokens": (
        TokenThreshold,
        {"max": Option("int", required=True, arg="max_tokens"), "key": Option("str")},
    ),
}

METRIC_TYPES: frozenset[str] = frozenset(_BUILTINS)
"""The metric types this package defines (types added with :func:`register` are not in it)."""

SPEC_OPTIONS: Mapping[str, Mapping[str, Option]] = {
    type_name: dict(options) for type_name, (_, options) in _BUILTINS.items()
}
"""Spec keys accepted by each built-in type, besides ``type`` and ``name``."""


def _builtin_factory(constructor: Callable[..., Evaluator], options: dict[str, Option]) -> Factory:
    def build(spec: Mapping[str, Any]) -> Evaluator:
        return constructor(name=spec["name"], **parse_options(spec, options))

    return build


_FACTORIES: dict[str, Factory] = {
    type_name: _builtin_factory(constructor, options)
    for type_name, (constructor, options) in _BUILTINS.items()
}


def register(type_name: str, factory: Factory, *, replace: bool = False) -> None:
    """Make ``build_evaluator`` handle specs of ``type_name`` with ``factory``.

    The factory receives the spec with ``name`` filled in (the type when the spec had none) and
    raises ``EvaluatorConfigError`` for bad keys. Re-registering a type needs ``replace=True``,
    so that two modules cannot silently fight over one name.
    """
    if not isinstance(type_name, str) or not type_name:
        raise ValueError("type_name must be a non-empty string")
    if not callable(factory):
        raise TypeError("factory must be callable")
    if type_name in _FACTORIES and not replace:
        raise ValueError(f"evaluator type {type_name!r} is already registered")
    _FACTORIES[type_name] = factory


def registered_types() -> frozenset[str]:
    """Every type ``build_evaluator`` accepts right now: built-ins and registered ones."""
    return frozenset(_FACTORIES)


def build_evaluator(spec: Mapping[str, Any]) -> Evaluator:
    """The evaluator a JSON spec describes."""
    if not isinstance(spec, Mapping):
        raise EvaluatorConfigError("an evaluator spec must be a JSON object", field="type")
    type_name = spec.get("type")
    if type_name is None:
        raise EvaluatorConfigError("type is required", field="type")
    if not isinstance(type_name, str):
        raise EvaluatorConfigError("type must be a string", field="type")
    factory = _FACTORIES.get(type_name)
    if factory is None:
        known = ", ".join(sorted(_FACTORIES))
        raise EvaluatorConfigError(
            f"unknown evaluator type {type_name!r} (known: {known})", field="type"
        )
    name = spec.get("name")
    if name is None:
        name = type_name
    elif not isinstance(name, str) or not name.strip():
        raise EvaluatorConfigError("name must be a non-empty string", field="name")
    return factory({**spec, "name": name})
