"""The official mlflow client, unchanged, against this server's tracking endpoints."""

from __future__ import annotations

import http.client
import importlib
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import mlflow
import mlflow.pyfunc
import pytest
from mlflow import MlflowClient
from mlflow.data.pandas_dataset import from_pandas
from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException
from mlflow.pyfunc.model import PythonModel
from mlflow.tracking import fluent

from llmops.lineage.models import EdgeKind, LineageEdge, LineageNode, NodeKind
from llmops.tracking.models import Run
from tests.conftest import Tenant

# pandas ships without type information.
pd: Any = importlib.import_module("pandas")


def _use(monkeypatch: pytest.MonkeyPatch, url: str, key: str) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", key)
    mlflow.set_tracking_uri(url)


@pytest.fixture
def tracking(live_server: Any, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # A server error must fail fast instead of being retried with back-off.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    _use(monkeypatch, live_server.url, tenant.secret_key)
    _forget_experiment()
    yield live_server.url
    while mlflow.active_run() is not None:
        mlflow.end_run()
    _forget_experiment()


def _forget_experiment() -> None:
    # set_experiment remembers its choice in the process environment too.
    fluent._active_experiment_id = None
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
    os.environ.pop("MLFLOW_EXPERIMENT_NAME", None)


def _raw(url: str, method: str, path: str, key: str, body: bytes = b"") -> tuple[int, Any]:
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port)
    connection.request(method, path, body=body, headers={"Authorization": f"Bearer {key}"})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    try:
        return response.status, json.loads(payload)
    except ValueError:
        return response.status, payload


def test_params_metrics_tags_and_status_round_trip(tracking: str) -> None:
    experiment_id = mlflow.set_experiment("churn").experiment_id
    assert experiment_id != "0"
    with mlflow.start_run(run_name="first") as run:
        mlflow.log_param("lr", "0.01")
        mlflow.log_params({"epochs": 3, "optimizer": "adam"})
        for step, loss in enumerate([1.0, 0.5, 0.333]):
            mlflow.log_metric("loss", loss, step=step)
        mlflow.log_metrics({"accuracy": 0.9, "f1": 0.8}, step=2)
        mlflow.set_tag("team", "search")
        mlflow.set_tags({"stage": "dev"})
        run_id = run.info.run_id

    client = MlflowClient()
    history = client.get_metric_history(run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 1.0), (1, 0.5), (2, 0.333)]

    fetched = client.get_run(run_id)
    assert fetched.info.status == "FINISHED"
    assert fetched.info.end_time is not None
    assert fetched.info.run_name == "first"
    assert fetched.info.experiment_id == experiment_id
    assert fetched.info.artifact_uri == f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts"
    assert fetched.data.params == {"lr": "0.01", "epochs": "3", "optimizer": "adam"}
    assert fetched.data.metrics == {"loss": 0.333, "accuracy": 0.9, "f1": 0.8}
    assert fetched.data.tags["team"] == "search"
    assert fetched.data.tags["stage"] == "dev"
    assert fetched.data.tags["mlflow.runName"] == "first"

    client.delete_tag(run_id, "stage")
    assert "stage" not in client.get_run(run_id).data.tags

    # The run is a node of the lineage graph, named like the run.
    node = LineageNode.objects.get(kind=NodeKind.EXPERIMENT_RUN, ref=run_id)
    assert node.label == "first"


