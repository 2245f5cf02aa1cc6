"""Langfuse's prompt management API (``/api/public/v2/prompts…``) on the platform's prompts.

What the Langfuse SDKs' ``get_prompt``, ``create_prompt`` and ``update_prompt`` call, answered
in Langfuse's shapes from the same versions and labels as ``/api/v1/prompts``:

- a Langfuse version is a platform version (the same number, immutable);
- Langfuse labels are the platform's labels (movable, with history); ``latest`` is the newest
  version, computed, never stored; without label or version the answer is ``production``;
- a create is a new version of the prompt (the prompt itself on its first version); content
  identical to the newest version saves nothing and answers the newest, with the labels asked
  for moved onto it;
- protected labels refuse every move from here (403, and nothing of the request is kept): they
  move only through the release gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.domain_errors import Invalid, NotFound
from llmops.langfuse_api.views import (
    LangfuseView,
    body,
    integer,
    iso,
    page,
    page_meta,
    storable,
    string_list,
    text,
)
from llmops.prompts import domain, selectors, templates
from llmops.prompts.api import access as actions
from llmops.prompts.models import PromptType, PromptVersion
from llmops.tenancy.authentication import ApiKeyPrincipal

# Chat message "type"s the Langfuse clients may send for a plain message (3.x: "chatmessage";
# some callers copy the SDK's compiled form, "message"); the platform stores none.
_MESSAGE_TYPES = {None, "chatmessage", "message"}
TAG_MAX_LENGTH = 100


def _actor(request: Request) -> str:
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        return f"api-key:{user.api_key.public_key}"
    return str(user.get_username()) if user is not None else ""


def _name(name: str) -> str:
    # The path arrives decoded (the SDK sends folders as %2F); PostgreSQL cannot hold NUL.
    if "\x00" in name:
        raise Invalid("must not contain a NUL character", field="name")
    return name


def _chat_template(value: Any) -> list[dict[str, Any]]:
    """Langfuse chat messages as the platform's chat template: ``{"role", "content"}`` messages
    (their ``type`` dropped) and ``{"type": "placeholder", "name"}`` placeholders, kept as is."""
    if not isinstance(value, list) or not value:
        raise Invalid("a chat prompt is a non-empty list of messages", field="prompt")
    messages: list[dict[str, Any]] = []
    for index, message in enumerate(value):
        if not isinstance(message, dict):
            raise Invalid("a message is an object", field=f"prompt[{index}]")
        if message.get("type") == "placeholder":
            messages.append(dict(message))
            continue
        if message.get("type") not in _MESSAGE_TYPES:
            raise Invalid(
                "type must be 'chatmessage' or 'placeholder'", field=f"prompt[{index}].type"
            )
        messages.append({key: item for key, item in message.items() if key != "type"})
    return messages


def _template(data: Mapping[str, Any], prompt_type: str) -> Any:
    value = data.get("prompt")
    if prompt_type == PromptType.CHAT:
        template: Any = _chat_template(value)
    else:
        if not isinstance(value, str):
            raise Invalid("a text prompt is a string", field="prompt")
        template = value
    storable(template, "prompt")
    return template


def _labels(data: Mapping[str, Any], field: str) -> list[str]:
    labels = string_list(data, field)
    for index, label in enumerate(labels):
        if label == domain.LATEST:
            continue
        try:
            domain.check_label_name(label)
        except Invalid as exc:
            raise Invalid(exc.message, field=f"{field}[{index}]") from None
    return labels


def _langfuse_field(exc: Invalid) -> Invalid:
    """A domain refusal with the platform's field names (``template``) in Langfuse's."""
    field = exc.field
    if field.startswith("template"):
        return Invalid(exc.message, field="prompt" + field[len("template") :])
    return exc


def _prompt_body(version: PromptVersion, labels: list[str], template: Any) -> dict[str, Any]:
    """A version in Langfuse's ``Prompt`` shape."""
    prompt = version.prompt
    return {
        "id": str(version.pk),
        "name": prompt.name,
        "version": version.number,
        "type": prompt.type,
        "prompt": template,
        "config": version.config,
        "labels": labels,
        "tags": list(prompt.tags),
        "commitMessage": version.commit_message or None,
        "createdAt": iso(version.created_at),
        "updatedAt": iso(version.created_at),
        "createdBy": version.author or "API",
        "projectId": str(prompt.project_id),
        "isActive": templates.DEFAULT_LABEL in labels,
        "resolutionGraph": None,
    }


def _saved_body(version: PromptVersion) -> dict[str, Any]:
    return _prompt_body(
        version, selectors.labels_of(version.prompt).get(version.number, []), version.template
    )


