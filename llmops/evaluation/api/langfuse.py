"""Langfuse's dataset endpoints and the 3.x SDKs' dataset run items, onto the platform's
versioned datasets and evaluation runs (docs/langfuse.md).

A Langfuse dataset is a platform dataset (its id is the platform's), a Langfuse item id is the
item's key, and every change of an item is a new dataset version. A run item links an item's
trace to an experiment, which is the platform's evaluation run
(llmops/evaluation/domain/experiments.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.domain_errors import Invalid
from llmops.evaluation import selectors
from llmops.evaluation.api import access as actions
from llmops.evaluation.domain import experiments
from llmops.evaluation.domain.langfuse_datasets import ItemUpsert, dataset_upsert, item_upsert
from llmops.evaluation.models import Dataset, DatasetItem, Experiment, RunResult
from llmops.json_text import first_non_finite
from llmops.langfuse_api.views import (
    LangfuseView,
    body,
    iso,
    page,
    page_meta,
    text,
    timestamp,
)

MAX_NAME = 200
MAX_KEY = 200
TRACE_ID = 32
SPAN_ID = 16


def _finite(value: Any, name: str) -> None:
    # The body parser refuses NaN, NUL and deep nesting; 1e999 still decodes (as infinity).
    path = first_non_finite(value)
    if path is not None:
        where = name if path == "non_field_errors" else f"{name}.{path}".replace(".[", "[")
        raise Invalid("must hold finite numbers only", field=where)


def _json(data: Mapping[str, Any], name: str) -> Any:
    """A free JSON value (input, expected output, metadata)."""
    value = data.get(name)
    _finite(value, name)
    return value


def _object(data: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    value = _json(data, name)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        # Langfuse takes any JSON value as metadata; the platform keeps an object.
        return {"value": value}
    return dict(value)


def dataset_json(dataset: Dataset) -> dict[str, Any]:
    return {
        "id": str(dataset.pk),
        "name": dataset.name,
        "description": dataset.description or None,
        "metadata": dataset.metadata or None,
        "inputSchema": None,
        "expectedOutputSchema": None,
        "projectId": str(dataset.project_id),
        "createdAt": iso(dataset.created_at),
        "updatedAt": iso(dataset.created_at),
    }


def item_json(item: DatasetItem, times: Mapping[int, Any]) -> dict[str, Any]:
    # An item is immutable per version: it was made (and last changed) with its version.
    made = iso(times.get(item.added_in))
    return {
        "id": item.key,
        "status": "ACTIVE" if item.removed_in is None else "ARCHIVED",
        "input": item.input,
        "expectedOutput": item.expected,
        "metadata": item.metadata or None,
        "sourceTraceId": item.source_trace_id or None,
        "sourceObservationId": item.source_span_id or None,
        "datasetId": str(item.dataset_id),
        "datasetName": item.dataset.name,
        "createdAt": made,
        "updatedAt": made,
        "mediaReferences": [],
    }


class LangfuseDatasetsView(LangfuseView):
    """``GET /api/public/v2/datasets`` (a page) and ``POST`` (create, or update by name)."""

    access = {"GET": actions.READ, "POST": actions.WRITE}

    def get(self, request: Request) -> Response:
        number, limit = page(request)
        found = selectors.datasets_list(project=self.project)
        rows = found[(number - 1) * limit : number * limit]
        return Response(
            {
                "data": [dataset_json(dataset) for dataset in rows],
                "meta": page_meta(number, limit, found.count()),
            }
        )

    def post(self, request: Request) -> Response:
        data = body(request)
        description = data.get("description")
        if description is not None:
            description = text(data, "description", required=False)
        dataset = dataset_upsert(
            project=self.project,
            name=text(data, "name", max_length=MAX_NAME),
            description=description,
            metadata=_object(data, "metadata"),
        )
        return Response(dataset_json(dataset))


class LangfuseDatasetView(LangfuseView):
    """``GET /api/public/v2/datasets/{name}``."""

    access = {"GET": actions.READ}

    def get(self, request: Request, name: str) -> Response:
        return Response(dataset_json(selectors.dataset_get(project=self.project, name=name)))


class LangfuseDatasetItemsView(LangfuseView):
    """``GET /api/public/dataset-items?datasetName=&page=&limit=&version=`` and ``POST``
    (upsert by id: a new dataset version)."""

    access = {"GET": actions.READ, "POST": actions.WRITE}

    def get(self, request: Request) -> Response:
        query = request.query_params
        number, limit = page(request)
        name = text(query, "datasetName", max_length=MAX_NAME)
        dataset = selectors.dataset_get(project=self.project, name=name)
        at = timestamp(query, "version")
        version = dataset.latest_version if at is None else selectors.version_at_time(dataset, at)
        items = selectors.items_at(dataset, version).select_related("dataset").order_by("id")
        trace_id = text(query, "sourceTraceId", required=False, max_length=TRACE_ID)
        if trace_id:
            items = items.filter(source_trace_id=trace_id)
        span_id = text(query, "sourceObservationId", required=False, max_length=SPAN_ID)
        if span_id:
            items = items.filter(source_span_id=span_id)
        rows = list(items[(number - 1) * limit : number * limit])
        times = selectors.version_times(dataset)
        return Response(
            {
                "data": [item_json(item, times) for item in rows],
                "meta": page_meta(number, limit, items.count()),
            }
        )

    def post(self, request: Request) -> Response:
        data = body(request)
        raw_status = data.get("status")
        if raw_status not in (None, "ACTIVE", "ARCHIVED"):
            raise Invalid("must be ACTIVE or ARCHIVED", field="status")
        item = item_upsert(
            project=self.project,
            item=ItemUpsert(
                dataset_name=text(data, "datasetName", max_length=MAX_NAME),
                input=_json(data, "input"),
                expected=_json(data, "expectedOutput"),
                metadata=_object(data, "metadata") or {},
                key=text(data, "id", required=False, max_length=MAX_KEY),
                source_trace_id=text(data, "sourceTraceId", required=False, max_length=TRACE_ID),
                source_span_id=text(
                    data, "sourceObservationId", required=False, max_length=SPAN_ID
                ),
                archived=raw_status == "ARCHIVED",
            ),
            author=str(request.user),
        )
        return Response(item_json(item, selectors.version_times(item.dataset)))


class LangfuseDatasetItemView(LangfuseView):
    """``GET /api/public/dataset-items/{id}``: the item in its dataset's newest version."""

    access = {"GET": actions.READ}

    def get(self, request: Request, item_id: str) -> Response:
        item = selectors.item_current(project=self.project, key=item_id)
        return Response(item_json(item, selectors.version_times(item.dataset)))