def test_log_batch_and_experiment_lifecycle(tracking: str) -> None:
    client = MlflowClient()
    experiment_id = client.create_experiment("batch", tags={"owner": "ml"})
    with pytest.raises(MlflowException) as duplicate:
        client.create_experiment("batch")
    assert duplicate.value.error_code == "RESOURCE_ALREADY_EXISTS"
    run = client.create_run(experiment_id)
    client.log_batch(
        run.info.run_id,
        metrics=[Metric("m", 1.5, 1000, 0), Metric("m", 2.5, 1001, 1)],
        params=[Param("p", "x")],
        tags=[RunTag("t", "y")],
    )
    client.log_metric(run.info.run_id, "odd", float("nan"))
    client.log_metric(run.info.run_id, "big", float("inf"))
    fetched = client.get_run(run.info.run_id)
    assert math.isnan(fetched.data.metrics.pop("odd"))
    assert fetched.data.metrics.pop("big") == float("inf")
    assert fetched.data.metrics == {"m": 2.5}
    assert fetched.data.params == {"p": "x"}
    assert fetched.info.run_name  # the server names an unnamed run

    experiment = client.get_experiment(experiment_id)
    assert experiment.tags == {"owner": "ml"}
    assert experiment.artifact_location == f"mlflow-artifacts:/{experiment_id}"
    client.set_experiment_tag(experiment_id, "note", "hello")
    client.rename_experiment(experiment_id, "batch-renamed")
    renamed = client.get_experiment_by_name("batch-renamed")
    assert renamed is not None
    assert renamed.tags["note"] == "hello"
    assert client.get_experiment_by_name("batch") is None
    names = {e.name for e in client.search_experiments()}
    assert {"Default", "batch-renamed"} <= names

    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"
    assert "batch-renamed" not in {e.name for e in client.search_experiments()}
    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"

    client.delete_run(run.info.run_id)
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    assert client.search_runs([experiment_id]) == []
    client.restore_run(run.info.run_id)
    assert [r.info.run_id for r in client.search_runs([experiment_id])] == [run.info.run_id]


def test_default_experiment_is_used_without_one_set(tracking: str) -> None:
    with mlflow.start_run() as run:
        mlflow.log_metric("x", 1.0)
    fetched = MlflowClient().get_run(run.info.run_id)
    assert fetched.info.experiment_id == "0"
    assert MlflowClient().get_experiment("0").name == "Default"


def test_search_runs_filters_and_orders(tracking: str) -> None:
    experiment_id = mlflow.set_experiment("search").experiment_id
    for name, lr, loss in [("a", "0.01", 0.4), ("b", "0.01", 0.2), ("c", "0.1", 0.1)]:
        with mlflow.start_run(run_name=name):
            mlflow.log_param("lr", lr)
            mlflow.log_metric("loss", loss)
            mlflow.set_tag("kind", "sweep" if name != "c" else "manual")
    with mlflow.start_run(run_name="d"):
        mlflow.log_param("lr", "0.01")
        mlflow.log_metric("loss", 0.9)

    found = mlflow.search_runs(
        [experiment_id],
        filter_string="params.lr = '0.01' and metrics.loss < 0.5",
        order_by=["metrics.loss ASC"],
        output_format="list",
    )
    assert [r.info.run_name for r in found] == ["b", "a"]

    descending = mlflow.search_runs(
        [experiment_id],
        filter_string="params.lr = '0.01' and metrics.loss < 0.5",
        order_by=["metrics.loss DESC"],
        output_format="list",
    )
    assert [r.info.run_name for r in descending] == ["a", "b"]

    client = MlflowClient()
    tagged = client.search_runs([experiment_id], "tags.`kind` != 'sweep'")
    assert [r.info.run_name for r in tagged] == ["c"]
    liked = client.search_runs([experiment_id], "attributes.run_name ILIKE 'A%'")
    assert [r.info.run_name for r in liked] == ["a"]
    finished = client.search_runs(
        [experiment_id], "attributes.status = 'FINISHED'", order_by=["attributes.start_time DESC"]
    )
    assert [r.info.run_name for r in finished] == ["d", "c", "b", "a"]
    started = finished[1].info.start_time
    later = client.search_runs([experiment_id], f"attributes.start_time > {started}")
    assert [r.info.run_name for r in later] == ["d"]

    # Paging: pages of two, then the rest, with no run twice.
    first = client.search_runs([experiment_id], max_results=2, order_by=["metrics.loss ASC"])
    assert [r.info.run_name for r in first] == ["c", "b"]
    assert first.token
    second = client.search_runs(
        [experiment_id], max_results=2, order_by=["metrics.loss ASC"], page_token=first.token
    )
    assert [r.info.run_name for r in second] == ["a", "d"]

    with pytest.raises(MlflowException) as bad:
        client.search_runs([experiment_id], "params.lr === 'x'")
    assert bad.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as bad_entity:
        client.search_runs([experiment_id], "nonsense.lr = 'x'")
    assert bad_entity.value.error_code == "INVALID_PARAMETER_VALUE"


