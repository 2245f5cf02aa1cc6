from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.http import quote_etag
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from llmops.prompts import diffs, domain, selectors, templates
from llmops.prompts.api import access as actions
from llmops.prompts.api.serializers import (
    DiffOutput,
    DiffQuery,
    FetchOutput,
    FetchQuery,
    HistoryOutput,
    HistoryQuery,
    LabelMoveInput,
    LabelMoveOutput,
    LabelMoveResultOutput,
    LabelOutput,
    LabelProtectInput,
    PromptCreatedOutput,
    PromptCreateInput,
    PromptListQuery,
    PromptOutput,
    RenderInput,
    RenderOutput,
    UsageRowOutput,
    VersionCreateInput,
    VersionListQuery,
    VersionOutput,
    VersionSavedOutput,
)
from llmops.prompts.models import (
    Prompt,
    PromptLabel,
    PromptVersion,
)
from llmops.tenancy.api.scoping import PROJECT_HEADER_PARAMETER, ProjectScopedView
from llmops.tenancy.authentication import ApiKeyPrincipal


def _actor(request: Request) -> str:
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        return f"api-key:{user.api_key.public_key}"
    return str(user.get_username()) if user is not None else ""


def _version_data(
    version: PromptVersion, labels: dict[int, list[str]] | None = None
) -> dict[str, Any]:
    data = dict(VersionOutput(version).data)
    if labels is not None:
        data["labels"] = labels.get(version.number, [])
    return data


class PromptListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}
    reads_may_lag = True

    @extend_schema(
        operation_id="prompts_list",
        parameters=[PromptListQuery, PROJECT_HEADER_PARAMETER],
        responses=PromptOutput(many=True),
        summary="Prompts, by name; search, tag and folder filters",
    )
    def get(self, request: Request) -> Response:
        query = PromptListQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        prompts = selectors.prompts_list(
            project=self.project,
            search=query.validated_data.get("search"),
            tag=query.validated_data.get("tag"),
            folder=query.validated_data.get("folder"),
        )
        return Response(PromptOutput(prompts[:1000], many=True).data)

    @extend_schema(
        operation_id="prompts_create",
        request=PromptCreateInput,
        parameters=[PROJECT_HEADER_PARAMETER],
        responses={201: PromptCreatedOutput},
        summary="Create a prompt with its first version",
    )
    def post(self, request: Request) -> Response:
        body = PromptCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        prompt, version = domain.prompt_create(
            project=self.project,
            name=data["name"],
            prompt_type=data["type"],
            template=data["template"],
            config=data["config"],
            tags=data["tags"],
            description=data["description"],
            commit_message=data["commit_message"],
            author=_actor(request),
            labels=data["labels"],
        )
        return Response(
            {
                "prompt": PromptOutput(prompt).data,
                "version": _version_data(version, selectors.labels_of(prompt)),
            },
            status=status.HTTP_201_CREATED,
        )


class PromptFetchView(ProjectScopedView):
    """The hot path of every app: the version behind a label, revalidated with an ETag."""

    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="prompts_fetch",
        parameters=[FetchQuery, PROJECT_HEADER_PARAMETER],
        responses={200: FetchOutput, 304: None},
        summary="The version behind a label (default production) or with a number",
    )
    def get(self, request: Request, name: str) -> Response | HttpResponse:
        query = FetchQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        label = query.validated_data.get("label")
        number = query.validated_data.get("version")
        if label is None and number is None:
            label = templates.DEFAULT_LABEL
        version = _fetch(self.project, name, label, number)
        etag = quote_etag(f"{version.pk}-{version.content_hash[:16]}-{label or ''}")
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponse(status=304)
            response["ETag"] = etag
            return response
        body = {
            "name": name,
            "type": version.prompt.type,
            "version": version.number,
            "label": label,
            "content_hash": version.content_hash,
            "template": version.template,
            "config": version.config,
            "variables": version.variables,
        }
        result = Response(FetchOutput(body).data)
        result["ETag"] = etag
        result["Cache-Control"] = "private, no-cache"
        return result


def _fetch(project: Any, name: str, label: str | None, number: int | None) -> PromptVersion:
    """One query when found; every miss answers with the one message the SDK knows."""
    try:
        return selectors.version_resolve(
            project=project, prompt_name=name, number=number, label=label
        )
    except domain.PromptNotFound:
        what = f"version {number}" if number is not None else f"label {label!r}"
        raise exceptions.NotFound(f"No prompt {name!r} with {what}.") from None


class VersionListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}

    @extend_schema(
        operation_id="prompt_versions_list",
        parameters=[VersionListQuery, PROJECT_HEADER_PARAMETER],
        responses=VersionOutput(many=True),
        summary="Versions of a prompt, newest first, with their labels; page with limit/before",
    )
    def get(self, request: Request, name: str) -> Response:
        query = VersionListQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        prompt = selectors.prompt_get(project=self.project, name=name)
        labels = selectors.labels_of(prompt)
        versions = prompt.versions.select_related("derived_from").order_by("-number")
        if "before" in query.validated_data:
            versions = versions.filter(number__lt=query.validated_data["before"])
        if "limit" in query.validated_data:
            versions = versions[: query.validated_data["limit"]]
        return Response([_version_data(v, labels) for v in versions])

    @extend_schema(
        operation_id="prompt_versions_create",
        request=VersionCreateInput,
        parameters=[PROJECT_HEADER_PARAMETER],
        responses={201: VersionSavedOutput, 200: VersionSavedOutput},
        summary="Save a new version (identical content creates none and says so)",
    )
    def post(self, request: Request, name: str) -> Response:
        body = VersionCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        prompt = selectors.prompt_get(project=self.project, name=name)
        saved = domain.version_create(
            prompt=prompt,
            template=data["template"],
            config=data["config"],
            commit_message=data["commit_message"],
            author=_actor(request),
        )
        for label in data["labels"]:
            domain.label_move(
                prompt=prompt,
                label=label,
                version=saved.version,
                moved_by=_actor(request),
                reason="saved with the version",
            )
        return Response(
            {
                "created": saved.created,
                "version": _version_data(saved.version, selectors.labels_of(prompt)),
            },
            status=status.HTTP_201_CREATED if saved.created else status.HTTP_200_OK,
        )


