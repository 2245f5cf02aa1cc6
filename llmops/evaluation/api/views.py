"""The evaluation API: each view parses its input, makes one call into the domain (writes)
or the selectors (reads) and serializes the answer; no ORM here."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.evaluation import domain, selectors
from llmops.evaluation.api import access as actions
from llmops.evaluation.api import serializers as s
from llmops.restapi import cursor
from llmops.tenancy.api.scoping import PROJECT_HEADER_PARAMETER, ProjectScopedView

P = [PROJECT_HEADER_PARAMETER]


def _valid(serializer_class: type[Any], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- datasets -------------------------------------------------------------------------------


class DatasetListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}
    reads_may_lag = True

    @extend_schema(
        operation_id="datasets_list",
        parameters=P,
        responses=s.DatasetOutput(many=True),
        summary="Datasets of the project",
    )
    def get(self, request: Request) -> Response:
        found = selectors.datasets_list(project=self.project)
        return Response(s.DatasetOutput(found, many=True).data)

    @extend_schema(
        operation_id="datasets_create",
        request=s.DatasetInput,
        parameters=P,
        responses={201: s.DatasetOutput},
        summary="Create a dataset (no items yet)",
    )
    def post(self, request: Request) -> Response:
        body = _valid(s.DatasetInput, request.data)
        dataset = domain.dataset_create(project=self.project, **body)
        return Response(s.DatasetOutput(dataset).data, status=status.HTTP_201_CREATED)


class DatasetDetailView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="datasets_versions",
        parameters=P,
        responses=s.DatasetVersionOutput(many=True),
        summary="A dataset's versions, newest first",
    )
    def get(self, request: Request, dataset: str) -> Response:
        found = selectors.dataset_versions(project=self.project, name=dataset)
        return Response(s.DatasetVersionOutput(found, many=True).data)


class DatasetItemsView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}

    @extend_schema(
        operation_id="datasets_items",
        parameters=[s.VersionQuery, *P],
        responses=s.ItemListOutput,
        summary="The items of a version (the newest by default)",
    )
    def get(self, request: Request, dataset: str) -> Response:
        query = _valid(s.VersionQuery, request.query_params)
        found = selectors.dataset_at(
            project=self.project, name=dataset, version=query.get("version")
        )
        items, next_cursor = cursor.page(
            found.items, ordering=("id", "id"), cursor=query.get("cursor"), limit=query["limit"]
        )
        return Response(
            s.ItemListOutput(
                {"version": found.version, "items": items, "next_cursor": next_cursor}
            ).data
        )

    @extend_schema(
        operation_id="datasets_items_change",
        request=s.ItemsChangeInput,
        parameters=P,
        responses={201: s.DatasetVersionOutput},
        summary="Add, replace (by key) and remove items: one new version",
    )
    def post(self, request: Request, dataset: str) -> Response:
        found = selectors.dataset_get(project=self.project, name=dataset)
        body = _valid(s.ItemsChangeInput, request.data)
        version = domain.items_change(
            dataset=found,
            upsert=[domain.ItemInput(**item) for item in body["items"]],
            remove=body["remove"],
            note=body["note"],
            author=str(request.user),
        )
        return Response(s.DatasetVersionOutput(version).data, status=status.HTTP_201_CREATED)


class _TextParser(BaseParser):
    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return stream.read().decode("utf-8", errors="replace")


class DatasetImportView(ProjectScopedView):
    access = {"POST": actions.WRITE}
    parser_classes = [_TextParser]

    @extend_schema(
        operation_id="datasets_import",
        request={"text/csv": OpenApiTypes.STR, "application/x-ndjson": OpenApiTypes.STR},
        parameters=[
            OpenApiParameter(
                "file_type",
                str,
                enum=["jsonl", "csv"],
                description="Defaults to csv for a text/csv body, else jsonl.",
            ),
            *P,
        ],
        responses={201: s.DatasetVersionOutput},
        summary="Import items from JSONL or CSV (the body): one new version",
        description="JSONL: one object per line with input, expected (or expected_output), "
        "metadata and optionally key. CSV: a header row with input, expected, key and metadata "
        "columns; cells holding JSON are parsed.",
    )
    def post(self, request: Request, dataset: str) -> Response:
        found = selectors.dataset_get(project=self.project, name=dataset)
        kind = request.query_params.get("file_type") or (
            "csv" if "csv" in (request.content_type or "") else "jsonl"
        )
        version = domain.items_import(
            dataset=found,
            text=request.data if isinstance(request.data, str) else "",
            file_type=kind,
            author=str(request.user),
        )
        return Response(s.DatasetVersionOutput(version).data, status=status.HTTP_201_CREATED)


class DatasetFromTracesView(ProjectScopedView):
    access = {"POST": actions.WRITE}

    @extend_schema(
        operation_id="datasets_from_traces",
        request=s.ItemsFromTracesInput,
        parameters=P,
        responses={201: s.DatasetVersionOutput},
        summary="Add items made from stored traces and spans",
    )
    def post(self, request: Request, dataset: str) -> Response:
        found = selectors.dataset_get(project=self.project, name=dataset)
        body = _valid(s.ItemsFromTracesInput, request.data)
        version = domain.items_add_from_traces(
            project=self.project,
            dataset=found,
            trace_ids=body["trace_ids"],
            span_ids=body["span_ids"],
            output_as_expected=body["output_as_expected"],
            note=body["note"],
            author=str(request.user),
        )
        return Response(s.DatasetVersionOutput(version).data, status=status.HTTP_201_CREATED)


class DatasetExportView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="datasets_export",
        parameters=[s.VersionQuery, *P],
        responses={(200, "application/x-ndjson"): OpenApiTypes.STR},
        summary="A version's items as JSONL",
    )
    def get(self, request: Request, dataset: str) -> StreamingHttpResponse:
        query = _valid(s.VersionQuery, request.query_params)
        found = selectors.dataset_at(
            project=self.project, name=dataset, version=query.get("version")
        )
        response = StreamingHttpResponse(
            selectors.export_jsonl(found.items), content_type="application/x-ndjson"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{found.dataset.name}-v{found.version}.jsonl"'
        )
        return response


# --- provider connections -------------------------------------------------------------------


class ConnectionListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.CONNECTIONS}

    @extend_schema(
        operation_id="connections_list",
        parameters=P,
        responses=s.ConnectionOutput(many=True),
        summary="Provider connections (keys are never returned)",
    )
    def get(self, request: Request) -> Response:
        found = selectors.connections_list(project=self.project)
        return Response(s.ConnectionOutput(found, many=True).data)

    @extend_schema(
        operation_id="connections_save",
        request=s.ConnectionInput,
        parameters=P,
        responses={201: s.ConnectionOutput},
        summary="Create or update a connection by name",
    )
    def post(self, request: Request) -> Response:
        body = _valid(s.ConnectionInput, request.data)
        connection = domain.connection_save(project=self.project, **body)
        return Response(s.ConnectionOutput(connection).data, status=status.HTTP_201_CREATED)


class ConnectionDetailView(ProjectScopedView):
    access = {"DELETE": actions.CONNECTIONS}

    @extend_schema(
        operation_id="connections_delete",
        parameters=P,
        responses={204: None},
        summary="Remove a connection",
    )
    def delete(self, request: Request, connection: str) -> Response:
        domain.connection_delete(project=self.project, name=connection)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- suites ---------------------------------------------------------------------------------


class SuiteListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}
    reads_may_lag = True

    @extend_schema(
        operation_id="suites_list",
        parameters=P,
        responses=s.SuiteOutput(many=True),
        summary="Evaluation suites",
    )
    def get(self, request: Request) -> Response:
        found = selectors.suites_list(project=self.project)
        return Response(s.SuiteOutput(found, many=True).data)

    @extend_schema(
        operation_id="suites_save",
        request=s.SuiteInput,
        parameters=P,
        responses={201: s.SuiteOutput},
        summary="Create or replace a suite by name",
    )
    def post(self, request: Request) -> Response:
        body = _valid(s.SuiteInput, request.data)
        suite, _ = domain.suite_save(
            project=self.project,
            name=body["name"],
            dataset_name=body["dataset"],
            target=body["target"],
            evaluators=body["evaluators"],
            thresholds=body["thresholds"],
            baseline_label=body["baseline_label"],
        )
        return Response(s.SuiteOutput(suite).data, status=status.HTTP_201_CREATED)


class SuiteDetailView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="suites_get", parameters=P, responses=s.SuiteOutput, summary="A suite"
    )
    def get(self, request: Request, suite: str) -> Response:
        found = selectors.suite_get(project=self.project, name=suite)
        return Response(s.SuiteOutput(found).data)


# --- runs -----------------------------------------------------------------------------------


class RunListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}
    reads_may_lag = True

    @extend_schema(
        operation_id="runs_list",
        parameters=[s.RunListQuery, *P],
        responses=s.RunListOutput,
        summary="Runs, newest first",
    )
    def get(self, request: Request) -> Response:
        query = _valid(s.RunListQuery, request.query_params)
        runs = selectors.runs_list(
            project=self.project, suite=query.get("suite"), status=query.get("status")
        )
        items, next_cursor = cursor.page(
            runs,
            ordering=("-created_at", "-id"),
            cursor=query.get("cursor"),
            limit=query["limit"],
        )
        return Response(s.RunListOutput({"items": items, "next_cursor": next_cursor}).data)

    @extend_schema(
        operation_id="runs_start",
        request=s.RunInput,
        parameters=P,
        responses={202: s.RunOutput},
        summary="Start a run of a suite on a prompt version (or on outputs you send)",
        description="Runs on the workers; poll the run for progress and its verdict.",
    )
    def post(self, request: Request) -> Response:
        body = _valid(s.RunInput, request.data)
        ref = body.get("model_version")
        run = domain.run_request(
            project=self.project,
            suite_name=body["suite"],
            version=body.get("version"),
            label=body.get("label"),
            outputs=body["outputs"],
            trigger=body["trigger"],
            model_version=(ref["name"], ref["version"]) if ref is not None else None,
            created_by=str(request.user),
        )
        return Response(s.RunOutput(run).data, status=status.HTTP_202_ACCEPTED)


class RunDetailView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="runs_get",
        parameters=P,
        responses=s.RunDetailOutput,
        summary="A run: status, progress (and its lanes'), summary and thresholds",
    )
    def get(self, request: Request, run_id: uuid.UUID) -> Response:
        run = selectors.run_get(project=self.project, run_id=run_id)
        return Response(s.RunDetailOutput(run).data)


class RunCancelView(ProjectScopedView):
    access = {"POST": actions.WRITE}

    @extend_schema(
        operation_id="runs_cancel",
        request=None,
        parameters=P,
        responses=s.RunOutput,
        summary="Cancel a queued or running run",
    )
    def post(self, request: Request, run_id: uuid.UUID) -> Response:
        run = domain.run_cancel(project=self.project, run_id=run_id)
        return Response(s.RunOutput(run).data)


class RunResultsView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="runs_results",
        parameters=[s.ResultListQuery, *P],
        responses=s.ResultListOutput,
        summary="Per-item results of a run",
    )
    def get(self, request: Request, run_id: uuid.UUID) -> Response:
        run = selectors.run_get(project=self.project, run_id=run_id)
        query = _valid(s.ResultListQuery, request.query_params)
        results = selectors.run_results(run=run)
        wanted: bool | None = query["failed"]
        if wanted is None:
            items, next_cursor = cursor.page(
                results, ordering=("id", "id"), cursor=query.get("cursor"), limit=query["limit"]
            )
        else:
            # Whether an item failed is decided by its verdicts' JSON, so the filter runs here,
            # not in SQL: a bounded number of pages is scanned for each page answered.
            items, next_cursor = cursor.page_where(
                results,
                ordering=("id", "id"),
                cursor=query.get("cursor"),
                limit=query["limit"],
                keep=lambda result: selectors.result_failed(result) == wanted,
                max_pages=RESULT_SCAN_PAGES,
            )
        return Response(s.ResultListOutput({"items": items, "next_cursor": next_cursor}).data)


RESULT_SCAN_PAGES = 10


class RunCompareView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="runs_compare",
        parameters=P,
        responses=s.ComparisonOutput,
        summary="Two runs per item, side by side, with score deltas, regressions first",
    )
    def get(self, request: Request, run_id: uuid.UUID, other_run_id: uuid.UUID) -> Response:
        compared = selectors.runs_compare_by_id(
            project=self.project,
            run_id=run_id,
            other_run_id=other_run_id,
        )
        return Response(s.ComparisonOutput(compared).data)


# --- gates and promotions -------------------------------------------------------------------


class GateView(ProjectScopedView):
    access = {"GET": actions.READ, "PUT": actions.CONFIGURE_GATES}

    @extend_schema(
        operation_id="gates_list",
        parameters=[s.GateQuery, *P],
        responses=s.GateOutput(many=True),
        summary="A prompt's protected and scheduled labels: gate suites and health",
    )
    def get(self, request: Request) -> Response:
        query = _valid(s.GateQuery, request.query_params)
        found = selectors.gates_of(project=self.project, prompt_name=query["prompt"])
        return Response(s.GateOutput(found, many=True).data)

    @extend_schema(
        operation_id="gates_set",
        request=s.GateInput,
        parameters=P,
        responses=s.GateOutput,
        summary="Name the suites guarding a label, and protect it",
    )
    def put(self, request: Request) -> Response:
        body = _valid(s.GateInput, request.data)
        found = domain.gate_configure(
            project=self.project,
            prompt_name=body["prompt"],
            label=body["label"],
            suite_names=body["suites"],
        )
        return Response(
            s.GateOutput(
                {
                    "prompt": body["prompt"],
                    "label": body["label"],
                    "suites": [x.name for x in found],
                    "health": None,
                }
            ).data
        )


class PromotionListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}

    @extend_schema(
        operation_id="promotions_list",
        parameters=[s.PromotionListQuery, *P],
        responses=s.PromotionListOutput,
        summary="Promotion attempts, newest first",
    )
    def get(self, request: Request) -> Response:
        query = _valid(s.PromotionListQuery, request.query_params)
        found = selectors.promotions_list(project=self.project, prompt=query.get("prompt"))
        items, next_cursor = cursor.page(
            found, ordering=("-created_at", "-id"), cursor=query.get("cursor"), limit=query["limit"]
        )
        return Response(s.PromotionListOutput({"items": items, "next_cursor": next_cursor}).data)

    @extend_schema(
        operation_id="promotions_start",
        request=s.PromotionInput,
        parameters=P,
        responses={202: s.PromotionOutput},
        summary="Promote a version onto a protected label through its release gate",
        description="Starts the label's gate suites on the version (or reuses passing runs of "
        "the same evidence); the label moves only when all pass. Poll the promotion.",
    )
    def post(self, request: Request) -> Response:
        body = _valid(s.PromotionInput, request.data)
        promotion = domain.promotion_request(
            project=self.project,
            prompt_name=body["prompt"],
            version=body["version"],
            label=body["label"],
            requested_by=str(request.user),
        )
        return Response(s.PromotionOutput(promotion).data, status=status.HTTP_202_ACCEPTED)


class PromotionDetailView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="promotions_get",
        parameters=P,
        responses=s.PromotionOutput,
        summary="A promotion: its runs, and the failed thresholds with their items",
    )
    def get(self, request: Request, promotion_id: uuid.UUID) -> Response:
        found = selectors.promotion_get(project=self.project, promotion_id=promotion_id)
        return Response(s.PromotionOutput(found).data)


# --- schedules and online rules -------------------------------------------------------------


class ScheduleListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}

    @extend_schema(
        operation_id="schedules_list",
        parameters=P,
        responses=s.ScheduleOutput(many=True),
        summary="Schedules and their last runs",
    )
    def get(self, request: Request) -> Response:
        found = selectors.schedules_list(project=self.project)
        return Response(s.ScheduleOutput(found, many=True).data)

    @extend_schema(
        operation_id="schedules_create",
        request=s.ScheduleInput,
        parameters=P,
        responses={201: s.ScheduleOutput},
        summary="Run a suite on the version behind a label, on cron or an interval",
    )
    def post(self, request: Request) -> Response:
        body = _valid(s.ScheduleInput, request.data)
        schedule = domain.schedule_create(
            project=self.project,
            suite_name=body["suite"],
            label=body["label"],
            cron=body["cron"].strip(),
            every_seconds=body["every_seconds"],
        )
        return Response(s.ScheduleOutput(schedule).data, status=status.HTTP_201_CREATED)


class ScheduleDetailView(ProjectScopedView):
    access = {"DELETE": actions.WRITE}

    @extend_schema(
        operation_id="schedules_delete",
        parameters=P,
        responses={204: None},
        summary="Remove a schedule",
    )
    def delete(self, request: Request, schedule_id: int) -> Response:
        domain.schedule_delete(project=self.project, schedule_id=schedule_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RuleListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}

    @extend_schema(
        operation_id="online_rules_list",
        parameters=P,
        responses=s.RuleOutput(many=True),
        summary="Online evaluation rules",
    )
    def get(self, request: Request) -> Response:
        found = selectors.rules_list(project=self.project)
        return Response(s.RuleOutput(found, many=True).data)

    @extend_schema(
        operation_id="online_rules_save",
        request=s.RuleInput,
        parameters=P,
        responses={201: s.RuleOutput},
        summary="Create or replace a rule: filter, sampling rate, evaluators",
    )
    def post(self, request: Request) -> Response:
        body = _valid(s.RuleInput, request.data)
        rule = domain.rule_save(project=self.project, **body)
        return Response(s.RuleOutput(rule).data, status=status.HTTP_201_CREATED)


class RuleDetailView(ProjectScopedView):
    access = {"DELETE": actions.WRITE}

    @extend_schema(
        operation_id="online_rules_delete",
        parameters=P,
        responses={204: None},
        summary="Remove a rule",
    )
    def delete(self, request: Request, rule: str) -> Response:
        domain.rule_delete(project=self.project, name=rule)
        return Response(status=status.HTTP_204_NO_CONTENT)
