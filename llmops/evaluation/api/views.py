from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.evaluation import (
    connections,
    datasets,
    execution,
    gate,
    online,
    schedules,
    selectors,
    suites,
)
from llmops.evaluation.api import access as actions
from llmops.evaluation.api import serializers as s
from llmops.evaluation.comparison import runs_compare
from llmops.evaluation.models import (
    Dataset,
    LabelHealth,
    OnlineRule,
    Promotion,
    ProviderConnection,
    Run,
    RunResult,
    Schedule,
    Suite,
)
from llmops.field_errors import FieldError
from llmops.prompts import selectors as prompt_selectors
from llmops.prompts.domain import LATEST, PromptError
from llmops.prompts.models import Prompt, PromptLabel, PromptVersion
from llmops.registry import selectors as registry_selectors
from llmops.registry.domain import RegistryError
from llmops.restapi import cursor
from llmops.tenancy.api.scoping import PROJECT_HEADER_PARAMETER, ProjectScopedView

P = [PROJECT_HEADER_PARAMETER]


def _call[T](function: Callable[..., T], **kwargs: Any) -> T:
    """Domain errors as 400s naming the field (404/409 where the error says so)."""
    try:
        return function(**kwargs)
    except gate.GateError as exc:
        if exc.status == 404:
            raise exceptions.NotFound(str(exc)) from None
        if exc.status == 409:
            raise Conflict(str(exc)) from None
        raise exceptions.ValidationError({exc.field: [str(exc)]}) from None
    except FieldError as exc:
        raise exceptions.ValidationError({exc.field: [str(exc)]}) from None


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _dataset(view: ProjectScopedView, name: str) -> Dataset:
    found = Dataset.objects.filter(project=view.project, name=name).first()
    if found is None:
        raise exceptions.NotFound("Dataset not found.")
    return found


def _run(view: ProjectScopedView, run_id: uuid.UUID) -> Run:
    found = execution.project_run(view.project, run_id)
    if found is None:
        raise exceptions.NotFound("Run not found.")
    return found


def _prompt(view: ProjectScopedView, name: str, field: str = "prompt") -> Prompt:
    found = Prompt.objects.filter(project=view.project, name=name).first()
    if found is None:
        raise exceptions.ValidationError({field: [f"No prompt named {name!r}."]})
    return found


def _prompt_version(
    view: ProjectScopedView,
    name: str,
    *,
    number: int | None,
    label: str | None = None,
    prompt_field: str = "prompt",
) -> PromptVersion:
    """The version a body names, with this API's 400s naming the field."""
    try:
        return prompt_selectors.version_resolve(
            project=view.project, prompt_name=name, number=number, label=label
        )
    except PromptError as exc:
        if exc.field == "name":
            raise exceptions.ValidationError(
                {prompt_field: [f"No prompt named {name!r}."]}
            ) from None
        if exc.field == "version":
            raise exceptions.ValidationError({"version": ["No such version."]}) from None
        raise exceptions.ValidationError({"label": ["No version is behind this label."]}) from None


def _valid(serializer_class: type[Any], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- datasets -------------------------------------------------------------------------------


class DatasetListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}

    @extend_schema(
        operation_id="datasets_list",
        parameters=P,
        responses=s.DatasetOutput(many=True),
        summary="Datasets of the project",
    )
    def get(self, request: Request) -> Response:
        found = Dataset.objects.filter(project=self.project).order_by("name")
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
        dataset = _call(datasets.dataset_create, project=self.project, **body)
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
        found = _dataset(self, dataset)
        return Response(s.DatasetVersionOutput(found.versions.order_by("-number"), many=True).data)


