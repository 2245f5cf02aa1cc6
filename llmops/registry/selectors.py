"""Reads of the registry: lookups by name, MLflow's search filters, and download locations."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from llmops.domain_errors import Invalid, NotFound
from llmops.registry.domain import parse_stage
from llmops.registry.models import (
    AliasMove,
    ModelAlias,
    ModelVersion,
    RegisteredModel,
    StageTransition,
)
from llmops.tenancy.models import Project
from llmops.tracking import selectors as tracking

MAX_SEARCH_RESULTS = 10000
# A copy of a copy of ... resolves through at most this many versions.
MAX_COPY_DEPTH = 10
# The largest version number the database column holds.
MAX_VERSION = 2**31 - 1
# In a stage's place, MLflow's word for the newest version of all.
LATEST = "latest"


def model_get(*, project: Project, name: str) -> RegisteredModel:
    model = RegisteredModel.objects.filter(project=project, name=name).first()
    if model is None:
        raise NotFound(
            f"Registered Model with name={name} not found",
            field="name",
        )
    return model


def model_version_resolve(
    *,
    project: Project,
    name: str,
    version: int | str | None = None,
    alias: str | None = None,
    stage: str | None = None,
) -> ModelVersion:
    """The version a reference means, as MLflow's ``models:/`` URIs read; the one place that
    answers it. ``version`` (a number, or its text as MLflow's REST API sends it) wins; else
    ``alias`` (``models:/<name>@<alias>``); else ``stage``: the newest version in that stage,
    named in any case (``models:/<name>/Production``), or with ``latest`` the newest version
    of all (``models:/<name>/latest``). The version comes with its model loaded.

    Raises :class:`NotFound` (or :class:`Invalid` for a malformed reference) with MLflow's
    messages, naming the field at fault: ``name`` for a missing model (not for a version
    number: MLflow answers that with the version's message), else ``version``, ``alias`` or
    ``stage``.
    """
    versions = ModelVersion.objects.select_related("model").filter(
        model__project=project, model__name=name
    )
    if version is not None:
        try:
            number = int(version)
        except ValueError:
            raise Invalid(
                f"Parameter 'version' must be an integer, got '{version}'.", field="version"
            ) from None
        found = versions.filter(version=number).first() if 0 < number <= MAX_VERSION else None
        if found is None:
            raise NotFound(
                f"Model Version (name={name}, version={version}) not found",
                field="version",
            )
        return found
    if alias is not None:
        pointer = (
            ModelAlias.objects.select_related("version__model")
            .filter(model__project=project, model__name=name, alias=alias)
            .first()
        )
        if pointer is None:
            model_get(project=project, name=name)
            raise NotFound(
                f"Registered model alias {alias} not found.",
                field="alias",
            )
        return pointer.version
    if stage is None:
        raise Invalid("Give a version, an alias or a stage.", field="version")
    in_stage = ""
    if stage.lower() != LATEST:
        stage = parse_stage(stage)
        versions = versions.filter(current_stage=stage)
        in_stage = f" and stage '{stage}'"
    found = versions.order_by("-version").first()
    if found is None:
        model_get(project=project, name=name)
        raise NotFound(
            f"No versions of model with name '{name}'{in_stage} found",
            field="stage",
        )
    return found


def aliases_of_model(model: RegisteredModel) -> list[tuple[str, int]]:
    return list(
        ModelAlias.objects.filter(model=model)
        .order_by("alias")
        .values_list("alias", "version__version")
    )


def aliases_by_version(versions: Sequence[ModelVersion]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    rows = ModelAlias.objects.filter(version__in=[v.pk for v in versions]).order_by("alias")
    for version_id, alias in rows.values_list("version_id", "alias"):
        found.setdefault(version_id, []).append(alias)
    return found


def latest_versions(model: RegisteredModel, stages: Sequence[str] = ()) -> list[ModelVersion]:
    """The newest version in each stage (each of ``stages``, or every stage in use)."""
    latest: dict[str, ModelVersion] = {}
    for version in (
        ModelVersion.objects.filter(model=model).select_related("model").order_by("version")
    ):
        latest[version.current_stage] = version
    if stages:
        wanted = {s.lower() for s in stages}
        return [v for stage, v in latest.items() if stage.lower() in wanted]
    return sorted(latest.values(), key=lambda v: v.version)


def aliases_of_models(
    models_: Sequence[RegisteredModel],
) -> dict[int, list[tuple[str, int]]]:
    """:func:`aliases_of_model` for a page of models, in one query."""
    found: dict[int, list[tuple[str, int]]] = {m.pk: [] for m in models_}
    rows = ModelAlias.objects.filter(model__in=[m.pk for m in models_]).order_by("alias")
    for model_id, alias, number in rows.values_list("model_id", "alias", "version__version"):
        found[model_id].append((alias, number))
    return found


def latest_versions_of_models(
    models_: Sequence[RegisteredModel],
) -> dict[int, list[ModelVersion]]:
    """:func:`latest_versions` (every stage) for a page of models, in two queries that read
    only the newest version of each stage, however many versions the models have."""
    newest = (
        ModelVersion.objects.filter(model__in=[m.pk for m in models_])
        .values("model_id", "current_stage")
        .annotate(newest=models.Max("version"))
        .values_list("model_id", "newest")
    )
    wanted = Q(pk__in=[])
    for model_id, number in newest:
        wanted |= Q(model_id=model_id, version=number)
    found: dict[int, list[ModelVersion]] = {m.pk: [] for m in models_}
    for version in ModelVersion.objects.filter(wanted).select_related("model").order_by("version"):
        found[version.model_id].append(version)
    return found


def alias_history(model: RegisteredModel) -> list[AliasMove]:
    return list(AliasMove.objects.filter(model=model).order_by("moved_at", "pk"))


def stage_history(model: RegisteredModel) -> list[StageTransition]:
    return list(StageTransition.objects.filter(model=model).order_by("transitioned_at", "pk"))


def download_uri(version: ModelVersion, *, depth: int = 0) -> str:
    """Where the version's files are: a logged model's or a run's artifact location when the
    source names one the tracking app knows, another version's location for a copied version
    (``models:/<name>/<version>``), else the source itself."""
    source = version.source
    project = version.model.project
    copied = re.match(r"^models:/([^/@]+)/(\d+)/?(.*)$", source)
    if copied and not copied.group(1).startswith("m-") and depth < MAX_COPY_DEPTH:
        try:
            original = model_version_resolve(
                project=project, name=copied.group(1), version=copied.group(2)
            )
        except NotFound:
            pass
        else:
            return _join(download_uri(original, depth=depth + 1), copied.group(3))
    match = re.match(r"^models:/(m-[0-9a-f]+)/?(.*)$", source)
    if match:
        found = tracking.logged_model_artifact_uri(project=project, model_id=match.group(1))
        if found:
            return _join(found, match.group(2))
    match = re.match(r"^runs:/([0-9a-f]+)/?(.*)$", source)
    if match:
        found = tracking.run_artifact_uri(project=project, run_id=match.group(1))
        if found:
            return _join(found, match.group(2))
    return source


def _join(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/{path}" if path else base


# MLflow search filters


@dataclass(frozen=True)
class Clause:
    field: str
    key: str
    op: str
    value: Any


_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<op>!=|<=|>=|=|<|>)
    |(?P<lparen>\()|(?P<rparen>\))|(?P<comma>,)
    |(?P<number>-?\d+(?:\.\d+)?)(?![\w.])
    |(?P<word>[A-Za-z_][\w]*(?:\.(?:`[^`]*`|"[^"]*"|[\w.\-]+))?)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise Invalid(
                f"Invalid filter '{text}': cannot parse at '{text[position:]}'.", field="filter"
            )
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return found


def _unquote(raw: str) -> str:
    body = raw[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def parse_filter(text: str, *, allowed: Sequence[str]) -> list[Clause]:
    """``name = 'x' AND tags.`k` LIKE 'v%' AND run_id IN ('a', 'b')`` as clauses."""
    if not text or not text.strip():
        return []
    tokens = _tokens(text)
    clauses: list[Clause] = []
    index = 0

    def bad(message: str) -> Invalid:
        return Invalid(f"Invalid filter '{text}': {message}", field="filter")

    while index < len(tokens):
        kind, word = tokens[index]
        if kind != "word":
            raise bad(f"expected an attribute, got '{word}'.")
        field, _, key = word.partition(".")
        field = field.lower()
        if field in ("tag", "tags") and key:
            field, key = "tags", key.strip('`"')
        elif key:
            raise bad(f"unknown attribute '{word}'.")
        if field not in allowed:
            raise bad(f"unsupported attribute '{word}'; supported: {', '.join(allowed)}.")
        index += 1
        if index >= len(tokens):
            raise bad("expected a comparison.")
        kind, op = tokens[index]
        if kind == "word" and op.upper() == "NOT" and index + 1 < len(tokens):
            index += 1
            op = "NOT " + tokens[index][1]
        elif kind not in ("op", "word"):
            raise bad(f"expected a comparison, got '{op}'.")
        op = op.upper()
        if op not in ("=", "!=", "<", ">", "<=", ">=", "LIKE", "ILIKE", "IN", "NOT IN"):
            raise bad(f"unsupported comparison '{op}'.")
        index += 1
        value: Any
        if op in ("IN", "NOT IN"):
            if index >= len(tokens) or tokens[index][0] != "lparen":
                raise bad(f"{op} needs a list in parentheses.")
            index += 1
            values: list[str] = []
            while index < len(tokens) and tokens[index][0] != "rparen":
                kind, raw = tokens[index]
                if kind == "string":
                    values.append(_unquote(raw))
                elif kind == "number":
                    values.append(raw)
                elif kind != "comma":
                    raise bad(f"unexpected '{raw}' in a list.")
                index += 1
            if index >= len(tokens):
                raise bad("unclosed list.")
            index += 1
            value = values
        else:
            if index >= len(tokens) or tokens[index][0] not in ("string", "number"):
                raise bad("expected a quoted value or a number.")
            kind, raw = tokens[index]
            value = _unquote(raw) if kind == "string" else raw
            index += 1
        clauses.append(Clause(field=field, key=key, op=op, value=value))
        if index < len(tokens):
            kind, word = tokens[index]
            if kind != "word" or word.upper() != "AND":
                raise bad(f"expected AND, got '{word}'.")
            index += 1
            if index >= len(tokens):
                raise bad("nothing after AND.")
    return clauses


def _like_regex(pattern: str) -> str:
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return "^" + "".join(parts) + "$"


def apply_filter[M: models.Model](
    queryset: QuerySet[M], clauses: Sequence[Clause], columns: dict[str, str]
) -> QuerySet[M]:
    for number, clause in enumerate(clauses):
        nullable = False
        if clause.field == "tags":
            column = f"_tag_{number}"
            queryset = queryset.annotate(
                **{column: Cast(KeyTextTransform(clause.key, "tags"), models.TextField())}
            )
            nullable = True
        else:
            column = columns[clause.field]
        value = clause.value
        if column.endswith("version"):
            try:
                value = [int(v) for v in value] if isinstance(value, list) else int(value)
                if any(
                    abs(v) > MAX_VERSION for v in (value if isinstance(value, list) else [value])
                ):
                    raise ValueError
            except ValueError:
                raise Invalid(
                    f"Invalid filter: version_number needs an integer, got {value!r}.",
                    field="filter",
                ) from None
        if clause.op == "=":
            condition = Q(**{column: value})
        elif clause.op == "!=":
            condition = ~Q(**{column: value})
            if nullable:
                condition |= Q(**{f"{column}__isnull": True})
        elif clause.op in ("LIKE", "ILIKE"):
            lookup = "regex" if clause.op == "LIKE" else "iregex"
            condition = Q(**{f"{column}__{lookup}": _like_regex(str(value))})
        elif clause.op == "IN":
            condition = Q(**{f"{column}__in": value})
        elif clause.op == "NOT IN":
            condition = ~Q(**{f"{column}__in": value})
            if nullable:
                condition |= Q(**{f"{column}__isnull": True})
        else:
            lookup = {"<": "lt", ">": "gt", "<=": "lte", ">=": "gte"}[clause.op]
            condition = Q(**{f"{column}__{lookup}": value})
        queryset = queryset.filter(condition)
    return queryset


def order_fields(
    order_by: Sequence[str], columns: dict[str, str], default: Sequence[str]
) -> list[str]:
    """``["name ASC", "version_number DESC"]`` as Django orderings (plus the defaults)."""
    ordering: list[str] = []
    seen: set[str] = set()
    for clause in [*order_by, *default]:
        parts = clause.split()
        if not parts or len(parts) > 2:
            raise Invalid(f"Invalid order_by clause '{clause}'.", field="order_by")
        name = parts[0].strip("`")
        direction = parts[1].upper() if len(parts) == 2 else "ASC"
        if name not in columns or direction not in ("ASC", "DESC"):
            raise Invalid(
                f"Invalid order_by clause '{clause}': supported are "
                f"{', '.join(sorted(columns))} with ASC or DESC.",
                field="order_by",
            )
        column = columns[name]
        if column in seen:
            continue
        seen.add(column)
        ordering.append(("-" if direction == "DESC" else "") + column)
    return ordering


def page[M: models.Model](
    queryset: QuerySet[M], *, max_results: int, page_token: str
) -> tuple[list[M], str]:
    offset = 0
    if page_token:
        try:
            offset = int(base64.urlsafe_b64decode(page_token.encode()).decode())
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise Invalid("Invalid page_token.", field="page_token") from None
        if offset < 0:
            raise Invalid("Invalid page_token.", field="page_token")
    if max_results < 1 or max_results > MAX_SEARCH_RESULTS:
        raise Invalid(
            f"max_results must be between 1 and {MAX_SEARCH_RESULTS}.", field="max_results"
        )
    rows = list(queryset[offset : offset + max_results + 1])
    token = ""
    if len(rows) > max_results:
        rows = rows[:max_results]
        token = base64.urlsafe_b64encode(str(offset + max_results).encode()).decode()
    return rows, token


MODEL_FILTERS = {"name": "name"}
MODEL_ORDER = {
    "name": "name",
    "timestamp": "updated_at",
    "last_updated_timestamp": "updated_at",
    "creation_timestamp": "created_at",
}
VERSION_FILTERS = {
    "name": "model__name",
    "run_id": "run_id",
    "source_path": "source",
    "source": "source",
    "version_number": "version",
    "current_stage": "current_stage",
}
VERSION_ORDER = {
    "name": "model__name",
    "version_number": "version",
    "creation_timestamp": "created_at",
    "last_updated_timestamp": "updated_at",
    "timestamp": "updated_at",
}


def models_search(
    *,
    project: Project,
    filter_text: str,
    order_by: Sequence[str],
    max_results: int,
    page_token: str,
) -> tuple[list[RegisteredModel], str]:
    clauses = parse_filter(filter_text, allowed=[*MODEL_FILTERS, "tags"])
    queryset = apply_filter(RegisteredModel.objects.filter(project=project), clauses, MODEL_FILTERS)
    queryset = queryset.order_by(*order_fields(order_by, MODEL_ORDER, ["name ASC"]), "pk")
    return page(queryset, max_results=max_results, page_token=page_token)


def versions_search(
    *,
    project: Project,
    filter_text: str,
    order_by: Sequence[str],
    max_results: int,
    page_token: str,
) -> tuple[list[ModelVersion], str]:
    clauses = parse_filter(filter_text, allowed=[*VERSION_FILTERS, "tags"])
    queryset = apply_filter(
        ModelVersion.objects.filter(model__project=project).select_related("model"),
        clauses,
        VERSION_FILTERS,
    )
    default = ["last_updated_timestamp DESC", "name ASC", "version_number DESC"]
    ordering = order_fields(order_by, VERSION_ORDER, [] if order_by else default)
    if "model__name" not in {o.lstrip("-") for o in ordering}:
        ordering.append("model__name")
    if "version" not in {o.lstrip("-") for o in ordering}:
        ordering.append("-version")
    return page(queryset.order_by(*ordering), max_results=max_results, page_token=page_token)