def test_changing_a_param_is_refused(tracking: str) -> None:
    with mlflow.start_run() as run:
        mlflow.log_param("lr", "0.01")
        mlflow.log_param("lr", "0.01")  # the same value again is fine
        with pytest.raises(MlflowException) as error:
            mlflow.log_param("lr", "0.02")
    assert error.value.error_code == "INVALID_PARAMETER_VALUE"
    assert MlflowClient().get_run(run.info.run_id).data.params == {"lr": "0.01"}


def test_unknown_run_and_experiment_are_not_found(tracking: str) -> None:
    client = MlflowClient()
    with pytest.raises(MlflowException) as run_error:
        client.get_run("0" * 32)
    assert run_error.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as experiment_error:
        client.get_experiment("424242")
    assert experiment_error.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as log_error:
        client.log_metric("f" * 32, "loss", 1.0)
    assert log_error.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_artifacts_round_trip(tracking: str, tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "nested").mkdir(parents=True)
    (source / "a.txt").write_bytes(b"alpha\n")
    (source / "nested" / "b.bin").write_bytes(bytes(range(256)) * 10)
    single = tmp_path / "notes.md"
    single.write_text("# notes\n")

    mlflow.set_experiment("artifacts")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(single))
        mlflow.log_artifacts(str(source), artifact_path="data")
        mlflow.log_text("overwritten", "notes.md")
        run_id = run.info.run_id

    client = MlflowClient()
    listed = {(f.path, f.is_dir) for f in client.list_artifacts(run_id)}
    assert listed == {("notes.md", False), ("data", True)}
    nested = {f.path: f.file_size for f in client.list_artifacts(run_id, "data/nested")}
    assert nested == {"data/nested/b.bin": 2560}

    out = tmp_path / "out"
    out.mkdir()
    downloaded = Path(client.download_artifacts(run_id, "data", str(out)))
    assert (downloaded / "a.txt").read_bytes() == b"alpha\n"
    assert (downloaded / "nested" / "b.bin").read_bytes() == bytes(range(256)) * 10
    notes = Path(client.download_artifacts(run_id, "notes.md", str(out)))
    assert notes.read_text() == "overwritten"


def test_artifact_paths_that_escape_are_refused(tracking: str, tenant: Tenant) -> None:
    for path in (
        "/api/2.0/mlflow-artifacts/artifacts/1/../../../etc/passwd",
        "/api/2.0/mlflow-artifacts/artifacts/1/%2e%2e/%2e%2e/escape.txt",
        "/api/2.0/mlflow-artifacts/artifacts/1/a%5c..%5cescape.txt",
        "/api/2.0/mlflow-artifacts/artifacts//etc/passwd",
    ):
        status, body = _raw(tracking, "PUT", path, tenant.secret_key, b"evil")
        assert status == 400, (path, body)
        assert body["error_code"] == "INVALID_PARAMETER_VALUE"
    status, body = _raw(
        tracking, "GET", "/api/2.0/mlflow-artifacts/artifacts?path=1/../..", tenant.secret_key
    )
    assert status == 400
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"
    # A well-formed path is accepted and reads back.
    ok_path = "/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/ok.txt"
    assert _raw(tracking, "PUT", ok_path, tenant.secret_key, b"fine")[0] == 200
    assert _raw(tracking, "GET", ok_path, tenant.secret_key) == (200, b"fine")
    assert _raw(tracking, "DELETE", ok_path, tenant.secret_key)[0] == 200
    assert _raw(tracking, "GET", ok_path, tenant.secret_key)[0] == 404


