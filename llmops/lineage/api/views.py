from __future__ import annotations

from dataclasses import asdict
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.domain_errors import NotFound
from llmops.lineage import domain, selectors
from llmops.lineage.api import access as actions
from llmops.lineage.api.serializers import (
    BehindQueryInput,
    EdgeCreateInput,
    GraphEdgeOutput,
    GraphOutput,
    GraphQueryInput,
    ImpactOutput,
    ImpactQueryInput,
    NodeListOutput,
    NodeListQueryInput,
)
from llmops.lineage.models import NodeKind
from llmops.tenancy.api.scoping import PROJECT_HEADER_PARAMETER, ProjectScopedView
from llmops.tenancy.models import Project


class LineageGraphView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="lineage_graph",
        parameters=[GraphQueryInput, PROJECT_HEADER_PARAMETER],
        responses=GraphOutput,
        summary="Upstream and downstream of a node, to a given depth",
    )
    def get(self, request: Request) -> Response:
        query = GraphQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        root = selectors.node_get(project=self.project, kind=params["kind"], ref=params["ref"])
        if root is None:
            raise exceptions.NotFound(f"No {params['kind']} node with ref {params['ref']!r}.")
        graph = selectors.graph_around(
            project=self.project,
            root=root,
            direction=selectors.Direction(params["direction"]),
            depth=params["depth"],
        )
        return Response(GraphOutput(asdict(graph)).data)


class LineageNodeListView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="lineage_nodes_list",
        parameters=[NodeListQueryInput, PROJECT_HEADER_PARAMETER],
        responses=NodeListOutput,
        summary="Nodes of the project's lineage graph, newest first (cursor pagination)",
    )
    def get(self, request: Request) -> Response:
        query = NodeListQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        nodes = selectors.nodes_list(
            project=self.project, kind=params.get("kind"), text=params.get("q", "")
        )
        if "cursor" in params:
            nodes = nodes.filter(id__lt=params["cursor"])
        page = list(nodes[: params["limit"] + 1])
        more = len(page) > params["limit"]
        page = page[: params["limit"]]
        return Response(
            NodeListOutput(
                {"items": page, "next_cursor": page[-1].id if more and page else None}
            ).data
        )


class LineageEdgeCreateView(ProjectScopedView):
    access = {"POST": actions.WRITE}

    @extend_schema(
        operation_id="lineage_edge_create",
        request=EdgeCreateInput,
        responses={201: GraphEdgeOutput},
        parameters=[PROJECT_HEADER_PARAMETER],
        summary="Record an edge to or from an external node",
    )
    def post(self, request: Request) -> Response:
        body = EdgeCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        edge = domain.client_edge_record(
            project=self.project,
            upstream=domain.NodeRef(**data["upstream"]),
            downstream=domain.NodeRef(**data["downstream"]),
            kind=data["kind"],
        )
        return Response(
            GraphEdgeOutput(
                {
                    "id": edge.pk,
                    "kind": edge.kind,
                    "source": edge.source_id,
                    "target": edge.target_id,
                    "created_at": edge.created_at,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


class LineageImpactView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="lineage_impact",
        parameters=[ImpactQueryInput, PROJECT_HEADER_PARAMETER],
        responses=ImpactOutput,
        summary="What was built or judged from a node: prompt and model versions, runs",
        description="For a dataset version: every prompt version and model version whose "
        "evaluation or training used it, at any distance downstream.",
    )
    def get(self, request: Request) -> Response:
        query = ImpactQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        root = selectors.node_get(project=self.project, kind=params["kind"], ref=params["ref"])
        if root is None:
            raise exceptions.NotFound(f"No {params['kind']} node with ref {params['ref']!r}.")
        found = selectors.impact_of(project=self.project, root=root)
        graph = selectors.graph_around(
            project=self.project, root=root, direction=selectors.Direction.DOWNSTREAM, depth=0
        )
        return Response(
            ImpactOutput(
                {
                    "root": asdict(graph.root),
                    **{f"{kind}s": [asdict(n) for n in nodes] for kind, nodes in found.items()},
                }
            ).data
        )


class LabelTarget(Protocol):
    """The version a prompt's label points at; raises NotFound for a missing prompt or label."""

    def __call__(self, *, project: Project, prompt_name: str, label: str) -> models.Model: ...


class AliasTarget(Protocol):
    """The version a registered model's alias points at; raises NotFound for a missing model
    or alias."""

    def __call__(self, *, project: Project, name: str, alias: str) -> models.Model: ...


def _behind_node(view: LineageBehindView, params: dict[str, object]) -> tuple[str, str]:
    """The (kind, ref) of the version a prompt label or a model alias points at."""
    if view.prompt_label is None or view.model_alias is None:
        raise ImproperlyConfigured("LineageBehindView.as_view needs prompt_label and model_alias")
    if params.get("prompt"):
        try:
            version = view.prompt_label(
                project=view.project, prompt_name=str(params["prompt"]), label=str(params["label"])
            )
        except NotFound:
            raise exceptions.NotFound(
                f"No label {params['label']!r} on prompt {params['prompt']!r}."
            ) from None
        return NodeKind.PROMPT_VERSION, str(version.pk)
    try:
        model_version = view.model_alias(
            project=view.project, name=str(params["model"]), alias=str(params["alias"])
        )
    except NotFound:
        raise exceptions.NotFound(
            f"No alias {params['alias']!r} on model {params['model']!r}."
        ) from None
    return NodeKind.MODEL_VERSION, str(model_version.pk)


class LineageBehindView(ProjectScopedView):
    """Labels and aliases belong to prompts and the registry, contexts above lineage, so the
    URL configuration (``llmops/urls.py``) passes in how to read them."""

    access = {"GET": actions.READ}
    prompt_label: LabelTarget | None = None
    model_alias: AliasTarget | None = None

    @extend_schema(
        operation_id="lineage_behind",
        parameters=[BehindQueryInput, PROJECT_HEADER_PARAMETER],
        responses=GraphOutput,
        summary="What is behind a prompt label or a model alias, and everything it came from",
    )
    def get(self, request: Request) -> Response:
        query = BehindQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        kind, ref = _behind_node(self, params)
        root = selectors.node_get(project=self.project, kind=kind, ref=ref)
        if root is None:
            raise exceptions.NotFound("The version has no lineage recorded.")
        graph = selectors.graph_around(
            project=self.project,
            root=root,
            direction=selectors.Direction.UPSTREAM,
            depth=params["depth"],
        )
        return Response(GraphOutput(asdict(graph)).data)
