"""Prompt templates: ``{{variable}}`` placeholders and ``{{> other-prompt}}`` includes.

Mustache without logic: a tag is either a variable name or an include. Includes name another
prompt of the project and, optionally, a label (``{{> greeting@staging}}``) or a version
(``{{> greeting#3}}``); without either, the ``production`` label. They are resolved at render
time, recursively, with a depth limit and cycle detection.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmops.domain_errors import Invalid

MAX_INCLUDE_DEPTH = 5
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_INCLUDE = re.compile(
    r"^>\s*(?P<name>[A-Za-z0-9_.\-/]+?)(?:@(?P<label>[a-z0-9][a-z0-9_.\-]*)|#(?P<version>\d+))?$"
)
DEFAULT_LABEL = "production"


class TemplateError(Invalid):
    """A template that cannot be parsed or rendered; ``field`` names where."""

    def __init__(self, message: str, *, field: str = "template") -> None:
        super().__init__(message, field=field)


@dataclass(frozen=True)
class IncludeRef:
    name: str
    label: str | None = None
    version: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "version": self.version}

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.name}#{self.version}"
        return f"{self.name}@{self.label or DEFAULT_LABEL}"


@dataclass(frozen=True)
class Token:
    kind: str  # "text", "variable" or "include"
    value: str
    include: IncludeRef | None = None


def tokenize(text: str, *, field: str = "template") -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while True:
        start = text.find("{{", position)
        if start < 0:
            if "}}" in text[position:]:
                at = text.index("}}", position)
                raise TemplateError(f"'}}}}' at character {at} closes no '{{{{'", field=field)
            tokens.append(Token("text", text[position:]))
            return [t for t in tokens if not (t.kind == "text" and t.value == "")]
        if "}}" in text[position:start]:
            at = text.index("}}", position)
            raise TemplateError(f"'}}}}' at character {at} closes no '{{{{'", field=field)
        end = text.find("}}", start + 2)
        if end < 0:
            raise TemplateError(f"'{{{{' at character {start} is never closed", field=field)
        tokens.append(Token("text", text[position:start]))
        inner = text[start + 2 : end].strip()
        include = _INCLUDE.match(inner)
        if include:
            version = include.group("version")
            ref = IncludeRef(
                name=include.group("name"),
                label=include.group("label"),
                version=int(version) if version else None,
            )
            tokens.append(Token("include", inner, ref))
        elif _VARIABLE.match(inner):
            tokens.append(Token("variable", inner))
        else:
            raise TemplateError(
                f"'{{{{{inner}}}}}' at character {start} is neither a variable name nor an "
                "include ({{> prompt-name}}); templates have no logic",
                field=field,
            )
        position = end + 2


def message_texts(template: str | list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(field path, text) of every text in a template that may hold tags."""
    if isinstance(template, str):
        return [("template", template)]
    return [
        (f"template[{index}].content", str(message.get("content") or ""))
        for index, message in enumerate(template)
        if message.get("type") != "placeholder"
    ]


def analyse(template: str | list[dict[str, Any]]) -> tuple[list[str], list[IncludeRef]]:
    """The variables (in order of first use) and includes of a template; raises on bad syntax."""
    variables: list[str] = []
    includes: list[IncludeRef] = []
    for field, text in message_texts(template):
        for token in tokenize(text, field=field):
            if token.kind == "variable" and token.value not in variables:
                variables.append(token.value)
            elif token.include is not None and token.include not in includes:
                includes.append(token.include)
    return variables, includes


