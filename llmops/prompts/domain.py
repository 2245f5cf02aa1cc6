"""Writes of the prompts context: prompts, versions, labels and their history."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from llmops.domain_errors import Conflict, Invalid, NotFound, PreconditionFailed
from llmops.lineage.domain import NodeRef, lineage_link, node_record
from llmops.lineage.models import EdgeKind, NodeKind
from llmops.pointers.domain import pointer_move
from llmops.pointers.kinds import MoveRequest, PointerKind
from llmops.prompts import templates
from llmops.prompts.diffs import version_diff
from llmops.prompts.models import (
    LabelMove,
    Prompt,
    PromptLabel,
    PromptType,
    PromptVersion,
)
from llmops.tenancy.models import Project
from llmops.webhooks import domain as webhooks
from llmops.webhooks import events

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")
# Last path segments the API uses after a prompt name; a prompt may not end with one.
RESERVED_SEGMENTS = {"versions", "labels", "render", "diff", "usage", "playground"}
LABEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,62}$")
LATEST = "latest"
ROLES = {"system", "developer", "user", "assistant", "tool"}


class PromptNotFound(NotFound):
    """No such prompt, version or label in the project; ``field`` names the reference."""


@dataclass(frozen=True)
class SavedVersion:
    version: PromptVersion
    created: bool


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name) or len(name) > 200:
        raise Invalid(
            "use letters, digits, '_', '.', '-' and '/' between folder names", field="name"
        )
    if name.rsplit("/", 1)[-1] in RESERVED_SEGMENTS:
        raise Invalid(
            f"the last part of a name cannot be one of {sorted(RESERVED_SEGMENTS)}", field="name"
        )


def check_label_name(label: str) -> None:
    if label == LATEST:
        raise Invalid(
            "'latest' always points at the newest version; it cannot be moved", field="label"
        )
    if not LABEL_PATTERN.match(label):
        raise Invalid(
            "a label is 1-63 lowercase letters, digits, '_', '.' or '-', starting with a letter "
            "or digit",
            field="label",
        )


def check_template(prompt_type: str, template: Any) -> tuple[list[str], list[templates.IncludeRef]]:
    if prompt_type == PromptType.TEXT:
        if not isinstance(template, str):
            raise Invalid("a text prompt's template is a string", field="template")
    else:
        if not isinstance(template, list) or not template:
            raise Invalid(
                "a chat prompt's template is a non-empty list of messages", field="template"
            )
        for index, message in enumerate(template):
            field = f"template[{index}]"
            if not isinstance(message, dict):
                raise Invalid("a message is an object", field=field)
            if message.get("type") == "placeholder":
                if set(message) != {"type", "name"} or not re.match(
                    r"^[A-Za-z_][A-Za-z0-9_]*$", str(message.get("name"))
                ):
                    raise Invalid(
                        'a placeholder is {"type": "placeholder", "name": <identifier>}',
                        field=field,
                    )
                continue
            if message.get("role") not in ROLES:
                raise Invalid(f"role must be one of {sorted(ROLES)}", field=f"{field}.role")
            if not isinstance(message.get("content"), str):
                raise Invalid("content must be a string", field=f"{field}.content")
            unknown = set(message) - {"role", "content", "name"}
            if unknown:
                raise Invalid(f"unknown keys {sorted(unknown)}", field=field)
    return templates.analyse(template)  # a TemplateError is Invalid, naming where


def _check_includes(project: Project, name: str, includes: Iterable[templates.IncludeRef]) -> None:
    for ref in includes:
        if ref.name == name:
            raise Invalid(f"include cycle: {name} includes itself", field="template")
        included = Prompt.objects.filter(project=project, name=ref.name).first()
        if included is None:
            raise Invalid(f"unknown include: no prompt named {ref.name!r}", field="template")
        if included.type != PromptType.TEXT:
            raise Invalid(
                f"only text prompts can be included; {ref.name!r} is a chat prompt",
                field="template",
            )


def _newest(prompt: Prompt) -> PromptVersion | None:
    return prompt.versions.order_by("-number").first()


def _lock(prompt: Prompt) -> None:
    # Serialises version creation per prompt: the next number is read and written under this
    # row lock, so two concurrent saves get distinct numbers. (SQLite locks the whole database
    # for the IMMEDIATE transaction, which serialises them as well.)
    Prompt.objects.select_for_update().filter(pk=prompt.pk).values_list("pk", flat=True).get()


def _record_version(prompt: Prompt, version: PromptVersion, parent: PromptVersion | None) -> None:
    label = f"{prompt.name} v{version.number}"
    if parent is None:
        node_record(
            project=prompt.project, kind=NodeKind.PROMPT_VERSION, ref=str(version.pk), label=label
        )
    else:
        lineage_link(
            project=prompt.project,
            upstream=NodeRef(
                NodeKind.PROMPT_VERSION, str(parent.pk), f"{prompt.name} v{parent.number}"
            ),
            downstream=NodeRef(NodeKind.PROMPT_VERSION, str(version.pk), label),
            kind=EdgeKind.DERIVED_FROM,
        )


def version_create(
    *,
    prompt: Prompt,
    template: Any,
    config: Mapping[str, Any] | None = None,
    commit_message: str = "",
    author: str = "",
    derived_from: PromptVersion | None = None,
) -> SavedVersion:
    """Save a new version, unless it is identical to the newest one (then ``created`` is False)."""
    config = dict(config or {})
    variables, includes = check_template(prompt.type, template)
    _check_includes(prompt.project, prompt.name, includes)
    digest = templates.content_hash(prompt_type=prompt.type, template=template, config=config)
    with transaction.atomic():
        _lock(prompt)
        newest = _newest(prompt)
        if newest is not None and newest.content_hash == digest:
            return SavedVersion(newest, created=False)
        number = (newest.number if newest else 0) + 1
        version = PromptVersion.objects.create(
            prompt=prompt,
            number=number,
            content_hash=digest,
            template=template,
            config=config,
            variables=variables,
            includes=[ref.as_dict() for ref in includes],
            commit_message=commit_message,
            author=author,
            derived_from=derived_from or newest,
        )
        _record_version(prompt, version, derived_from or newest)
        webhooks.publish(
            project=prompt.project,
            event=events.PROMPT_VERSION_CREATED,
            payload=events.PromptVersionCreated(
                prompt=prompt.name,
                version=number,
                content_hash=digest,
                author=author,
                commit_message=commit_message,
            ),
        )
    return SavedVersion(version, created=True)


def prompt_create(
    *,
    project: Project,
    name: str,
    prompt_type: str,
    template: Any,
    config: Mapping[str, Any] | None = None,
    tags: list[str] | None = None,
    description: str = "",
    commit_message: str = "",
    author: str = "",
    labels: Iterable[str] = (),
) -> tuple[Prompt, PromptVersion]:
    check_name(name)
    check_template(prompt_type, template)
    for label in labels:
        check_label_name(label)
    with transaction.atomic():
        try:
            with transaction.atomic():
                prompt = Prompt.objects.create(
                    project=project,
                    name=name,
                    type=prompt_type,
                    tags=list(tags or []),
                    description=description,
                )
        except IntegrityError:
            raise Conflict(f"a prompt named {name!r} already exists", field="name") from None
        saved = version_create(
            prompt=prompt,
            template=template,
            config=config,
            commit_message=commit_message,
            author=author,
        )
        for label in labels:
            label_move(
                prompt=prompt, label=label, version=saved.version, moved_by=author, reason="created"
            )
    return prompt, saved.version


# Labels are pointers (llmops.pointers): the move, its lock, no-op and history are shared.
LABELS: PointerKind[PromptLabel, PromptVersion, LabelMove] = PointerKind(
    pointers=PromptLabel,
    history=LabelMove,
    owner_field="prompt",
    name_field="name",
    history_name_field="label",
)


def label_move(
    *,
    prompt: Prompt,
    label: str,
    version: PromptVersion,
    moved_by: str,
    reason: str = "",
    gate_passed: bool = False,
) -> LabelMove | None:
    """Point ``label`` at ``version``; None when it already points there.

    A protected label moves only with ``gate_passed`` (the release gate's word); otherwise this
    raises :class:`PreconditionFailed` (the API answers 409).
    """
    check_label_name(label)
    if version.prompt_id != prompt.pk:
        raise Invalid("the version belongs to another prompt", field="version")

    def guard(request: MoveRequest[PromptLabel, PromptVersion]) -> None:
        # Checked before the no-op test: a protected label refuses even a move to where it is.
        if request.pointer is not None and request.pointer.protected and not gate_passed:
            raise PreconditionFailed(
                f"label {label!r} is protected: it moves only through the release gate "
                "(a passing evaluation of the version)",
                field="label",
            )

    with transaction.atomic():
        moved = pointer_move(
            LABELS,
            owner=prompt,
            name=label,
            target=version,
            guard=guard,
            details=lambda _: {"moved_by": moved_by, "reason": reason},
        )
        if moved is None:
            return None
        from_version, move = moved.previous, moved.history
        lineage_link(
            project=prompt.project,
            upstream=NodeRef(
                NodeKind.PROMPT_VERSION, str(version.pk), f"{prompt.name} v{version.number}"
            ),
            downstream=NodeRef(
                NodeKind.LABEL_MOVE, str(move.pk), f"{prompt.name}@{label} -> v{version.number}"
            ),
            kind=EdgeKind.LABELLED,
        )
        diff = (
            version_diff(
                prompt_type=prompt.type,
                old_template=from_version.template,
                new_template=version.template,
                old_config=from_version.config,
                new_config=version.config,
            )
            if from_version is not None
            else None
        )
        webhooks.publish(
            project=prompt.project,
            event=events.PROMPT_LABEL_MOVED,
            payload=events.PromptLabelMoved(
                prompt=prompt.name,
                label=label,
                from_version=from_version.number if from_version else None,
                to_version=version.number,
                moved_by=moved_by,
                reason=reason,
                diff=diff,
            ),
        )
    return move


def label_protect(*, prompt: Prompt, label: str, protected: bool) -> PromptLabel:
    check_label_name(label)
    updated = PromptLabel.objects.filter(prompt=prompt, name=label).update(protected=protected)
    if not updated:
        raise PromptNotFound(f"no label {label!r} on prompt {prompt.name!r}", field="label")
    return PromptLabel.objects.get(prompt=prompt, name=label)


def newest_number(prompt: Prompt) -> int:
    return int(prompt.versions.aggregate(n=Max("number"))["n"] or 0)


def labels_move(
    *, prompt: Prompt, labels: Iterable[str], version: PromptVersion, moved_by: str, reason: str
) -> list[LabelMove]:
    """Point every label of ``labels`` at ``version``, all or none: one protected label (or any
    other refusal) leaves every label where it was."""
    moves: list[LabelMove] = []
    with transaction.atomic():
        for label in dict.fromkeys(labels):
            move = label_move(
                prompt=prompt, label=label, version=version, moved_by=moved_by, reason=reason
            )
            if move is not None:
                moves.append(move)
    return moves


def version_publish(
    *,
    project: Project,
    name: str,
    prompt_type: str,
    template: Any,
    config: Mapping[str, Any],
    tags: list[str] | None,
    commit_message: str,
    author: str,
    labels: Iterable[str],
) -> SavedVersion:
    """Save a version of the prompt ``name`` (creating the prompt with its first version) and
    point ``labels`` at it, in one transaction: a refused label (a protected one) leaves no
    version, prompt or tag change behind.

    The Langfuse clients' create: one call whether or not the prompt exists. ``tags``, when
    given, replace the prompt's tags (they belong to the prompt, not to a version). A version
    identical to the newest is not saved again; the labels then move onto the newest.
    """
    labels = list(dict.fromkeys(labels))
    for label in labels:
        check_label_name(label)
    with transaction.atomic():
        prompt = Prompt.objects.filter(project=project, name=name).first()
        if prompt is None:
            try:
                _, version = prompt_create(
                    project=project,
                    name=name,
                    prompt_type=prompt_type,
                    template=template,
                    config=config,
                    tags=tags,
                    commit_message=commit_message,
                    author=author,
                    labels=labels,
                )
                return SavedVersion(version, created=True)
            except Conflict:
                # Created meanwhile by a concurrent request: save onto it like any other.
                prompt = Prompt.objects.get(project=project, name=name)
        if prompt.type != prompt_type:
            raise Invalid(
                f"prompt {name!r} is a {prompt.type} prompt; its versions cannot be {prompt_type}",
                field="type",
            )
        saved = version_create(
            prompt=prompt,
            template=template,
            config=config,
            commit_message=commit_message,
            author=author,
        )
        if tags is not None and list(tags) != list(prompt.tags):
            Prompt.objects.filter(pk=prompt.pk).update(tags=list(tags))
            prompt.tags = list(tags)
        labels_move(
            prompt=prompt,
            labels=labels,
            version=saved.version,
            moved_by=author,
            reason="saved with the version" if saved.created else "saved again, unchanged",
        )
    return saved
