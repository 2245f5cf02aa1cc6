"""MLflow's run search language, parsed here into Django ORM queries.

``params.lr = '0.01' and metrics.loss < 0.5 and tags.`x` != 'y'``: clauses joined by ``AND``,
each an entity (params, metrics, tags, attributes) with a key, a comparator and a value.
``order_by`` entries look like ``metrics.loss ASC`` or ``attributes.start_time DESC``.
Anything else raises :class:`SearchError`, which the views answer with INVALID_PARAMETER_VALUE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from llmops.tracking.models import LatestMetric, Param, Run, RunTag


class SearchError(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    kind: str  # "ident", "string", "number", "op", "lparen", "rparen", "comma", "and"
    text: str


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<lparen>\()
      | (?P<rparen>\))
      | (?P<comma>,)
      | (?P<ident>(?:[A-Za-z_][\w]*|`[^`]*`)(?:\.(?:[\w.\-]+|`[^`]*`|"[^"]*"))?)
    )""",
    re.VERBOSE,
)

_PREFIXES = {
    "params": "params",
    "param": "params",
    "parameter": "params",
    "parameters": "params",
    "metrics": "metrics",
    "metric": "metrics",
    "tags": "tags",
    "tag": "tags",
    "attributes": "attributes",
    "attribute": "attributes",
    "attr": "attributes",
    "run": "attributes",
}
_STRING_ATTRIBUTES = {
    "status": "status",
    "run_name": "name",
    "run_id": "run_id",
    "user_id": "user_id",
    "artifact_uri": "artifact_uri",
    "lifecycle_stage": "lifecycle_stage",
}
_NUMERIC_ATTRIBUTES = {"start_time": "start_time", "end_time": "end_time"}
_NUMERIC_OPS = {"=", "!=", "<", "<=", ">", ">="}
_STRING_OPS = {"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"}
_LOOKUP = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise SearchError(f"Invalid filter near {text[position : position + 20]!r}.")
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "ident" and value.upper() in ("AND", "LIKE", "ILIKE", "IN", "NOT"):
            kind = "and" if value.upper() == "AND" else "op"
            value = value.upper()
        if kind == "op" and value == "<>":
            value = "!="
        tokens.append(Token(kind, value))
    # "NOT IN" is one comparator.
    merged: list[Token] = []
    for token in tokens:
        if token.text == "IN" and merged and merged[-1].text == "NOT":
            merged[-1] = Token("op", "NOT IN")
        else:
            merged.append(token)
    if any(token.text == "NOT" for token in merged):
        raise SearchError("NOT is only supported as part of NOT IN.")
    return merged


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        inner = text[1:-1]
        return re.sub(r"\\(.)", r"\1", inner) if text[0] != "`" else inner
    return text


def _split_identifier(text: str) -> tuple[str, str]:
    if text.startswith("`"):
        return "attributes", _unquote(text)
    if "." not in text:
        return "attributes", text
    prefix, key = text.split(".", 1)
    entity = _PREFIXES.get(prefix.lower())
    if entity is None:
        raise SearchError(
            f"Invalid entity type '{prefix}'. Use params, metrics, tags or attributes."
        )
    key = _unquote(key)
    if not key:
        raise SearchError(f"Missing key in '{text}'.")
    return entity, key


@dataclass(frozen=True)
class Clause:
    entity: str
    key: str
    op: str
    value: Any


def parse_filter(text: str, *, validate: bool = True) -> list[Clause]:
    tokens = tokenize(text or "")
    clauses: list[Clause] = []
    index = 0
    while index < len(tokens):
        if clauses:
            if tokens[index].kind != "and":
                raise SearchError(f"Expected AND, found {tokens[index].text!r}.")
            index += 1
        if index + 2 > len(tokens) or tokens[index].kind != "ident":
            raise SearchError("Each clause needs an identifier, a comparator and a value.")
        entity, key = _split_identifier(tokens[index].text)
        if tokens[index + 1].kind != "op":
            raise SearchError(f"Expected a comparator after {tokens[index].text!r}.")
        op = tokens[index + 1].text
        index += 2
        if index >= len(tokens):
            raise SearchError(f"Missing value after {op!r}.")
        value: Any
        if op in ("IN", "NOT IN"):
            if tokens[index].kind != "lparen":
                raise SearchError(f"{op} needs a parenthesised list of strings.")
            index += 1
            items: list[str] = []
            while index < len(tokens) and tokens[index].kind != "rparen":
                if tokens[index].kind != "string":
                    raise SearchError(f"{op} lists hold quoted strings.")
                items.append(_unquote(tokens[index].text))
                index += 1
                if index < len(tokens) and tokens[index].kind == "comma":
                    index += 1
            if index >= len(tokens) or not items:
                raise SearchError(f"Unterminated or empty {op} list.")
            index += 1
            value = items
        else:
            token = tokens[index]
            index += 1
            if token.kind == "string":
                value = _unquote(token.text)
            elif token.kind == "number":
                value = float(token.text)
            else:
                raise SearchError(f"Invalid value {token.text!r}.")
        clause = Clause(entity, key, op, value)
        clauses.append(_checked(clause) if validate else clause)
    return clauses