class AddN(PythonModel):
    def load_context(self, context: Any) -> None:
        self.n = int(Path(context.artifacts["n"]).read_text())

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return model_input + self.n


def test_pyfunc_log_model_round_trips(tracking: str, tmp_path: Path) -> None:
    n_file = tmp_path / "n.txt"
    n_file.write_text("5")
    mlflow.set_experiment("models")
    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(
            name="adder", python_model=AddN(), artifacts={"n": str(n_file)}
        )
    assert info.model_id.startswith("m-")
    assert info.model_uri == f"models:/{info.model_id}"

    logged = MlflowClient().get_logged_model(info.model_id)
    assert logged.status.to_int() == 2  # READY
    assert logged.source_run_id == run.info.run_id
    assert logged.artifact_location.endswith(f"/models/{info.model_id}/artifacts")

    loaded = mlflow.pyfunc.load_model(info.model_uri)
    result = loaded.predict(pd.DataFrame({"x": [1, 2]}))
    assert list(result["x"]) == [6, 7]

    outputs = MlflowClient().get_run(run.info.run_id).outputs
    assert outputs is not None
    assert [o.model_id for o in outputs.model_outputs] == [info.model_id]


def test_dataset_inputs_become_lineage(tracking: str) -> None:
    dataset = from_pandas(pd.DataFrame({"a": [1, 2, 3]}), name="train")
    with mlflow.start_run(run_name="uses-data") as run:
        mlflow.log_input(dataset, context="training")
    fetched = MlflowClient().get_run(run.info.run_id)
    assert fetched.inputs is not None
    [given] = fetched.inputs.dataset_inputs
    assert given.dataset.name == "train"
    assert given.dataset.digest == dataset.digest
    edge = LineageEdge.objects.get(target__ref=run.info.run_id)
    assert edge.kind == EdgeKind.USED
    assert edge.source.kind == NodeKind.DATASET_VERSION
    assert edge.source.label == f"train@{dataset.digest}"


def test_another_projects_key_sees_nothing(
    tracking: str, other_tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    experiment_id = mlflow.set_experiment("private").experiment_id
    with mlflow.start_run() as run:
        mlflow.log_param("secret", "value")
        mlflow.log_text("hidden", "secret.txt")
    run_id = run.info.run_id
    assert Run.objects.filter(run_id=run_id).exists()
    model = mlflow.initialize_logged_model(name="private-model", experiment_id=experiment_id)
    assert MlflowClient().get_logged_model(model.model_id).name == "private-model"

    _use(monkeypatch, tracking, other_tenant.secret_key)
    client = MlflowClient()
    with pytest.raises(MlflowException) as run_error:
        client.get_run(run_id)
    assert run_error.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as log_error:
        client.log_param(run_id, "intruder", "x")
    assert log_error.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert client.get_experiment_by_name("private") is None
    with pytest.raises(MlflowException):
        client.get_experiment(experiment_id)
    assert "private" not in {e.name for e in client.search_experiments()}
    with pytest.raises(MlflowException) as search_error:
        client.search_runs([experiment_id])
    assert search_error.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as model_error:
        client.get_logged_model(model.model_id)
    assert model_error.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    artifact = f"/api/2.0/mlflow-artifacts/artifacts/{experiment_id}/{run_id}/artifacts/secret.txt"
    status, _ = _raw(tracking, "GET", artifact, other_tenant.secret_key)
    assert status == 404
    status, listing = _raw(
        tracking,
        "GET",
        f"/api/2.0/mlflow-artifacts/artifacts?path={experiment_id}/{run_id}/artifacts",
        other_tenant.secret_key,
    )
    assert status == 200
    assert listing.get("files", []) == []