def run_item_json(experiment: Experiment, result: RunResult, observation_id: str) -> dict[str, Any]:
    return {
        "id": str(result.pk),
        "datasetRunId": experiment.external_id,
        "datasetRunName": experiment.name,
        "datasetItemId": result.item_key,
        "traceId": result.trace_id,
        "observationId": observation_id or None,
        "createdAt": iso(result.created_at),
        "updatedAt": iso(result.created_at),
    }


class LangfuseDatasetRunItemsView(LangfuseView):
    """``POST /api/public/dataset-run-items``: the 3.x SDKs link an item's trace to the run
    named ``runName`` (made by its first item) and use the answer's ``datasetRunId`` as the
    experiment id on their spans."""

    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = body(request)
        trace_id = text(data, "traceId", max_length=TRACE_ID)
        observation_id = text(data, "observationId", required=False, max_length=SPAN_ID)
        experiment, result = experiments.run_item_link(
            project=self.project,
            run_name=text(data, "runName", max_length=MAX_NAME),
            description=text(data, "runDescription", required=False),
            metadata=_object(data, "metadata") or {},
            item_key=text(data, "datasetItemId", max_length=MAX_KEY),
            trace_id=trace_id.lower(),
            author=str(request.user),
        )
        return Response(
            run_item_json(experiment, result, observation_id), status=status.HTTP_200_OK
        )
