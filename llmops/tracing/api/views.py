from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.restapi import cursor
from llmops.tenancy.api.scoping import PROJECT_HEADER_PARAMETER, ProjectScopedView
from llmops.tracing import domain, metrics, selectors
from llmops.tracing.api import access as actions
from llmops.tracing.api.serializers import (
    MetricsOutput,
    MetricsQuery,
    ModelPriceInput,
    ModelPriceOutput,
    RetentionInput,
    RetentionOutput,
    SessionListOutput,
    SessionListQuery,
)
from llmops.tracing.models import ModelPrice, RetentionPolicy

FROM_PARAMETER = OpenApiParameter(
    "from", str, description="Start of the time range (ISO 8601), inclusive."
)


class SessionListView(ProjectScopedView):
    access = {"GET": actions.READ}
    reads_may_lag = True

    @extend_schema(
        operation_id="sessions_list",
        parameters=[SessionListQuery, PROJECT_HEADER_PARAMETER],
        responses=SessionListOutput,
        summary="Sessions (conversations), most recently active first",
    )
    def get(self, request: Request) -> Response:
        query = SessionListQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        sessions = selectors.sessions_list(project=self.project)
        if params.get("user_id"):
            sessions = sessions.filter(user_id=params["user_id"])
        items, next_cursor = cursor.page(
            sessions,
            ordering=("-last_trace_at", "-session_id"),
            cursor=params.get("cursor"),
            limit=params["limit"],
        )
        return Response(SessionListOutput({"items": items, "next_cursor": next_cursor}).data)


class MetricsView(ProjectScopedView):
    access = {"GET": actions.READ}
    reads_may_lag = True

    @extend_schema(
        operation_id="metrics_query",
        parameters=[MetricsQuery, FROM_PARAMETER, PROJECT_HEADER_PARAMETER],
        responses=MetricsOutput,
        summary="Counts, tokens, cost, latency percentiles and error rate per time bucket",
        description=(
            "Model calls (grouped by model, provider, prompt_version, or measure=calls) are "
            "answered from hourly rollups when from and to are on the hour and the bucket is "
            "hour or day; otherwise from the spans. `source` says which."
        ),
    )
    def get(self, request: Request) -> Response:
        query = MetricsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        group_by = metrics.GroupBy(params["group_by"])
        measure = params.get("measure")
        result = metrics.metrics_query(
            project=self.project,
            start=params["start_from"],
            end=params["to"],
            bucket=metrics.Bucket(params["bucket"]),
            group_by=group_by,
            measure=metrics.Measure(measure) if measure else None,
        )
        return Response(
            MetricsOutput(
                {
                    "measured": "spans" if result.measured == metrics.Measure.CALLS else "traces",
                    "source": result.source.value,
                    "bucket": params["bucket"],
                    "group_by": group_by.value,
                    "rows": [asdict(row) for row in result.rows],
                }
            ).data
        )


class RetentionView(ProjectScopedView):
    access = {"GET": actions.READ, "PUT": actions.RETENTION}

    @extend_schema(
        operation_id="retention_get",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=RetentionOutput,
        summary="How many days traces are kept (null: forever)",
    )
    def get(self, request: Request) -> Response:
        policy = RetentionPolicy.objects.filter(project=self.project).first()
        return Response({"days": policy.days if policy else None})

    @extend_schema(
        operation_id="retention_set",
        request=RetentionInput,
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=RetentionOutput,
    )
    def put(self, request: Request) -> Response:
        body = RetentionInput(data=request.data)
        body.is_valid(raise_exception=True)
        policy = domain.retention_set(project=self.project, days=body.validated_data["days"])
        return Response({"days": policy.days if policy else None})


class ModelPriceListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.PRICES}

    @extend_schema(
        operation_id="model_prices_list",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=ModelPriceOutput(many=True),
        summary="The project's own model prices (USD per million tokens)",
    )
    def get(self, request: Request) -> Response:
        prices = ModelPrice.objects.filter(project=self.project).order_by("model_pattern", "id")
        return Response(ModelPriceOutput(prices, many=True).data)

    @extend_schema(
        operation_id="model_prices_create",
        request=ModelPriceInput,
        parameters=[PROJECT_HEADER_PARAMETER],
        responses={201: ModelPriceOutput},
        summary="Add a price for models matching a pattern, from a date on",
    )
    def post(self, request: Request) -> Response:
        body = ModelPriceInput(data=request.data)
        body.is_valid(raise_exception=True)
        price = domain.model_price_create(project=self.project, **body.validated_data)
        return Response(ModelPriceOutput(price).data, status=status.HTTP_201_CREATED)


class ModelPriceDeleteView(ProjectScopedView):
    access = {"DELETE": actions.PRICES}

    @extend_schema(
        operation_id="model_prices_delete",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses={204: None},
        summary="Remove a project price (spans already priced keep their cost)",
    )
    def delete(self, request: Request, price_id: int) -> Response:
        deleted, _ = ModelPrice.objects.filter(project=self.project, pk=price_id).delete()
        if not deleted:
            raise exceptions.NotFound("Price not found.")
        return Response(status=status.HTTP_204_NO_CONTENT)
