from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.lineage import domain, selectors
from llmops.lineage.api.serializers import (
    EdgeCreateInput,
    GraphEdgeOutput,
    GraphOutput,
    GraphQueryInput,
    NodeListOutput,
    NodeListQueryInput,
)
from llmops.restapi.scoping import PROJECT_HEADER_PARAMETER, ProjectScopedView


class LineageGraphView(ProjectScopedView):
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
        nodes = selectors.nodes_list(project=self.project, kind=params.get("kind"))
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
        try:
            edge = domain.client_edge_record(
                project=self.project,
                upstream=domain.NodeRef(**data["upstream"]),
                downstream=domain.NodeRef(**data["downstream"]),
                kind=data["kind"],
            )
        except domain.LineageError as exc:
            raise exceptions.ValidationError({exc.field or "non_field_errors": [str(exc)]}) from exc
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
