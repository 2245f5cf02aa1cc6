"""The official mlflow client, unchanged, against this server's model registry; plus the
platform's additions: gates on aliases and stages, history, published events and lineage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import mlflow
import mlflow.pyfunc
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.pyfunc.model import PythonModel

from llmops.evaluation.models import Dataset, Suite
from llmops.evaluation.models import Run as EvalRun
from llmops.lineage.domain import NodeRef, lineage_link
from llmops.lineage.models import EdgeKind, LineageEdge, NodeKind
from llmops.registry.models import AliasMove, ModelVersion, Stage, StageTransition
from llmops.webhooks.models import WebhookDelivery
from tests.conftest import Tenant


def _use(monkeypatch: pytest.MonkeyPatch, url: str, key: str) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", key)
    mlflow.set_tracking_uri(url)


@pytest.fixture
def server(live_server: Any, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # A server error must fail fast instead of being retried with back-off.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    _use(monkeypatch, live_server.url, tenant.secret_key)
    yield live_server.url
    while mlflow.active_run() is not None:
        mlflow.end_run()


def _error(call: Any, *args: Any, **kwargs: Any) -> MlflowException:
    with pytest.raises(MlflowException) as caught:
        call(*args, **kwargs)
    return caught.value


def test_models_versions_tags_and_search_round_trip(server: str) -> None:
    client = MlflowClient()
    run_id = client.create_run("0").info.run_id
    created = client.create_registered_model(
        "churn", tags={"team": "growth"}, description="predicts churn"
    )
    assert created.name == "churn"
    assert created.tags == {"team": "growth"}
    assert created.description == "predicts churn"

    v1 = client.create_model_version(
        "churn", "s3://bucket/churn/1", run_id=run_id, tags={"framework": "sklearn"}
    )
    assert v1.version == "1"
    assert v1.status == "READY"
    assert v1.current_stage == "None"
    v2 = client.create_model_version("churn", "s3://bucket/churn/2", description="second")
    assert v2.version == "2"

    fetched = client.get_model_version("churn", "1")
    assert fetched.source == "s3://bucket/churn/1"
    assert fetched.run_id == run_id
    assert fetched.tags == {"framework": "sklearn"}
    assert fetched.creation_timestamp > 0

    found = client.search_model_versions("name='churn'")
    assert sorted(v.version for v in found) == ["1", "2"]
    assert [v.version for v in client.search_model_versions(f"run_id='{run_id}'")] == ["1"]
    assert [v.version for v in client.search_model_versions("tags.framework = 'sklearn'")] == ["1"]
    assert client.search_model_versions("name='other'") == []
    paged = client.search_model_versions("name='churn'", max_results=1)
    assert len(paged) == 1
    assert paged.token
    rest = client.search_model_versions("name='churn'", max_results=1, page_token=paged.token)
    assert {paged[0].version, rest[0].version} == {"1", "2"}

    client.create_registered_model("fraud")
    assert [m.name for m in client.search_registered_models("name LIKE 'ch%'")] == ["churn"]
    assert [m.name for m in client.search_registered_models()] == ["churn", "fraud"]
    assert [m.name for m in client.search_registered_models("tags.team = 'growth'")] == ["churn"]
    model = client.get_registered_model("churn")
    assert [v.version for v in model.latest_versions] == ["2"]

    client.set_registered_model_tag("churn", "owner", "ana")
    client.delete_registered_model_tag("churn", "team")
    assert client.get_registered_model("churn").tags == {"owner": "ana"}
    client.set_model_version_tag("churn", "2", "validated", "yes")
    client.delete_model_version_tag("churn", "1", "framework")
    assert client.get_model_version("churn", "2").tags == {"validated": "yes"}
    assert client.get_model_version("churn", "1").tags == {}
    client.update_model_version("churn", "2", description="better")
    assert client.get_model_version("churn", "2").description == "better"
    client.update_registered_model("churn", description="churn model")
    assert client.get_registered_model("churn").description == "churn model"
    assert client.get_model_version_download_uri("churn", "1") == "s3://bucket/churn/1"
    copied = client.copy_model_version("models:/churn/2", "churn-copy")
    assert (copied.name, copied.version, copied.source) == ("churn-copy", "1", "models:/churn/2")
    assert client.get_model_version_download_uri("churn-copy", "1") == "s3://bucket/churn/2"

    client.rename_registered_model("churn", "churn-v2")
    assert client.get_model_version("churn-v2", "2").name == "churn-v2"
    client.delete_model_version("churn-v2", "1")
    assert [v.version for v in client.search_model_versions("name='churn-v2'")] == ["2"]
    v3 = client.create_model_version("churn-v2", "s3://bucket/churn/3")
    assert v3.version == "3"  # numbers are never reused
    client.delete_registered_model("churn-v2")
    assert _error(client.get_registered_model, "churn-v2").error_code == "RESOURCE_DOES_NOT_EXIST"


def test_unknown_and_duplicate_names_answer_mlflow_errors(server: str) -> None:
    client = MlflowClient()
    assert _error(client.get_registered_model, "nope").error_code == "RESOURCE_DOES_NOT_EXIST"
    assert _error(client.get_model_version, "nope", "1").error_code == "RESOURCE_DOES_NOT_EXIST"
    assert (
        _error(client.create_model_version, "nope", "s3://x").error_code
        == "RESOURCE_DOES_NOT_EXIST"
    )
    client.create_registered_model("m")
    assert _error(client.get_model_version, "m", "7").error_code == "RESOURCE_DOES_NOT_EXIST"
    huge = "9" * 30
    assert _error(client.get_model_version, "m", huge).error_code == "RESOURCE_DOES_NOT_EXIST"
    assert _error(client.get_model_version, "m", "one").error_code == "INVALID_PARAMETER_VALUE"
    assert (
        _error(client.search_model_versions, f"version_number = {huge}").error_code
        == "INVALID_PARAMETER_VALUE"
    )
    assert _error(client.create_registered_model, "m").error_code == "RESOURCE_ALREADY_EXISTS"
    assert (
        _error(client.get_model_version_by_alias, "m", "champion").error_code
        == "RESOURCE_DOES_NOT_EXIST"
    )
    bad = _error(client.search_model_versions, "flavor = 'x'")
    assert bad.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.usefixtures("egress_allows_loopback")
def test_aliases_move_with_history_lineage_and_webhooks(server: str, tenant: Tenant) -> None:
    hook = tenant.client("admin").post(
        "/api/v1/webhooks",
        {
            "url": "http://127.0.0.1:9/hook",
            "events": ["model.version_created", "model.alias_moved"],
        },
        format="json",
    )
    assert hook.status_code == 201, hook.content
    client = MlflowClient()
    run_id = client.create_run("0").info.run_id
    client.create_registered_model("m")
    client.create_model_version("m", "s3://b/1", run_id=run_id)
    client.create_model_version("m", "s3://b/2")

    client.set_registered_model_alias("m", "champion", "1")
    by_alias = client.get_model_version_by_alias("m", "champion")
    assert by_alias.version == "1"
    assert by_alias.aliases == ["champion"]
    assert client.get_registered_model("m").aliases == {"champion": "1"}
    client.set_registered_model_alias("m", "champion", "2")
    assert client.get_model_version_by_alias("m", "champion").version == "2"
    assert client.get_model_version("m", "1").aliases == []
    client.delete_registered_model_alias("m", "champion")
    assert (
        _error(client.get_model_version_by_alias, "m", "champion").error_code
        == "RESOURCE_DOES_NOT_EXIST"
    )
    assert _error(client.set_registered_model_alias, "m", "latest", "1").error_code == (
        "INVALID_PARAMETER_VALUE"
    )

    moves = list(AliasMove.objects.order_by("pk"))
    assert [(m.from_version, m.to_version) for m in moves] == [(None, 1), (1, 2), (2, None)]
    assert all(m.moved_by.startswith("api-key:") and m.moved_at for m in moves)

    # Lineage: the run produced version 1; each version is labelled by its alias move.
    v1 = ModelVersion.objects.get(model__name="m", version=1)
    v2 = ModelVersion.objects.get(model__name="m", version=2)
    produced = LineageEdge.objects.get(kind=EdgeKind.PRODUCED)
    assert (produced.source.kind, produced.source.ref) == (NodeKind.EXPERIMENT_RUN, run_id)
    assert (produced.target.kind, produced.target.ref) == (NodeKind.MODEL_VERSION, str(v1.pk))
    assert produced.target.label == "m v1"
    labelled = {
        (e.source.ref, e.target.ref) for e in LineageEdge.objects.filter(kind=EdgeKind.LABELLED)
    }
    assert labelled == {
        (str(v1.pk), f"model-alias-move:{moves[0].pk}"),
        (str(v2.pk), f"model-alias-move:{moves[1].pk}"),
    }

    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert [d.event for d in deliveries] == [
        "model.version_created",
        "model.version_created",
        "model.alias_moved",
        "model.alias_moved",
        "model.alias_moved",
    ]
    assert deliveries[0].payload["data"]["run_id"] == run_id
    assert deliveries[3].payload["data"] == {
        "model": "m",
        "alias": "champion",
        "from_version": 1,
        "to_version": 2,
        "moved_by": moves[1].moved_by,
        "gate_passed": False,
        "gate_checks": [],
    }


@pytest.mark.filterwarnings("ignore:.*deprecated since 2.9.0:FutureWarning")
def test_stage_transitions_archive_and_are_recorded(server: str) -> None:
    client = MlflowClient()
    client.create_registered_model("m")
    for number in (1, 2, 3):
        client.create_model_version("m", f"s3://b/{number}")
    moved = client.transition_model_version_stage("m", "1", "production")
    assert moved.current_stage == "Production"
    client.transition_model_version_stage("m", "3", "Staging")
    client.transition_model_version_stage("m", "2", "Production", archive_existing_versions=True)
    stages = {v.version: v.current_stage for v in client.search_model_versions("name='m'")}
    assert stages == {"1": "Archived", "2": "Production", "3": "Staging"}
    latest = client.get_latest_versions("m", stages=["Production"])
    assert [v.version for v in latest] == ["2"]
    assert (
        _error(client.transition_model_version_stage, "m", "2", "Live").error_code
        == "INVALID_PARAMETER_VALUE"
    )

    history = list(StageTransition.objects.order_by("pk"))
    assert [(t.version, t.from_stage, t.to_stage, t.caused_by_version) for t in history] == [
        (1, Stage.NONE, Stage.PRODUCTION, None),
        (3, Stage.NONE, Stage.STAGING, None),
        (2, Stage.NONE, Stage.PRODUCTION, None),
        (1, Stage.PRODUCTION, Stage.ARCHIVED, 2),
    ]
    assert history[2].archive_existing_versions
    assert all(t.transitioned_by.startswith("api-key:") and t.transitioned_at for t in history)


def test_a_metric_gate_refuses_then_allows_the_alias(server: str, tenant: Tenant) -> None:
    client = MlflowClient()
    client.create_registered_model("m")
    gate = tenant.client("admin").put(
        "/api/v1/models/m/gates",
        {
            "alias": "champion",
            "metrics": [{"key": "accuracy", "min": 0.9}, {"key": "loss", "max": 0.3}],
        },
        format="json",
    )
    assert gate.status_code == 200, gate.content
    mlflow.set_experiment("gated")
    with mlflow.start_run() as run:
        mlflow.log_metric("accuracy", 0.8, step=0)
        mlflow.log_metric("loss", 0.2, step=0)
    client.create_model_version("m", f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    unrun = client.create_model_version("m", "s3://b/2")

    refused = _error(client.set_registered_model_alias, "m", "champion", "1")
    assert refused.error_code == "INVALID_STATE"
    assert "accuracy" in refused.message
    assert "0.8" in refused.message
    assert "loss" not in refused.message
    unknown = _error(client.set_registered_model_alias, "m", "champion", unrun.version)
    assert unknown.error_code == "INVALID_STATE"
    assert "metric 'accuracy' is unknown" in unknown.message
    assert not AliasMove.objects.exists()

    client.log_metric(run.info.run_id, "accuracy", 0.95, step=1)
    client.set_registered_model_alias("m", "champion", "1")
    assert client.get_model_version_by_alias("m", "champion").version == "1"
    move = AliasMove.objects.get()
    assert move.gate_passed
    assert move.gate_checks == [
        f"metric 'accuracy' of run {run.info.run_id} is 0.95 (accuracy >= 0.9)",
        f"metric 'loss' of run {run.info.run_id} is 0.2 (loss <= 0.3)",
    ]
    # An ungated alias moves freely.
    client.set_registered_model_alias("m", "candidate", unrun.version)


@pytest.mark.filterwarnings("ignore:.*deprecated since 2.9.0:FutureWarning")
def test_a_suite_gate_needs_a_passed_evaluation_linked_to_the_version(
    server: str, tenant: Tenant
) -> None:
    project = tenant.project
    dataset = Dataset.objects.create(project=project, name="holdout")
    suite = Suite.objects.create(
        project=project, name="holdout-suite", dataset=dataset, target={}, evaluators=[]
    )
    client = MlflowClient()
    client.create_registered_model("m")
    client.create_model_version("m", "s3://b/1")
    gate = tenant.client("admin").put(
        "/api/v1/models/m/gates",
        {"stage": "production", "suites": ["holdout-suite"]},
        format="json",
    )
    assert gate.status_code == 200, gate.content
    assert gate.json()["stage"] == "Production"

    refused = _error(client.transition_model_version_stage, "m", "1", "Production")
    assert refused.error_code == "INVALID_STATE"
    assert "holdout-suite" in refused.message
    assert client.get_model_version("m", "1").current_stage == "None"

    version = ModelVersion.objects.get(model__name="m", version=1)
    failed = EvalRun.objects.create(
        project=project, suite=suite, dataset_version=1, fingerprint="f", status="failed"
    )
    passed = EvalRun.objects.create(
        project=project, suite=suite, dataset_version=1, fingerprint="f", status="passed"
    )
    version_ref = NodeRef(NodeKind.MODEL_VERSION, str(version.pk), "m v1")
    for run in (failed, passed):
        lineage_link(
            project=project,
            upstream=version_ref,
            downstream=NodeRef(NodeKind.EVAL_RUN, str(run.pk)),
            kind=EdgeKind.EVALUATED,
        )
    moved = client.transition_model_version_stage("m", "1", "Production")
    assert moved.current_stage == "Production"
    transition = StageTransition.objects.get()
    assert transition.gate_passed
    assert transition.gate_checks == [f"suite 'holdout-suite' passed in evaluation run {passed.pk}"]
    gated = LineageEdge.objects.get(kind=EdgeKind.GATED)
    assert gated.source.ref == str(passed.pk)
    assert gated.target.ref == f"model-stage-transition:{transition.pk}"


def test_another_projects_key_sees_nothing(
    server: str, tenant: Tenant, other_tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = MlflowClient()
    client.create_registered_model("secret-model")
    client.create_model_version("secret-model", "s3://b/1")
    client.set_registered_model_alias("secret-model", "prod", "1")
    _use(monkeypatch, server, other_tenant.secret_key)
    intruder = MlflowClient()
    for call, args in [
        (intruder.get_registered_model, ("secret-model",)),
        (intruder.get_model_version, ("secret-model", "1")),
        (intruder.get_model_version_by_alias, ("secret-model", "prod")),
        (intruder.delete_registered_model, ("secret-model",)),
        (intruder.set_registered_model_alias, ("secret-model", "prod", "1")),
        (intruder.create_model_version, ("secret-model", "s3://evil")),
    ]:
        assert _error(call, *args).error_code == "RESOURCE_DOES_NOT_EXIST", call
    assert intruder.search_model_versions("name='secret-model'") == []
    assert list(intruder.search_registered_models()) == []
    assert other_tenant.client().get("/api/v1/models/secret-model").status_code == 404
    # A model of the same name in the other project is its own.
    intruder.create_registered_model("secret-model")
    assert intruder.create_model_version("secret-model", "s3://mine").version == "1"
    _use(monkeypatch, server, tenant.secret_key)
    assert MlflowClient().get_model_version("secret-model", "1").source == "s3://b/1"


class Doubler(PythonModel):
    def predict(self, context: Any, model_input: list[int], params: Any = None) -> list[int]:
        return [2 * value for value in model_input]


def test_a_logged_pyfunc_model_registers_and_loads_by_name(server: str) -> None:
    mlflow.set_experiment("doubling")
    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(name="model", python_model=Doubler(), input_example=[1, 2])
    registered = mlflow.register_model(info.model_uri, "doubler")
    assert registered.version == "1"
    version = MlflowClient().get_model_version("doubler", "1")
    assert version.run_id == run.info.run_id
    assert version.source == info.model_uri
    loaded = mlflow.pyfunc.load_model("models:/doubler/1")
    assert list(loaded.predict([1, 2, 3])) == [2, 4, 6]
    MlflowClient().set_registered_model_alias("doubler", "champion", "1")
    by_alias = mlflow.pyfunc.load_model("models:/doubler@champion")
    assert list(by_alias.predict([5])) == [10]
    produced = LineageEdge.objects.get(kind=EdgeKind.PRODUCED, target__kind=NodeKind.MODEL_VERSION)
    assert produced.source.ref == run.info.run_id
