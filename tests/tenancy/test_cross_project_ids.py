"""Ids chosen by clients belong to their project, and naming another project's object in a
request body gets the answer a missing object gets.

So no request can tell whether an id is used in another project (an existence oracle), and no
object can be attached to another project's objects.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from llmops.evaluation.domain import dataset_create
from llmops.lineage.domain import NodeRef, lineage_link
from llmops.lineage.models import LineageNode, NodeKind
from llmops.registry import domain as registry
from llmops.registry.models import ModelVersion, RegisteredModel
from llmops.scores.models import Score
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans
from llmops.tracking import domain as tracking
from llmops.tracking.models import Experiment, LatestMetric, LoggedModel, Param, RunTag
from llmops.tracking.models import Run as ExperimentRun
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.django_db

MLFLOW = "/api/2.0/mlflow"
VICTIM_TRACE = "0000000000000000000000000000b2b2"
VICTIM_SPAN = "00000000000000b2"
NEVER_USED_RUN = "f" * 32
NEVER_USED_MODEL = "m-" + "f" * 32


def _score(tenant: Tenant, body: Any) -> Any:
    return tenant.client().post("/api/v1/scores", body, format="json")


def _listed(tenant: Tenant) -> list[tuple[str, float]]:
    items = tenant.client().get("/api/v1/scores").json()["items"]
    return [(item["id"], item["value"]) for item in items]


# Scores


def test_the_same_score_id_in_two_projects_is_two_scores(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    score_id = str(uuid.uuid4())
    body = {"id": score_id, "trace_id": VICTIM_TRACE, "name": "quality", "value": 0.2}
    first = _score(other_tenant, body)
    second = _score(tenant, {**body, "value": 0.5})
    assert (first.status_code, second.status_code) == (201, 201), second.content
    assert _listed(other_tenant) == [(score_id, 0.2)]
    assert _listed(tenant) == [(score_id, 0.5)]
    # The same id again in one project still updates that project's score, and only it.
    assert _score(tenant, {**body, "value": 0.9}).status_code == 201
    assert _listed(tenant) == [(score_id, 0.9)]
    assert _listed(other_tenant) == [(score_id, 0.2)]
    assert Score.objects.filter(id=score_id).count() == 2
    # Deleting it in one project leaves the other project's score.
    assert tenant.client().delete(f"/api/v1/scores/{score_id}").status_code == 204
    assert _listed(tenant) == []
    assert _listed(other_tenant) == [(score_id, 0.2)]


def test_a_list_reusing_another_projects_ids_is_stored_whole(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    taken = str(uuid.uuid4())
    stored = _score(other_tenant, {"id": taken, "trace_id": VICTIM_TRACE, "name": "a", "value": 1})
    assert stored.status_code == 201
    fresh = str(uuid.uuid4())
    items = [
        {"id": fresh, "trace_id": VICTIM_TRACE, "name": "a", "value": 0.1},
        {"id": taken, "trace_id": VICTIM_TRACE, "name": "a", "value": 0.3},
    ]
    response = _score(tenant, items)
    assert response.status_code == 201, response.content
    assert sorted(_listed(tenant)) == sorted([(fresh, 0.1), (taken, 0.3)])
    assert _listed(other_tenant) == [(taken, 1.0)]


def test_a_span_id_of_another_project_does_not_find_its_trace(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    raw, _ = iter_spans(p.request([p.span(trace_id=VICTIM_TRACE, span_id=VICTIM_SPAN)]))
    spans_ingest(project=other_tenant.project, raw_spans=raw)
    foreign = _score(tenant, {"span_id": VICTIM_SPAN, "name": "a", "value": 1})
    missing = _score(tenant, {"span_id": "00000000000000c3", "name": "a", "value": 1})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()
    assert not Score.objects.filter(project=tenant.project).exists()


# MLflow: another project's runs, experiments, logged models and registered models


def _victim_models(victim: Tenant) -> dict[str, str]:
    experiment = tracking.experiment_create(project=victim.project, name="victim-exp", tags={})
    run = tracking.run_create(
        experiment=experiment, user_id="victim", run_name="victim-run", start_time=None, tags={}
    )
    tracking.run_log(
        run=run,
        metrics=[tracking.MetricInput(key="loss", value=0.5, timestamp=1, step=0)],
        params={"lr": "0.1"},
        tags={"team": "victim"},
    )
    logged = tracking.logged_model_create(
        experiment=experiment,
        name="victim-logged",
        model_type="",
        source_run=run,
        tags={},
        params={},
    )
    model = registry.model_create(project=victim.project, name="victim-registered-model")
    registry.version_create(model=model, source="s3://victim/1", run_id=run.run_id)
    return {
        "run_id": run.run_id,
        "experiment_id": str(experiment.number),
        "model_id": logged.model_id,
        "name": model.name,
    }


def _mlflow(tenant: Tenant, method: str, path: str, data: dict[str, Any]) -> Any:
    client = tenant.client()
    if method == "get":
        return client.get(f"{MLFLOW}/{path}", data)
    return getattr(client, method)(f"{MLFLOW}/{path}", data, format="json")


def _refused_as_missing(response: Any) -> None:
    assert response.status_code == 404, response.content
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST", response.content


def _own_model(tenant: Tenant) -> None:
    created = _mlflow(tenant, "post", "registered-models/create", {"name": "mine"})
    assert created.status_code == 200, created.content


def test_a_model_version_cannot_name_another_projects_run(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    victim = _victim_models(other_tenant)
    _own_model(tenant)
    body = {"name": "mine", "source": "s3://mine/1"}
    foreign = _mlflow(tenant, "post", "model-versions/create", {**body, "run_id": victim["run_id"]})
    missing = _mlflow(tenant, "post", "model-versions/create", {**body, "run_id": NEVER_USED_RUN})
    _refused_as_missing(foreign)
    _refused_as_missing(missing)
    assert foreign.json()["message"] == missing.json()["message"].replace(
        NEVER_USED_RUN, victim["run_id"]
    )
    assert not ModelVersion.objects.filter(model__project=tenant.project).exists()
    assert RegisteredModel.objects.get(project=tenant.project).last_version == 0
    assert not LineageNode.objects.filter(project=tenant.project).exists()


def test_a_model_version_cannot_name_another_projects_logged_model(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    victim = _victim_models(other_tenant)
    _own_model(tenant)
    body = {"name": "mine", "source": f"models:/{victim['model_id']}"}
    foreign = _mlflow(
        tenant, "post", "model-versions/create", {**body, "model_id": victim["model_id"]}
    )
    missing = _mlflow(
        tenant, "post", "model-versions/create", {**body, "model_id": NEVER_USED_MODEL}
    )
    _refused_as_missing(foreign)
    _refused_as_missing(missing)
    assert not ModelVersion.objects.filter(model__project=tenant.project).exists()


def test_a_model_version_of_the_projects_own_run_and_logged_model_is_created(
    tenant: Tenant,
) -> None:
    own = _victim_models(tenant)
    _own_model(tenant)
    from_run = _mlflow(
        tenant,
        "post",
        "model-versions/create",
        {"name": "mine", "source": "s3://mine/1", "run_id": own["run_id"]},
    )
    assert from_run.status_code == 200, from_run.content
    assert from_run.json()["model_version"]["run_id"] == own["run_id"]
    from_model = _mlflow(
        tenant,
        "post",
        "model-versions/create",
        {"name": "mine", "source": f"models:/{own['model_id']}", "model_id": own["model_id"]},
    )
    assert from_model.status_code == 200, from_model.content
    assert from_model.json()["model_version"]["run_id"] == own["run_id"]
    assert from_model.json()["model_version"]["model_id"] == own["model_id"]


def _victim_rows(victim: Tenant) -> dict[str, list[Any]]:
    return {
        "experiments": list(Experiment.objects.filter(project=victim.project).values()),
        "runs": list(ExperimentRun.objects.filter(project=victim.project).values()),
        "tags": list(RunTag.objects.filter(run__project=victim.project).values()),
        "params": list(Param.objects.filter(run__project=victim.project).values()),
        "metrics": list(LatestMetric.objects.filter(run__project=victim.project).values()),
        "logged": list(LoggedModel.objects.filter(project=victim.project).values()),
        "models": list(RegisteredModel.objects.filter(project=victim.project).values()),
        "versions": list(ModelVersion.objects.filter(model__project=victim.project).values()),
    }


def test_every_mlflow_endpoint_answers_another_projects_ids_as_missing(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    victim = _victim_models(other_tenant)
    own = tracking.run_create(
        experiment=tracking.experiment_default(project=tenant.project),
        user_id="me",
        run_name="mine",
        start_time=None,
        tags={},
    )
    _own_model(tenant)
    run = {"run_id": victim["run_id"]}
    version = {"name": victim["name"], "version": "1"}
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("get", "runs/get", run),
        ("post", "runs/update", {**run, "status": "KILLED"}),
        ("post", "runs/delete", run),
        ("post", "runs/restore", run),
        ("post", "runs/set-tag", {**run, "key": "team", "value": "intruder"}),
        ("post", "runs/delete-tag", {**run, "key": "team"}),
        ("post", "runs/log-metric", {**run, "key": "loss", "value": 9, "timestamp": 2}),
        ("post", "runs/log-parameter", {**run, "key": "intruder", "value": "1"}),
        ("post", "runs/log-batch", {**run, "params": [{"key": "intruder", "value": "1"}]}),
        ("post", "runs/log-inputs", {**run, "datasets": []}),
        ("post", "runs/outputs", {**run, "models": []}),
        (
            "post",
            "runs/outputs",
            {"run_id": own.run_id, "models": [{"model_id": victim["model_id"]}]},
        ),
        ("post", "runs/log-model", {**run, "model_json": json.dumps({"flavors": {}})}),
        ("get", "metrics/get-history", {**run, "metric_key": "loss"}),
        ("get", "artifacts/list", run),
        ("post", "runs/search", {"experiment_ids": [victim["experiment_id"]]}),
        ("get", "experiments/get", {"experiment_id": victim["experiment_id"]}),
        ("get", "experiments/get-by-name", {"experiment_name": "victim-exp"}),
        ("post", "experiments/update", {"experiment_id": victim["experiment_id"], "new_name": "x"}),
        ("post", "experiments/delete", {"experiment_id": victim["experiment_id"]}),
        ("post", "runs/create", {"experiment_id": victim["experiment_id"]}),
        ("post", "logged-models", {"experiment_id": "0", "source_run_id": victim["run_id"]}),
        ("post", "logged-models", {"experiment_id": victim["experiment_id"]}),
        ("get", f"logged-models/{victim['model_id']}", {}),
        ("delete", f"logged-models/{victim['model_id']}", {}),
        ("post", "logged-models/search", {"experiment_ids": [victim["experiment_id"]]}),
        ("get", "registered-models/get", {"name": victim["name"]}),
        ("post", "registered-models/rename", {"name": victim["name"], "new_name": "x"}),
        ("delete", "registered-models/delete", {"name": victim["name"]}),
        ("get", "model-versions/get", version),
        ("get", "model-versions/get-download-uri", version),
        ("patch", "model-versions/update", {**version, "description": "x"}),
        ("post", "model-versions/transition-stage", {**version, "stage": "Production"}),
        ("post", "model-versions/create", {"name": victim["name"], "source": "s3://x"}),
        ("post", "model-versions/create", {"name": "mine", "source": "s3://x", **run}),
        (
            "post",
            "model-versions/create",
            {"name": "mine", "source": "s3://x", "model_id": victim["model_id"]},
        ),
    ]
    before = _victim_rows(other_tenant)
    for method, path, data in requests:
        response = _mlflow(tenant, method, path, data)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST", (path, data)
    assert _victim_rows(other_tenant) == before
    assert not ModelVersion.objects.filter(model__project=tenant.project).exists()


# The platform's own endpoints: a reference in a body to another project's object


def _same_answer(foreign: Any, missing: Any, foreign_ref: str, missing_ref: str) -> None:
    """The answer to another project's reference is the answer to one never used anywhere: the
    field error these endpoints give for a name or id they do not know."""
    assert foreign.status_code == missing.status_code == 400, (foreign.content, missing.content)
    assert foreign.content.decode() == missing.content.decode().replace(missing_ref, foreign_ref)


def test_platform_bodies_naming_another_projects_objects_are_answered_as_missing(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    victim = _victim_models(other_tenant)
    raw, _ = iter_spans(p.request([p.span(trace_id=VICTIM_TRACE, span_id=VICTIM_SPAN)]))
    spans_ingest(project=other_tenant.project, raw_spans=raw)
    dataset_create(project=other_tenant.project, name="victim-ds")
    lineage_link(
        project=other_tenant.project,
        upstream=NodeRef(NodeKind.EXTERNAL, "victim-ref"),
        downstream=NodeRef(NodeKind.EXPERIMENT_RUN, victim["run_id"]),
        kind="used",
    )
    dataset_create(project=tenant.project, name="mine")
    client = tenant.client()

    def edge(ref: str) -> Any:
        return client.post(
            "/api/v1/lineage/edges",
            {
                "upstream": {"kind": NodeKind.EXTERNAL, "ref": "commit-1"},
                "downstream": {"kind": NodeKind.EXPERIMENT_RUN, "ref": ref},
                "kind": "used",
            },
            format="json",
        )

    _same_answer(edge(victim["run_id"]), edge(NEVER_USED_RUN), victim["run_id"], NEVER_USED_RUN)

    def from_traces(trace_id: str) -> Any:
        return client.post(
            "/api/v1/datasets/mine/from-traces", {"trace_ids": [trace_id]}, format="json"
        )

    never = "0000000000000000000000000000c3c3"
    _same_answer(from_traces(VICTIM_TRACE), from_traces(never), VICTIM_TRACE, never)

    def suite(dataset: str) -> Any:
        return client.post(
            "/api/v1/suites",
            {
                "name": "s",
                "dataset": dataset,
                "target": {"type": "outputs"},
                "evaluators": [{"type": "contains", "value": "x"}],
            },
            format="json",
        )

    _same_answer(suite("victim-ds"), suite("never-ds"), "victim-ds", "never-ds")
    assert suite("mine").status_code == 201

    def run(model: str) -> Any:
        return client.post(
            "/api/v1/runs",
            {
                "suite": "s",
                "outputs": [],
                "model_version": {"name": model, "version": 1},
            },
            format="json",
        )

    _same_answer(run(victim["name"]), run("never-model"), victim["name"], "never-model")
    assert not LineageNode.objects.filter(
        project=tenant.project, ref__in=[victim["run_id"], VICTIM_TRACE]
    ).exists()