class VersionDetailView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="prompt_versions_get",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=VersionOutput,
    )
    def get(self, request: Request, name: str, number: int) -> Response:
        version = selectors.version_resolve(project=self.project, prompt_name=name, number=number)
        return Response(_version_data(version, selectors.labels_of(version.prompt)))


class LabelListView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="prompt_labels_list",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=LabelOutput(many=True),
    )
    def get(self, request: Request, name: str) -> Response:
        prompt = selectors.prompt_get(project=self.project, name=name)
        labels = (
            PromptLabel.objects.filter(prompt=prompt).select_related("version").order_by("name")
        )
        return Response(LabelOutput(labels, many=True).data)


class LabelMoveView(ProjectScopedView):
    access = {"PUT": actions.WRITE}

    @extend_schema(
        operation_id="prompt_labels_move",
        request=LabelMoveInput,
        parameters=[PROJECT_HEADER_PARAMETER],
        responses={200: LabelMoveResultOutput, 409: None},
        summary="Point a label at a version (rollback is a move); protected labels answer 409",
    )
    def put(self, request: Request, name: str, label: str) -> Response:
        body = LabelMoveInput(data=request.data)
        body.is_valid(raise_exception=True)
        prompt = selectors.prompt_get(project=self.project, name=name)
        version = selectors.version_resolve(
            project=self.project,
            prompt_name=name,
            number=body.validated_data["version"],
        )
        move = domain.label_move(
            prompt=prompt,
            label=label,
            version=version,
            moved_by=_actor(request),
            reason=body.validated_data["reason"],
        )
        return Response(
            {"moved": move is not None, "move": LabelMoveOutput(move).data if move else None}
        )


class LabelProtectView(ProjectScopedView):
    access = {"PUT": actions.PROTECT_LABELS}

    @extend_schema(
        operation_id="prompt_labels_protect",
        request=LabelProtectInput,
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=LabelOutput,
        summary="Protect a label (it then moves only through the release gate) or unprotect it",
    )
    def put(self, request: Request, name: str, label: str) -> Response:
        body = LabelProtectInput(data=request.data)
        body.is_valid(raise_exception=True)
        prompt = selectors.prompt_get(project=self.project, name=name)
        pointer = domain.label_protect(
            prompt=prompt,
            label=label,
            protected=body.validated_data["protected"],
        )
        return Response(LabelOutput(pointer).data)


class LabelHistoryView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="prompt_labels_history",
        parameters=[HistoryQuery, PROJECT_HEADER_PARAMETER],
        responses=HistoryOutput,
        summary="Every move of a label, newest first; with 'at', what it pointed at then",
    )
    def get(self, request: Request, name: str, label: str) -> Response:
        query = HistoryQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        prompt = selectors.prompt_get(project=self.project, name=name)
        moves = list(
            selectors.label_history(prompt=prompt, label=label, at=query.validated_data.get("at"))[
                :500
            ]
        )
        return Response(
            {
                "label": label,
                "version_at": moves[0].to_version.number if moves else None,
                "moves": LabelMoveOutput(moves, many=True).data,
            }
        )


def _requested_version(
    project: Any, name: str, data: dict[str, Any]
) -> tuple[Prompt, PromptVersion]:
    """The prompt and the version a body names by 'label' or 'version' (default production)."""
    version = selectors.version_resolve(
        project=project,
        prompt_name=name,
        label=data.get("label"),
        number=data.get("version"),
    )
    return version.prompt, version


class RenderView(ProjectScopedView):
    access = {"POST": actions.READ}

    @extend_schema(
        operation_id="prompts_render",
        request=RenderInput,
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=RenderOutput,
        summary="Compile a version with variables (missing or extra ones are a 400 naming them)",
    )
    def post(self, request: Request, name: str) -> Response:
        body = RenderInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        prompt, version = _requested_version(self.project, name, data)
        output = templates.render(
            prompt_name=prompt.name,
            template=version.template,
            variables=data["variables"],
            placeholders=data["placeholders"],
            resolve=selectors.include_resolver(self.project),
        )
        return Response({"version": version.number, "type": prompt.type, "output": output})


class DiffView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="prompts_diff",
        parameters=[DiffQuery, PROJECT_HEADER_PARAMETER],
        responses=DiffOutput,
        summary="Line, message and config diff between two versions",
    )
    def get(self, request: Request, name: str) -> Response:
        query = DiffQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        base = selectors.version_resolve(
            project=self.project,
            prompt_name=name,
            number=query.validated_data["base"],
        )
        target = selectors.version_resolve(
            project=self.project,
            prompt_name=name,
            number=query.validated_data["target"],
        )
        diff = diffs.version_diff(
            prompt_type=base.prompt.type,
            old_template=base.template,
            new_template=target.template,
            old_config=base.config,
            new_config=target.config,
        )
        return Response({"base": base.number, "target": target.number, **diff})


class UsageView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="prompts_usage",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=UsageRowOutput(many=True),
        summary="Traces, tokens, cost, latency and error rate of the spans that ran each version",
    )
    def get(self, request: Request, name: str) -> Response:
        prompt = selectors.prompt_get(project=self.project, name=name)
        return Response(UsageRowOutput(selectors.usage_by_version(prompt=prompt), many=True).data)


__all__ = ["APIView"]