class DatasetItemsView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}

    @extend_schema(
        operation_id="datasets_items",
        parameters=[s.VersionQuery, *P],
        responses=s.ItemListOutput,
        summary="The items of a version (the newest by default)",
    )
    def get(self, request: Request, dataset: str) -> Response:
        found = _dataset(self, dataset)
        query = _valid(s.VersionQuery, request.query_params)
        version = query.get("version") or found.latest_version
        if version > found.latest_version:
            raise exceptions.NotFound(f"Dataset {dataset!r} has no version {version}.")
        items, next_cursor = cursor.page(
            datasets.items_at(found, version),
            ordering=("id", "id"),
            cursor=query.get("cursor"),
            limit=query["limit"],
        )
        return Response(
            s.ItemListOutput({"version": version, "items": items, "next_cursor": next_cursor}).data
        )

    @extend_schema(
        operation_id="datasets_items_change",
        request=s.ItemsChangeInput,
        parameters=P,
        responses={201: s.DatasetVersionOutput},
        summary="Add, replace (by key) and remove items: one new version",
    )
    def post(self, request: Request, dataset: str) -> Response:
        found = _dataset(self, dataset)
        body = _valid(s.ItemsChangeInput, request.data)
        version = _call(
            datasets.items_change,
            dataset=found,
            upsert=[datasets.ItemInput(**item) for item in body["items"]],
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
        found = _dataset(self, dataset)
        kind = request.query_params.get("file_type") or (
            "csv" if "csv" in (request.content_type or "") else "jsonl"
        )
        if kind not in ("jsonl", "csv"):
            raise exceptions.ValidationError({"file_type": ["Must be 'jsonl' or 'csv'."]})
        text = request.data if isinstance(request.data, str) else ""
        parse = datasets.parse_csv if kind == "csv" else datasets.parse_jsonl
        items = _call(parse, text=text)
        version = _call(
            datasets.items_change,
            dataset=found,
            upsert=items,
            note=f"import ({kind})",
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
        found = _dataset(self, dataset)
        body = _valid(s.ItemsFromTracesInput, request.data)
        items = _call(
            datasets.items_from_traces,
            project=self.project,
            trace_ids=body["trace_ids"],
            span_ids=body["span_ids"],
            output_as_expected=body["output_as_expected"],
        )
        version = _call(
            datasets.items_change,
            dataset=found,
            upsert=items,
            note=body["note"] or "from traces",
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
        found = _dataset(self, dataset)
        query = _valid(s.VersionQuery, request.query_params)
        version = query.get("version") or found.latest_version
        if version > found.latest_version:
            raise exceptions.NotFound(f"Dataset {dataset!r} has no version {version}.")
        response = StreamingHttpResponse(
            datasets.export_jsonl(found, version), content_type="application/x-ndjson"
        )
        response["Content-Disposition"] = f'attachment; filename="{found.name}-v{version}.jsonl"'
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
        found = ProviderConnection.objects.filter(project=self.project).order_by("name")
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
        connection = connections.connection_save(project=self.project, **body)
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
        deleted, _ = ProviderConnection.objects.filter(
            project=self.project, name=connection
        ).delete()
        if not deleted:
            raise exceptions.NotFound("Connection not found.")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- suites ---------------------------------------------------------------------------------


class SuiteListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}

    @extend_schema(
        operation_id="suites_list",
        parameters=P,
        responses=s.SuiteOutput(many=True),
        summary="Evaluation suites",
    )
    def get(self, request: Request) -> Response:
        found = (
            Suite.objects.filter(project=self.project).select_related("dataset").order_by("name")
        )
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
        suite, _ = _call(
            suites.suite_save,
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
        found = Suite.objects.filter(project=self.project, name=suite).first()
        if found is None:
            raise exceptions.NotFound("Suite not found.")
        return Response(s.SuiteOutput(found).data)


# --- runs -----------------------------------------------------------------------------------


class RunListCreateView(ProjectScopedView):
    access = {"GET": actions.READ, "POST": actions.WRITE}

    @extend_schema(
        operation_id="runs_list",
        parameters=[s.RunListQuery, *P],
        responses=s.RunListOutput,
        summary="Runs, newest first",
    )
    def get(self, request: Request) -> Response:
        query = _valid(s.RunListQuery, request.query_params)
        runs = Run.objects.filter(project=self.project)
        if query.get("suite"):
            runs = runs.filter(suite__name=query["suite"])
        if query.get("status"):
            runs = runs.filter(status=query["status"])
        items, next_cursor = cursor.page(
            selectors.runs_with_progress(runs),
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
        suite = (
            Suite.objects.filter(project=self.project, name=body["suite"])
            .select_related("dataset")
            .first()
        )
        if suite is None:
            raise exceptions.ValidationError({"suite": [f"No suite named {body['suite']!r}."]})
        version: PromptVersion | None = None
        if suite.target["type"] == "prompt":
            version = _prompt_version(
                self,
                suite.target["prompt"],
                number=body.get("version"),
                label=body.get("label") or LATEST,
                prompt_field="suite",
            )
        model_version = None
        if "model_version" in body:
            ref = body["model_version"]
            try:
                model_version = registry_selectors.model_version_resolve(
                    project=self.project, name=ref["name"], version=ref["version"]
                )
            except RegistryError:
                raise exceptions.ValidationError(
                    {"model_version": ["No such model version."]}
                ) from None
        run = _call(
            execution.run_start,
            suite=suite,
            prompt_version=version,
            trigger=body["trigger"],
            created_by=str(request.user),
            outputs=body["outputs"],
            model_version=model_version,
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
        return Response(s.RunDetailOutput(_run(self, run_id)).data)


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
        run = _run(self, run_id)
        if not execution.run_cancel(run):
            raise Conflict(f"The run has already ended ({run.status}).")
        run.refresh_from_db()
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
        run = _run(self, run_id)
        query = _valid(s.ResultListQuery, request.query_params)
        results = RunResult.objects.filter(run=run).select_related("item")
        limit: int = query["limit"]
        wanted: bool | None = query["failed"]
        if wanted is None:
            items, next_cursor = cursor.page(
                results, ordering=("id", "id"), cursor=query.get("cursor"), limit=limit
            )
            return Response(s.ResultListOutput({"items": items, "next_cursor": next_cursor}).data)
        # Whether an item failed is decided by its verdicts' JSON, so the filter runs here, not
        # in SQL: pages are scanned until one is full, a bounded number of pages at a time, and
        # the cursor carries on from the last row scanned.
        matched: list[RunResult] = []
        next_cursor = query.get("cursor")
        for _ in range(RESULT_SCAN_PAGES):
            scanned, next_cursor = cursor.page(
                results, ordering=("id", "id"), cursor=next_cursor, limit=limit
            )
            for result in scanned:
                if len(matched) < limit and _result_failed(result) == wanted:
                    matched.append(result)
                elif len(matched) >= limit:
                    # Full: continue after the last item returned, not the last one scanned.
                    next_cursor = cursor.encode([matched[-1].pk, matched[-1].pk])
                    break
            if len(matched) >= limit or next_cursor is None:
                break
        return Response(s.ResultListOutput({"items": matched, "next_cursor": next_cursor}).data)


RESULT_SCAN_PAGES = 10


def _result_failed(result: RunResult) -> bool:
    return bool(result.error) or any(
        v.get("error") or v.get("passed") is False for v in result.verdicts.values()
    )


class RunCompareView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="runs_compare",
        parameters=P,
        responses=s.ComparisonOutput,
        summary="Two runs per item, side by side, with score deltas, regressions first",
    )
    def get(self, request: Request, run_id: uuid.UUID, other_run_id: uuid.UUID) -> Response:
        base, target = _run(self, run_id), _run(self, other_run_id)
        return Response(s.ComparisonOutput(runs_compare(base, target)).data)


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
        prompt = Prompt.objects.filter(project=self.project, name=query["prompt"]).first()
        if prompt is None:
            raise exceptions.NotFound("Prompt not found.")
        health = {h.label: h for h in LabelHealth.objects.filter(prompt=prompt)}
        gate_suites = selectors.gate_suites_by_label(prompt)
        protected = PromptLabel.objects.filter(prompt=prompt, protected=True)
        # Protected labels, and any label a scheduled run has judged.
        labels = sorted({*protected.values_list("name", flat=True), *health})
        out = []
        for label in labels:
            h = health.get(label)
            out.append(
                {
                    "prompt": prompt.name,
                    "label": label,
                    "suites": [suite.name for suite in gate_suites.get(label, [])],
                    "health": {
                        "failing": h.failing,
                        "run": str(h.run_id) if h.run_id else None,
                        "updated_at": h.updated_at,
                    }
                    if h
                    else None,
                }
            )
        return Response(s.GateOutput(out, many=True).data)

    @extend_schema(
        operation_id="gates_set",
        request=s.GateInput,
        parameters=P,
        responses=s.GateOutput,
        summary="Name the suites guarding a label, and protect it",
    )
    def put(self, request: Request) -> Response:
        body = _valid(s.GateInput, request.data)
        prompt = _prompt(self, body["prompt"])
        found = _call(gate.gate_set, prompt=prompt, label=body["label"], suite_names=body["suites"])
        return Response(
            s.GateOutput(
                {
                    "prompt": prompt.name,
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
        found = selectors.promotions_with_runs(Promotion.objects.filter(project=self.project))
        if query.get("prompt"):
            found = found.filter(prompt__name=query["prompt"])
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
        version = _prompt_version(self, body["prompt"], number=body["version"])
        promotion = _call(
            gate.promotion_start,
            prompt=version.prompt,
            label=body["label"],
            version=version,
            requested_by=str(request.user),
        )
        promotion = selectors.promotions_with_runs(Promotion.objects.filter(pk=promotion.pk)).get()
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
        found = selectors.promotions_with_runs(
            Promotion.objects.filter(project=self.project, pk=promotion_id)
        ).first()
        if found is None:
            raise exceptions.NotFound("Promotion not found.")
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
        found = Schedule.objects.filter(project=self.project).select_related("suite", "last_run")
        return Response(s.ScheduleOutput(found.order_by("pk"), many=True).data)

    @extend_schema(
        operation_id="schedules_create",
        request=s.ScheduleInput,
        parameters=P,
        responses={201: s.ScheduleOutput},
        summary="Run a suite on the version behind a label, on cron or an interval",
    )
    def post(self, request: Request) -> Response:
        body = _valid(s.ScheduleInput, request.data)
        schedule = _call(
            schedules.schedule_create,
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
        found = Schedule.objects.filter(project=self.project, pk=schedule_id).first()
        if found is None:
            raise exceptions.NotFound("Schedule not found.")
        schedules.schedule_delete(found)
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
        found = OnlineRule.objects.filter(project=self.project).order_by("name")
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
        rule = _call(online.rule_save, project=self.project, **body)
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
        deleted, _ = OnlineRule.objects.filter(project=self.project, name=rule).delete()
        if not deleted:
            raise exceptions.NotFound("Rule not found.")
        online.forget_project(self.project)
        return Response(status=status.HTTP_204_NO_CONTENT)
