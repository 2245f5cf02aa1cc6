"""MLflow's tracking endpoints (experiments, runs, metrics, logged models) and the artifact proxy.

Each view reads MLflow's request fields and answers MLflow's response shape, so the official
``mlflow`` client works unchanged. Everything is scoped to the project of the caller's key.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.http import FileResponse
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.domain_errors import Invalid, NotFound
from llmops.mlflow_api.views import (
    MlflowView,
    fields,
    integer,
    number,
    string_list,
    tags,
    text,
)
from llmops.tracking import access as actions
from llmops.tracking import artifacts, domain, selectors
from llmops.tracking.models import LifecycleStage, LoggedModel, Metric, Run
from llmops.tracking.search import SearchError, apply_filter, apply_order

MAX_RUNS_PAGE = 50000
MAX_EXPERIMENTS_PAGE = 50000
MAX_HISTORY_PAGE = 25000


def _ok(body: dict[str, Any] | None = None) -> Response:
    return Response(body or {})


def _run_id(data: Mapping[str, Any]) -> str:
    value = data.get("run_id") or data.get("run_uuid")
    if not value:
        raise Invalid("Missing value for required parameter 'run_id'.")
    return text(data, "run_id") if data.get("run_id") else text(data, "run_uuid")


class _RunView(MlflowView):
    def run(self, data: Mapping[str, Any]) -> Run:
        return selectors.run_get(project=self.project, run_id=_run_id(data))


# Experiments


class ExperimentCreate(MlflowView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        name = text(data, "name")
        experiment = domain.experiment_create(project=self.project, name=name, tags=tags(data))
        return _ok({"experiment_id": str(experiment.number)})


class ExperimentGet(MlflowView):
    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        data = fields(request)
        experiment = selectors.experiment_get(
            project=self.project, experiment_id=text(data, "experiment_id")
        )
        return _ok({"experiment": selectors.experiment_json(experiment)})


class ExperimentGetByName(MlflowView):
    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        data = fields(request)
        experiment = selectors.experiment_by_name(
            project=self.project, name=text(data, "experiment_name")
        )
        return _ok({"experiment": selectors.experiment_json(experiment)})


class ExperimentSearch(MlflowView):
    access = {"GET": actions.READ, "POST": actions.READ}
    reads_may_lag = True
    # MLflow searches with POST; it reads only, so a viewer may do it.

    def get(self, request: Request) -> Response:
        return self.search(fields(request))

    def post(self, request: Request) -> Response:
        return self.search(fields(request))

    def search(self, data: Mapping[str, Any]) -> Response:
        max_results = integer(data, "max_results", default=1000) or 1000
        if max_results < 1 or max_results > MAX_EXPERIMENTS_PAGE:
            raise Invalid(f"max_results must be between 1 and {MAX_EXPERIMENTS_PAGE}.")
        query = selectors.experiment_search(
            project=self.project,
            view_type=text(data, "view_type", required=False, default="ACTIVE_ONLY"),
            filter_text=text(data, "filter", required=False),
        )
        rows, following = selectors.paged(
            query, max_results=max_results, token=text(data, "page_token", required=False)
        )
        body: dict[str, Any] = {"experiments": [selectors.experiment_json(e) for e in rows]}
        if following:
            body["next_page_token"] = following
        return _ok(body)


class _ExperimentView(MlflowView):
    def experiment(self, data: Mapping[str, Any]) -> Any:
        return selectors.experiment_get(
            project=self.project, experiment_id=text(data, "experiment_id")
        )


class ExperimentUpdate(_ExperimentView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        experiment = self.experiment(data)
        new_name = text(data, "new_name", required=False)
        if new_name:
            domain.experiment_rename(experiment=experiment, new_name=new_name)
        return _ok()


class ExperimentDelete(_ExperimentView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        domain.experiment_set_stage(
            experiment=self.experiment(fields(request)), stage=LifecycleStage.DELETED
        )
        return _ok()


class ExperimentRestore(_ExperimentView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        domain.experiment_set_stage(
            experiment=self.experiment(fields(request)), stage=LifecycleStage.ACTIVE
        )
        return _ok()


class ExperimentSetTag(_ExperimentView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        experiment = self.experiment(data)
        domain.experiment_tag_set(
            experiment=experiment,
            key=text(data, "key"),
            value=text(data, "value", required=False),
        )
        return _ok()


class ExperimentDeleteTag(_ExperimentView):
    access = {"POST": actions.WRITE, "DELETE": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        domain.experiment_tag_set(
            experiment=self.experiment(data), key=text(data, "key"), value=None
        )
        return _ok()

    def delete(self, request: Request) -> Response:
        return self.post(request)


# Runs


class RunCreate(MlflowView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        experiment_id = text(data, "experiment_id", required=False, default="0")
        experiment = selectors.experiment_get(project=self.project, experiment_id=experiment_id)
        run = domain.run_create(
            experiment=experiment,
            user_id=text(data, "user_id", required=False),
            run_name=text(data, "run_name", required=False),
            start_time=integer(data, "start_time"),
            tags=tags(data),
        )
        return _ok({"run": selectors.run_json(run)})


class RunUpdate(_RunView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        run = domain.run_update(
            run=self.run(data),
            status=text(data, "status", required=False) or None,
            end_time=integer(data, "end_time"),
            run_name=text(data, "run_name", required=False),
        )
        return _ok({"run_info": selectors.run_info_json(run)})


class RunGet(_RunView):
    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        return _ok({"run": selectors.run_json(self.run(fields(request)))})


class RunDelete(_RunView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        domain.run_set_stage(run=self.run(fields(request)), stage=LifecycleStage.DELETED)
        return _ok()


class RunRestore(_RunView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        domain.run_set_stage(run=self.run(fields(request)), stage=LifecycleStage.ACTIVE)
        return _ok()


class RunSetTag(_RunView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        domain.run_tag_set(
            run=self.run(data), key=text(data, "key"), value=text(data, "value", required=False)
        )
        return _ok()


class RunDeleteTag(_RunView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        domain.run_tag_delete(run=self.run(data), key=text(data, "key"))
        return _ok()


def _metric(item: Mapping[str, Any]) -> domain.MetricInput:
    value = number(item, "value")
    assert value is not None
    return domain.MetricInput(
        key=text(item, "key"),
        value=value,
        timestamp=integer(item, "timestamp", default=None) or domain.now_ms(),
        step=integer(item, "step", default=0) or 0,
    )


class RunLogMetric(_RunView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        domain.run_log(run=self.run(data), metrics=[_metric(data)])
        return _ok()


class RunLogParameter(_RunView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        domain.run_log(
            run=self.run(data), params={text(data, "key"): text(data, "value", required=False)}
        )
        return _ok()


def _objects(data: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise Invalid(f"Invalid value for parameter '{name}': expected a list of objects.")
    return value


class RunLogBatch(_RunView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        metrics = [_metric(item) for item in _objects(data, "metrics")]
        params: dict[str, str] = {}
        for item in _objects(data, "params"):
            key, value = text(item, "key"), text(item, "value", required=False)
            if key in params and params[key] != value:
                raise Invalid(f"Duplicate parameter '{key}' with different values in the batch.")
            params[key] = value
        if len(metrics) > 1000 or len(params) > 100 or len(_objects(data, "tags")) > 100:
            raise Invalid("A batch holds at most 1000 metrics, 100 params and 100 tags.")
        domain.run_log(run=self.run(data), metrics=metrics, params=params, tags=tags(data))
        return _ok()


class RunLogInputs(_RunView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        run = self.run(data)
        datasets = []
        for item in _objects(data, "datasets"):
            dataset = item.get("dataset")
            if not isinstance(dataset, Mapping):
                raise Invalid("Each dataset input needs a 'dataset'.")
            datasets.append(
                domain.DatasetInput(
                    name=text(dataset, "name"),
                    digest=text(dataset, "digest"),
                    source_type=text(dataset, "source_type", required=False),
                    source=text(dataset, "source", required=False),
                    schema=text(dataset, "schema", required=False),
                    profile=text(dataset, "profile", required=False),
                    tags=tags(item),
                )
            )
        domain.run_log_inputs(run=run, datasets=datasets)
        return _ok()


class RunLogOutputs(_RunView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        run = self.run(data)
        models = [
            (text(item, "model_id"), integer(item, "step", default=0) or 0)
            for item in _objects(data, "models")
        ]
        domain.run_log_outputs(run=run, models=models)
        return _ok()


class RunLogModel(_RunView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        domain.run_log_model(run=self.run(data), model_json=text(data, "model_json"))
        return _ok()


class RunSearch(MlflowView):
    access = {"GET": actions.READ, "POST": actions.READ}
    reads_may_lag = True
    # MLflow searches with POST; it reads only, so a viewer may do it.

    def post(self, request: Request) -> Response:
        return self.search(fields(request))

    def get(self, request: Request) -> Response:
        return self.search(fields(request))

    def search(self, data: Mapping[str, Any]) -> Response:
        experiments = selectors.experiments_for_ids(
            project=self.project, experiment_ids=string_list(data, "experiment_ids")
        )
        max_results = integer(data, "max_results", default=1000) or 1000
        if max_results < 1 or max_results > MAX_RUNS_PAGE:
            raise Invalid(f"max_results must be between 1 and {MAX_RUNS_PAGE}.")
        view_type = text(data, "run_view_type", required=False, default="ACTIVE_ONLY")
        runs = Run.objects.select_related("experiment").prefetch_related(*selectors.RUN_RELATIONS)
        runs = runs.filter(
            project=self.project,
            experiment__in=experiments,
            lifecycle_stage__in=selectors.stages(view_type),
        )
        try:
            runs = apply_filter(runs, text(data, "filter", required=False))
            runs = apply_order(runs, string_list(data, "order_by"))
        except SearchError as error:
            raise Invalid(str(error)) from None
        rows, following = selectors.paged(
            runs, max_results=max_results, token=text(data, "page_token", required=False)
        )
        body: dict[str, Any] = {"runs": [selectors.run_json(run) for run in rows]}
        if following:
            body["next_page_token"] = following
        return _ok(body)


class MetricHistory(_RunView):
    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        data = fields(request)
        run = self.run(data)
        max_results = integer(data, "max_results", default=MAX_HISTORY_PAGE) or MAX_HISTORY_PAGE
        if max_results < 1:
            raise Invalid("max_results must be positive.")
        history = Metric.objects.filter(run=run, key=text(data, "metric_key")).order_by(
            "step", "timestamp", "pk"
        )
        rows, following = selectors.paged(
            history,
            max_results=min(max_results, MAX_HISTORY_PAGE),
            token=text(data, "page_token", required=False),
        )
        body: dict[str, Any] = {"metrics": [selectors.metric_json(m) for m in rows]}
        if following:
            body["next_page_token"] = following
        return _ok(body)


class ArtifactList(_RunView):
    """The tracking API's listing of a run's artifacts (paths relative to the run's root)."""

    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        data = fields(request)
        run = self.run(data)
        sub = artifacts.clean_path(text(data, "path", required=False))
        root = artifacts.root_of(run.artifact_uri)
        entries = artifacts.artifact_list(
            project=self.project, path=f"{root}/{sub}" if sub else root
        )
        return _ok(
            {
                "root_uri": run.artifact_uri,
                "files": [_file_json(entry, prefix=sub) for entry in entries],
            }
        )


def _file_json(entry: artifacts.FileEntry, *, prefix: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {
        "path": f"{prefix}/{entry.path}" if prefix else entry.path,
        "is_dir": entry.is_dir,
    }
    if entry.file_size is not None:
        found["file_size"] = entry.file_size
    return found


# Logged models (MLflow 3)


class LoggedModelCreate(MlflowView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        experiment = selectors.experiment_get(
            project=self.project, experiment_id=text(data, "experiment_id")
        )
        source_run_id = text(data, "source_run_id", required=False)
        source_run = (
            selectors.run_get(project=self.project, run_id=source_run_id) if source_run_id else None
        )
        model = domain.logged_model_create(
            experiment=experiment,
            name=text(data, "name", required=False),
            model_type=text(data, "model_type", required=False),
            source_run=source_run,
            tags=tags(data),
            params=tags(data, "params"),
        )
        return _ok({"model": selectors.logged_model_json(model)})


class _ModelView(MlflowView):
    def model(self, model_id: str, *, allow_deleted: bool = False) -> LoggedModel:
        return selectors.logged_model_get(
            project=self.project, model_id=model_id, allow_deleted=allow_deleted
        )


class LoggedModelDetail(_ModelView):
    access = {"GET": actions.READ, "PATCH": actions.WRITE, "DELETE": actions.WRITE}

    def get(self, request: Request, model_id: str) -> Response:
        allow = str(request.query_params.get("allow_deleted", "")).lower() == "true"
        return _ok(
            {"model": selectors.logged_model_json(self.model(model_id, allow_deleted=allow))}
        )

    def patch(self, request: Request, model_id: str) -> Response:
        data = fields(request)
        status = data.get("status")
        names = {
            1: "LOGGED_MODEL_PENDING",
            2: "LOGGED_MODEL_READY",
            3: "LOGGED_MODEL_UPLOAD_FAILED",
        }
        if isinstance(status, int) and not isinstance(status, bool):
            status = names.get(status, str(status))
        if not isinstance(status, str) or not status:
            raise Invalid("Missing value for required parameter 'status'.")
        model = domain.logged_model_finalize(model=self.model(model_id), status=status)
        return _ok({"model": selectors.logged_model_json(model)})

    def delete(self, request: Request, model_id: str) -> Response:
        domain.logged_model_delete(model=self.model(model_id))
        return _ok()


class LoggedModelTags(_ModelView):
    access = {"PATCH": actions.WRITE}

    def patch(self, request: Request, model_id: str) -> Response:
        data = fields(request)
        model = self.model(model_id)
        domain.logged_model_update(model=model, set_tags=tags(data))
        return _ok({"model": selectors.logged_model_json(self.model(model_id))})


class LoggedModelTagDelete(_ModelView):
    access = {"DELETE": actions.WRITE}

    def delete(self, request: Request, model_id: str, tag_key: str) -> Response:
        model = self.model(model_id)
        if tag_key not in model.tags:
            raise NotFound(f"No tag with key {tag_key!r} on logged model {model_id}.")
        domain.logged_model_update(model=model, delete_tag=tag_key)
        return _ok()


class LoggedModelParams(_ModelView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request, model_id: str) -> Response:
        data = fields(request)
        domain.logged_model_update(model=self.model(model_id), params=tags(data, "params"))
        return _ok()


class LoggedModelSearch(MlflowView):
    access = {"POST": actions.READ}
    # MLflow searches with POST; it reads only, so a viewer may do it.

    def post(self, request: Request) -> Response:
        data = fields(request)
        experiments = selectors.experiments_for_ids(
            project=self.project, experiment_ids=string_list(data, "experiment_ids")
        )
        max_results = integer(data, "max_results", default=100) or 100
        if max_results < 1:
            raise Invalid("max_results must be positive.")
        query = (
            LoggedModel.objects.select_related("experiment")
            .filter(
                project=self.project,
                experiment__in=experiments,
                lifecycle_stage=LifecycleStage.ACTIVE,
            )
            .filter(selectors.logged_model_filter(text(data, "filter", required=False)))
            .order_by("-creation_timestamp_ms", "model_id")
        )
        rows, following = selectors.paged(
            query, max_results=max_results, token=text(data, "page_token", required=False)
        )
        body: dict[str, Any] = {"models": [selectors.logged_model_json(m) for m in rows]}
        if following:
            body["next_page_token"] = following
        return _ok(body)


# The artifact proxy (/api/2.0/mlflow-artifacts/artifacts/...)


class _RawBody(BaseParser):
    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return stream


class ArtifactRoot(MlflowView):
    """``GET artifacts?path=`` lists a folder."""

    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        path = artifacts.clean_path(str(request.query_params.get("path", "")))
        entries = artifacts.artifact_list(project=self.project, path=path)
        return _ok({"files": [_file_json(entry) for entry in entries]})


class ArtifactFile(MlflowView):
    access = {"GET": actions.READ, "PUT": actions.WRITE, "DELETE": actions.WRITE}
    parser_classes = [_RawBody]

    def get(self, request: Request, artifact_path: str) -> FileResponse:
        path = artifacts.clean_path(artifact_path, allow_empty=False)
        if not artifacts.artifact_exists(project=self.project, path=path):
            raise NotFound(f"Artifact {path!r} not found.")
        return FileResponse(
            artifacts.artifact_open(project=self.project, path=path),
            as_attachment=False,
            content_type="application/octet-stream",
        )

    def put(self, request: Request, artifact_path: str) -> Response:
        path = artifacts.clean_path(artifact_path, allow_empty=False)
        artifacts.artifact_save(
            project=self.project, path=path, stream=request.stream or io.BytesIO()
        )
        return _ok()

    def delete(self, request: Request, artifact_path: str) -> Response:
        path = artifacts.clean_path(artifact_path, allow_empty=False)
        artifacts.artifact_delete(project=self.project, path=path)
        return _ok()
