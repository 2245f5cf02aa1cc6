"""Traces read with their scores: the trace list (filtered by score too), a trace, a session.

Tracing sits below scores (a score is about a trace or a span), so the endpoints that show
traces with their scores live here; the paths and the access actions are tracing's.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.restapi import cursor
from llmops.scores import selectors
from llmops.scores.api.serializers import (
    ScoreOutput,
    SessionDetailOutput,
    TraceDetailOutput,
    TraceListItemOutput,
    TraceListOutput,
    TraceListQuery,
)
from llmops.scores.models import Score
from llmops.tenancy.api.scoping import PROJECT_HEADER_PARAMETER, ProjectScopedView
from llmops.tracing import selectors as trace_selectors
from llmops.tracing.api import access as actions
from llmops.tracing.api.serializers import SpanNodeOutput, TraceOutput
from llmops.tracing.api.views import FROM_PARAMETER
from llmops.tracing.models import Span, Trace


class _TraceDetails:
    """Writes trace details with one set of serializers per process.

    Building a serializer binds (deep-copies) all its fields, which costs more than writing a
    trace of a few spans: every request reuses the same bound ones (writing a row changes no
    state of a serializer without data).
    """

    def __init__(self) -> None:
        self.trace_output = TraceOutput()
        self.node_output = SpanNodeOutput()
        self.score_output = ScoreOutput()

    def __call__(self, trace: Trace, spans: list[Span], scores: list[Score]) -> dict[str, object]:
        data = self.trace_output.to_representation(trace)
        data["input"] = trace.input
        data["output"] = trace.output
        data["spans"] = [
            self.node_output.to_representation(node) for node in trace_selectors.span_tree(spans)
        ]
        data["scores"] = [self.score_output.to_representation(score) for score in scores]
        return data


_trace_details = _TraceDetails()
# Bound once, as the details' serializers; TraceListOutput documents the answer.
_list_item = TraceListItemOutput()


class TraceListView(ProjectScopedView):
    access = {"GET": actions.READ}
    reads_may_lag = True

    @extend_schema(
        operation_id="traces_list",
        parameters=[TraceListQuery, FROM_PARAMETER, PROJECT_HEADER_PARAMETER],
        responses=TraceListOutput,
        summary="Traces, filtered, sorted and paged with a cursor",
    )
    def get(self, request: Request) -> Response:
        query = TraceListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        tags = tuple(t.strip() for t in params.get("tags", "").split(",") if t.strip())
        filters = trace_selectors.TraceFilters(
            start_from=params.get("start_from"),
            start_to=params.get("to"),
            name=params.get("name"),
            user_id=params.get("user_id"),
            session_id=params.get("session_id"),
            tags=tags,
            environment=params.get("environment"),
            release=params.get("release"),
            model=params.get("model"),
            status=params.get("status"),
            has_error=params.get("has_error"),
            min_cost=params.get("min_cost"),
            max_cost=params.get("max_cost"),
            min_latency_ms=params.get("min_latency_ms"),
            max_latency_ms=params.get("max_latency_ms"),
            metadata_key=params.get("metadata_key"),
            metadata_value=params.get("metadata_value"),
            prompt_name=params.get("prompt_name"),
            prompt_version=params.get("prompt_version"),
            text=params.get("q"),
        )
        # The list shows no payload: decoding each trace's input and output would be wasted.
        traces = trace_selectors.traces_filtered(project=self.project, filters=filters).defer(
            "input", "output"
        )
        if params.get("score_name"):
            traces = selectors.traces_scored(
                traces,
                project=self.project,
                name=params["score_name"],
                min_value=params.get("score_min"),
                max_value=params.get("score_max"),
                label=params.get("score_label"),
            )
        items, next_cursor = cursor.page(
            traces,
            ordering=trace_selectors.TRACE_ORDERINGS[params["order_by"]],
            cursor=params.get("cursor"),
            limit=params["limit"],
        )
        summaries = selectors.score_summaries(
            project=self.project, trace_ids=[trace.trace_id for trace in items]
        )
        for trace in items:
            trace.scores = summaries.get(trace.trace_id, {})  # type: ignore[attr-defined]
        return Response(
            {
                "items": [_list_item.to_representation(trace) for trace in items],
                "next_cursor": next_cursor,
            }
        )


class TraceDetailView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="traces_get",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=TraceDetailOutput,
        summary="A trace with its span tree",
    )
    def get(self, request: Request, trace_id: str) -> Response:
        trace = trace_selectors.trace_get(project=self.project, trace_id=trace_id.lower())
        if trace is None:
            raise exceptions.NotFound("Trace not found.")
        # Bounded by the row just read: the span partitions are pruned while planning.
        spans = trace_selectors.spans_of_trace_row(project=self.project, trace=trace)
        scores = selectors.scores_of_trace(project=self.project, trace_id=trace.trace_id)
        return Response(_trace_details(trace, spans, scores))


class SessionDetailView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="sessions_get",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=SessionDetailOutput,
        summary="A session's traces in order, each with its span tree",
    )
    def get(self, request: Request, session_id: str) -> Response:
        traces = list(
            trace_selectors.session_traces(project=self.project, session_id=session_id)[:500]
        )
        if not traces:
            raise exceptions.NotFound("Session not found.")
        # Two queries for all the session's spans and scores, however many traces it has.
        trace_ids = [trace.trace_id for trace in traces]
        spans = trace_selectors.spans_of_trace_rows(project=self.project, traces=traces)
        scores = selectors.scores_of_traces(project=self.project, trace_ids=trace_ids)
        details = [
            _trace_details(trace, spans.get(trace.trace_id, []), scores.get(trace.trace_id, []))
            for trace in traces
        ]
        return Response({"session_id": session_id, "traces": details})