def _checked(clause: Clause) -> Clause:
    numeric = clause.entity == "metrics" or (
        clause.entity == "attributes" and clause.key in _NUMERIC_ATTRIBUTES
    )
    if clause.entity == "attributes" and not (
        clause.key in _NUMERIC_ATTRIBUTES or clause.key in _STRING_ATTRIBUTES
    ):
        raise SearchError(f"Invalid attribute key '{clause.key}'.")
    if numeric:
        if clause.op not in _NUMERIC_OPS:
            raise SearchError(f"Invalid comparator '{clause.op}' for {clause.entity}.")
        if not isinstance(clause.value, float):
            try:
                return Clause(clause.entity, clause.key, clause.op, float(clause.value))
            except ValueError:
                raise SearchError(f"Expected a number for {clause.key}.") from None
    else:
        if clause.op not in _STRING_OPS:
            raise SearchError(f"Invalid comparator '{clause.op}' for {clause.entity}.")
        if isinstance(clause.value, float):
            raise SearchError(f"Expected a quoted string for {clause.key}.")
    return clause


def like_regex(pattern: str) -> str:
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return "^" + "".join(parts) + "$"


def _string_condition(field: str, op: str, value: Any) -> Q:
    if op == "=":
        return Q(**{field: value})
    if op == "!=":
        return ~Q(**{field: value})
    if op == "LIKE":
        return Q(**{f"{field}__regex": like_regex(value)})
    if op == "ILIKE":
        return Q(**{f"{field}__iregex": like_regex(value)})
    if op == "IN":
        return Q(**{f"{field}__in": value})
    return ~Q(**{f"{field}__in": value})


def _numeric_condition(field: str, op: str, value: float) -> Q:
    if op == "=":
        return Q(**{field: value})
    if op == "!=":
        return ~Q(**{field: value})
    return Q(**{f"{field}__{_LOOKUP[op]}": value})


def apply_filter(runs: QuerySet[Run], text: str) -> QuerySet[Run]:
    for clause in parse_filter(text):
        if clause.entity == "attributes":
            if clause.key in _NUMERIC_ATTRIBUTES:
                field = _NUMERIC_ATTRIBUTES[clause.key]
                runs = runs.filter(_numeric_condition(field, clause.op, clause.value))
            else:
                runs = runs.filter(
                    _string_condition(_STRING_ATTRIBUTES[clause.key], clause.op, clause.value)
                )
        elif clause.entity == "metrics":
            matching = LatestMetric.objects.filter(run=OuterRef("pk"), key=clause.key).filter(
                _numeric_condition("value", clause.op, clause.value)
            )
            runs = runs.filter(Exists(matching))
        else:
            model = Param if clause.entity == "params" else RunTag
            matching_rows = model._default_manager.filter(
                run=OuterRef("pk"), key=clause.key
            ).filter(_string_condition("value", clause.op, clause.value))
            runs = runs.filter(Exists(matching_rows))
    return runs


_ORDER = re.compile(r"^\s*(?P<field>.+?)(?:\s+(?P<direction>ASC|DESC))?\s*$", re.IGNORECASE)


def apply_order(runs: QuerySet[Run], order_by: list[str]) -> QuerySet[Run]:
    ordering: list[Any] = []
    for index, entry in enumerate(order_by):
        match = _ORDER.match(entry)
        if match is None or not match.group("field"):
            raise SearchError(f"Invalid order_by clause {entry!r}.")
        tokens = tokenize(match.group("field"))
        if len(tokens) != 1 or tokens[0].kind != "ident":
            raise SearchError(f"Invalid order_by clause {entry!r}.")
        entity, key = _split_identifier(tokens[0].text)
        descending = (match.group("direction") or "ASC").upper() == "DESC"
        expression: Any
        if entity == "attributes":
            field = _NUMERIC_ATTRIBUTES.get(key) or _STRING_ATTRIBUTES.get(key)
            if field is None:
                raise SearchError(f"Invalid attribute key '{key}' in order_by.")
            expression = F(field)
        else:
            model: Any = {"metrics": LatestMetric, "params": Param, "tags": RunTag}[entity]
            alias = f"_order_{index}"
            runs = runs.annotate(
                **{
                    alias: Subquery(
                        model._default_manager.filter(run=OuterRef("pk"), key=key).values("value")[
                            :1
                        ]
                    )
                }
            )
            expression = F(alias)
        ordering.append(
            expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        )
    ordering += [F("start_time").desc(), F("run_id").asc()]
    return runs.order_by(*ordering)