class _PromptsView(LangfuseView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # A method no handler serves is Langfuse's 405 (DELETE, which the SDKs' API client
        # has), answered before the access check, which knows only the declared methods.
        if not hasattr(self, str(request.method).lower()):
            raise exceptions.MethodNotAllowed(str(request.method))
        super().initial(request, *args, **kwargs)


def _fetch(request: Request, view: LangfuseView, name: str) -> Response:
    """``GET /api/public/v2/prompts/{name}``: the version behind ``label`` or numbered
    ``version`` (default the production label), includes resolved unless ``resolve=false``."""
    query = request.query_params
    label = text(query, "label", required=False, max_length=200) or None
    number = integer(query, "version", minimum=1)
    if label is not None and number is not None:
        raise Invalid("give a label or a version, not both", field="version")
    try:
        version = selectors.version_resolve(
            project=view.project, prompt_name=_name(name), number=number, label=label
        )
    except domain.PromptNotFound:
        # Langfuse's own message: the SDKs log it when they fall back.
        what = (
            f"with version {number}"
            if number is not None
            else f"with label '{label or templates.DEFAULT_LABEL}'"
        )
        raise NotFound(f"Prompt not found: '{name}' {what}") from None
    template = version.template
    if version.includes and query.get("resolve", "true").lower() != "false":
        # Langfuse resolves a prompt's references to other prompts before answering; the
        # platform's are includes ({{> other}}), replaced by their text, variables kept.
        template = templates.expand_includes(
            prompt_name=version.prompt.name,
            template=template,
            resolve=selectors.include_resolver(view.project),
        )
    labels = selectors.labels_of(version.prompt).get(version.number, [])
    return Response(_prompt_body(version, labels, template))


class PromptsView(_PromptsView):
    """``/api/public/v2/prompts``: the prompts' list (GET) and ``create_prompt`` (POST)."""

    access = {"GET": actions.READ, "POST": actions.WRITE}

    def get(self, request: Request) -> Response:
        query = request.query_params
        number, limit = page(request)
        total, summaries = selectors.prompt_summaries(
            project=self.project,
            name=text(query, "name", required=False, max_length=200) or None,
            label=text(query, "label", required=False, max_length=200) or None,
            tag=text(query, "tag", required=False, max_length=TAG_MAX_LENGTH) or None,
            offset=(number - 1) * limit,
            limit=limit,
        )
        return Response(
            {
                "data": [
                    {
                        "name": summary.prompt.name,
                        "type": summary.prompt.type,
                        "versions": summary.versions,
                        "labels": summary.labels,
                        "tags": list(summary.prompt.tags),
                        "lastUpdatedAt": iso(summary.last_updated_at),
                        "lastConfig": summary.last_config,
                    }
                    for summary in summaries
                ],
                "meta": page_meta(number, limit, total),
            }
        )

    def post(self, request: Request) -> Response:
        data = body(request)
        name = text(data, "name", max_length=200)
        prompt_type = data.get("type") or PromptType.TEXT
        if prompt_type not in PromptType.values:
            raise Invalid("must be 'text' or 'chat'", field="type")
        template = _template(data, prompt_type)
        config = data.get("config")
        if config is None:
            config = {}
        if not isinstance(config, dict):
            raise Invalid("must be a JSON object", field="config")
        storable(config, "config")
        tags = string_list(data, "tags") if data.get("tags") is not None else None
        for index, tag in enumerate(tags or []):
            if not tag or len(tag) > TAG_MAX_LENGTH:
                raise Invalid(f"a tag is 1-{TAG_MAX_LENGTH} characters", field=f"tags[{index}]")
        # 'latest' is the newest version, which this one is: nothing to store for it.
        labels = [label for label in _labels(data, "labels") if label != domain.LATEST]
        commit_message = text(data, "commitMessage", required=False, max_length=500)
        try:
            saved = domain.version_publish(
                project=self.project,
                name=name,
                prompt_type=prompt_type,
                template=template,
                config=config,
                tags=tags,
                commit_message=commit_message,
                author=_actor(request),
                labels=labels,
            )
        except Invalid as exc:
            raise _langfuse_field(exc) from None
        return Response(
            _saved_body(saved.version),
            status=status.HTTP_201_CREATED if saved.created else status.HTTP_200_OK,
        )


class PromptView(_PromptsView):
    """``GET /api/public/v2/prompts/{name}``: the SDKs' ``get_prompt``."""

    access = {"GET": actions.READ}

    def get(self, request: Request, name: str) -> Response:
        return _fetch(request, self, name)


class PromptVersionView(_PromptsView):
    """``PATCH /api/public/v2/prompts/{name}/versions/{version}``: the SDKs' ``update_prompt``,
    which points labels at a version (the labels it already has stay)."""

    access = {"GET": actions.READ, "PATCH": actions.WRITE}

    def get(self, request: Request, name: str, version: str) -> Response:
        # A prompt whose own name has a "versions" folder ("a/versions/b"), fetched by name.
        return _fetch(request, self, f"{name}/versions/{version}")

    def patch(self, request: Request, name: str, version: str) -> Response:
        number = integer({"version": version}, "version", required=True, minimum=1)
        assert number is not None
        data = body(request)
        if not isinstance(data.get("newLabels"), list):
            raise Invalid("must be a list of labels", field="newLabels")
        labels = _labels(data, "newLabels")
        if domain.LATEST in labels:
            raise Invalid(
                "label 'latest' is always assigned to the latest prompt version",
                field="newLabels",
            )
        try:
            found = selectors.version_resolve(
                project=self.project, prompt_name=_name(name), number=number
            )
        except domain.PromptNotFound:
            raise NotFound(f"Prompt '{name}' version {number} not found in project") from None
        domain.labels_move(
            prompt=found.prompt,
            labels=labels,
            version=found,
            moved_by=_actor(request),
            reason="labelled through the Langfuse API",
        )
        return Response(_saved_body(found))
