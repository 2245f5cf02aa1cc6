from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.restapi import cursor
from llmops.scores import domain, selectors
from llmops.scores.api import access as actions
from llmops.scores.api.serializers import (
    MAX_SCORES_PER_REQUEST,
    ScoreInput,
    ScoreListOutput,
    ScoreListQuery,
    ScoreMetricsOutput,
    ScoreMetricsQuery,
    ScoreOutput,
)
from llmops.tenancy.api.scoping import PROJECT_HEADER_PARAMETER, ProjectScopedView
from llmops.tracing.metrics import MAX_BUCKETS

FROM_PARAMETER = OpenApiParameter("from", str, description="Start of the time range (ISO 8601).")
_BUCKET_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ScoreListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.SEND}
    reads_may_lag = True

    @extend_schema(
        operation_id="scores_list",
        parameters=[ScoreListQuery, FROM_PARAMETER, PROJECT_HEADER_PARAMETER],
        responses=ScoreListOutput,
        summary="Scores, newest first, filtered and paged with a cursor",
    )
    def get(self, request: Request) -> Response:
        query = ScoreListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        scores = selectors.scores_filtered(
            project=self.project,
            filters=selectors.ScoreFilters(
                trace_id=(params.get("trace_id") or "").lower() or None,
                span_id=(params.get("span_id") or "").lower() or None,
                name=params.get("name"),
                source=params.get("source"),
                data_type=params.get("data_type"),
                start_from=params.get("start_from"),
                start_to=params.get("to"),
            ),
        )
        items, next_cursor = cursor.page(
            scores,
            ordering=("-created_at", "-id"),
            cursor=params.get("cursor"),
            limit=params["limit"],
        )
        return Response(ScoreListOutput({"items": items, "next_cursor": next_cursor}).data)

    @extend_schema(
        operation_id="scores_create",
        request=ScoreInput,
        parameters=[PROJECT_HEADER_PARAMETER],
        responses={201: ScoreOutput},
        summary="Record a score, or a list of up to 1000 (all stored or none)",
        description="The body is one score object or a list of them. A score whose id is "
        "already stored is updated. Numeric, boolean and categorical values; the data type is "
        "inferred from the value when not given.",
    )
    def post(self, request: Request) -> Response:
        many = isinstance(request.data, list)
        if many and len(request.data) > MAX_SCORES_PER_REQUEST:
            raise exceptions.ValidationError(
                {"non_field_errors": [f"At most {MAX_SCORES_PER_REQUEST} scores per request."]}
            )
        if many and not request.data:
            raise exceptions.ValidationError({"non_field_errors": ["The list is empty."]})
        body: serializers.BaseSerializer[object] = ScoreInput(data=request.data, many=many)
        body.is_valid(raise_exception=True)
        validated = body.validated_data if many else [body.validated_data]
        rows = domain.scores_record(
            project=self.project,
            items=[domain.ScoreInput(**item) for item in validated],
            author=str(request.user),
            many=many,
        )
        data = ScoreOutput(rows, many=True).data
        return Response(data if many else data[0], status=status.HTTP_201_CREATED)


class ScoreDeleteView(ProjectScopedView):
    access = {"DELETE": actions.DELETE}

    @extend_schema(
        operation_id="scores_delete",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses={204: None},
        summary="Remove a score",
    )
    def delete(self, request: Request, score_id: uuid.UUID) -> Response:
        if not domain.score_delete(project=self.project, score_id=score_id):
            raise exceptions.NotFound("Score not found.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScoreMetricsView(ProjectScopedView):
    access = {"GET": actions.READ}
    reads_may_lag = True

    @extend_schema(
        operation_id="scores_metrics",
        parameters=[ScoreMetricsQuery, FROM_PARAMETER, PROJECT_HEADER_PARAMETER],
        responses=ScoreMetricsOutput,
        summary="Per time bucket and score name: count, mean, min, max and label counts",
    )
    def get(self, request: Request) -> Response:
        query = ScoreMetricsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        span = (params["to"] - params["start_from"]).total_seconds()
        if span / _BUCKET_SECONDS[params["bucket"]] > MAX_BUCKETS:
            raise exceptions.ValidationError(
                {"bucket": [f"The range holds more than {MAX_BUCKETS} buckets; use a larger one."]}
            )
        rows = selectors.score_metrics(
            project=self.project,
            start=params["start_from"],
            end=params["to"],
            bucket=params["bucket"],
            name=params.get("name"),
        )
        return Response(ScoreMetricsOutput({"bucket": params["bucket"], "rows": rows}).data)