def content_hash(*, prompt_type: str, template: Any, config: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        {"type": prompt_type, "template": template, "config": config},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Returns the text template of the referenced prompt version.
IncludeResolver = Callable[[IncludeRef], str]


@dataclass
class Rendered:
    output: str | list[dict[str, Any]]
    used_variables: set[str]


def _descend(
    token: Token, chain: tuple[str, ...], field: str
) -> tuple[IncludeRef, tuple[str, ...]]:
    """The include a token names and the chain inside it; refuses cycles and deep nesting."""
    assert token.include is not None
    key = token.include.name
    if key in chain:
        raise TemplateError("include cycle: " + " -> ".join([*chain, key]), field=field)
    if len(chain) > MAX_INCLUDE_DEPTH:
        raise TemplateError(f"includes nest deeper than {MAX_INCLUDE_DEPTH} levels", field=field)
    return token.include, (*chain, key)


def _render_text(
    text: str,
    variables: Mapping[str, Any],
    resolve: IncludeResolver,
    used: set[str],
    missing: list[str],
    chain: tuple[str, ...],
    field: str,
) -> str:
    parts: list[str] = []
    for token in tokenize(text, field=field):
        if token.kind == "text":
            parts.append(token.value)
        elif token.kind == "variable":
            used.add(token.value)
            if token.value in variables:
                value = variables[token.value]
                parts.append(value if isinstance(value, str) else json.dumps(value))
            elif token.value not in missing:
                missing.append(token.value)
        else:
            ref, inner = _descend(token, chain, field)
            parts.append(
                _render_text(resolve(ref), variables, resolve, used, missing, inner, field)
            )
    return "".join(parts)


def _expand_text(text: str, resolve: IncludeResolver, chain: tuple[str, ...], field: str) -> str:
    parts: list[str] = []
    for token in tokenize(text, field=field):
        if token.kind == "text":
            parts.append(token.value)
        elif token.kind == "variable":
            parts.append("{{" + token.value + "}}")
        else:
            ref, inner = _descend(token, chain, field)
            parts.append(_expand_text(resolve(ref), resolve, inner, field))
    return "".join(parts)


def expand_includes(
    *, prompt_name: str, template: str | list[dict[str, Any]], resolve: IncludeResolver
) -> str | list[dict[str, Any]]:
    """The template with every include replaced by the included text, variables kept.

    For code that fills templates with its own engine (evaluation targets and judge rubrics):
    pinning the expanded text makes a run independent of later moves of the included labels.
    """
    if isinstance(template, str):
        return _expand_text(template, resolve, (prompt_name,), "template")
    return [
        message
        if message.get("type") == "placeholder"
        else {
            **message,
            "content": _expand_text(
                str(message.get("content") or ""),
                resolve,
                (prompt_name,),
                f"template[{index}].content",
            ),
        }
        for index, message in enumerate(template)
    ]


def render(
    *,
    prompt_name: str,
    template: str | list[dict[str, Any]],
    variables: Mapping[str, Any],
    placeholders: Mapping[str, Sequence[Mapping[str, Any]]],
    resolve: IncludeResolver,
) -> str | list[dict[str, Any]]:
    """Fill a template. Missing or unused variables and placeholders are errors naming them."""
    used: set[str] = set()
    missing: list[str] = []
    used_placeholders: set[str] = set()
    output: str | list[dict[str, Any]]
    if isinstance(template, str):
        output = _render_text(
            template, variables, resolve, used, missing, (prompt_name,), "template"
        )
    else:
        messages: list[dict[str, Any]] = []
        for index, message in enumerate(template):
            if message.get("type") == "placeholder":
                name = str(message.get("name"))
                used_placeholders.add(name)
                if name not in placeholders:
                    raise TemplateError(
                        f"placeholder '{name}' needs a list of messages",
                        field=f"placeholders.{name}",
                    )
                messages.extend(dict(m) for m in placeholders[name])
                continue
            content = _render_text(
                str(message.get("content") or ""),
                variables,
                resolve,
                used,
                missing,
                (prompt_name,),
                f"template[{index}].content",
            )
            messages.append({**message, "content": content})
        output = messages
    if missing:
        raise TemplateError(
            "missing variables: " + ", ".join(missing), field=f"variables.{missing[0]}"
        )
    extra = sorted(set(variables) - used)
    if extra:
        raise TemplateError(
            "variables not in the template: " + ", ".join(extra), field=f"variables.{extra[0]}"
        )
    extra_placeholders = sorted(set(placeholders) - used_placeholders)
    if extra_placeholders:
        raise TemplateError(
            "placeholders not in the template: " + ", ".join(extra_placeholders),
            field=f"placeholders.{extra_placeholders[0]}",
        )
    return output
