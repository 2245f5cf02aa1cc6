"""The Langfuse dataset and experiment endpoints in process: upserts that version a dataset only
when something changed, bad input refused naming the field (nothing stored), and experiments
recorded idempotently however often (and by however many paths) an item is reported."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from llmops.evaluation.domain import experiments
from llmops.evaluation.domain.experiments import run_id_for
from llmops.evaluation.models import Dataset, DatasetItem, Experiment, Run, RunResult, Suite
from llmops.scores.models import Score
from llmops.tenancy.models import KeyScope
from llmops.tracing.experiments import ExperimentItem
from llmops.tracing.models import Trace
from llmops.tracing.signals import traces_ingested
from tests.conftest import Tenant

TRACES = ["0af7651916cd43dd8448eb211c80319c", "1bf7651916cd43dd8448eb211c80319d"]
SPANS = ["b7ad6b7169203331", "c7ad6b7169203332"]


@pytest.fixture
def client(tenant: Tenant) -> APIClient:
    return tenant.basic_client()


INF = "<1e999>"


def _post(client: APIClient, path: str, payload: Any) -> Any:
    # 1e999 is valid JSON that decodes to infinity: written raw, as no encoder writes it.
    raw = json.dumps(payload).replace(f'"{INF}"', "1e999")
    return client.post(f"/api/public/{path}", raw, content_type="application/json")


@pytest.fixture
def dataset(client: APIClient, tenant: Tenant) -> Dataset:
    assert _post(client, "v2/datasets", {"name": "qa"}).status_code == 200
    for key, question, answer in (("q1", "2+2", "4"), ("q2", "3+3", "6")):
        response = _post(
            client,
            "dataset-items",
            {"datasetName": "qa", "id": key, "input": {"q": question}, "expectedOutput": answer},
        )
        assert response.status_code == 200, response.content
    return Dataset.objects.get(project=tenant.project, name="qa")


def _spans(tenant: Tenant, dataset: Dataset, experiment: str, **overrides: Any) -> None:
    """The experiment items ingest reports for two items' root spans."""
    items = [
        ExperimentItem(
            trace_id=TRACES[index],
            span_id=SPANS[index],
            experiment_id=experiment,
            experiment_name=f"{experiment} run",
            description="",
            dataset_id=str(dataset.pk),
            item_id=key,
            input={"q": "?"},
            output=f"out-{key}",
            expected_output=None,
            metadata={},
            error="",
            latency_ms=12.5,
        )
        for index, key in enumerate(("q1", "q2"))
    ]
    items = [ExperimentItem(**{**vars(item), **overrides}) for item in items]
    traces_ingested.send(
        sender=Trace, project=tenant.project, trace_ids=TRACES, experiment_items=items
    )


# --- datasets -------------------------------------------------------------------------------


def test_create_is_an_upsert_by_name(client: APIClient, tenant: Tenant) -> None:
    first = _post(client, "v2/datasets", {"name": "qa", "description": "one"}).json()
    again = _post(client, "v2/datasets", {"name": "qa", "metadata": {"team": "x"}}).json()
    assert first["id"] == again["id"]
    assert (again["description"], again["metadata"]) == ("one", {"team": "x"})
    fetched = client.get("/api/public/v2/datasets/qa").json()
    assert fetched["id"] == first["id"]
    listed = client.get("/api/public/v2/datasets").json()
    assert [row["name"] for row in listed["data"]] == ["qa"]
    assert listed["meta"]["totalItems"] == 1


def test_an_unknown_dataset_is_a_404(client: APIClient) -> None:
    response = client.get("/api/public/v2/datasets/missing")
    assert response.status_code == 404
    assert client.get("/api/public/dataset-items?datasetName=missing").status_code == 404


def test_items_are_versions_and_an_unchanged_resend_makes_none(
    client: APIClient, dataset: Dataset
) -> None:
    assert dataset.latest_version == 2
    same = {"datasetName": "qa", "id": "q1", "input": {"q": "2+2"}, "expectedOutput": "4"}
    assert _post(client, "dataset-items", same).status_code == 200
    dataset.refresh_from_db()
    assert dataset.latest_version == 2
    changed = _post(client, "dataset-items", {**same, "expectedOutput": "four"}).json()
    assert changed["expectedOutput"] == "four"
    dataset.refresh_from_db()
    assert dataset.latest_version == 3
    # The old row stays readable in the versions before.
    assert DatasetItem.objects.filter(dataset=dataset, key="q1").count() == 2
    page = client.get("/api/public/dataset-items?datasetName=qa&page=1&limit=1").json()
    assert page["meta"] == {"page": 1, "limit": 1, "totalItems": 2, "totalPages": 2}
    item = client.get("/api/public/dataset-items/q1").json()
    assert (item["id"], item["datasetId"], item["status"]) == ("q1", str(dataset.pk), "ACTIVE")


def test_an_archived_item_leaves_the_next_version(client: APIClient, dataset: Dataset) -> None:
    response = _post(
        client, "dataset-items", {"datasetName": "qa", "id": "q2", "status": "ARCHIVED"}
    )
    assert response.json()["status"] == "ARCHIVED"
    listed = client.get("/api/public/dataset-items?datasetName=qa").json()
    assert [row["id"] for row in listed["data"]] == ["q1"]


def test_an_item_id_belongs_to_one_dataset(client: APIClient, dataset: Dataset) -> None:
    _post(client, "v2/datasets", {"name": "other"})
    response = _post(client, "dataset-items", {"datasetName": "other", "id": "q1", "input": 1})
    assert response.status_code == 409
    assert "id" in response.json()["message"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"input": {"a": "nul\x00"}}, "input.a"),
        ({"expectedOutput": INF}, "expectedOutput"),
        ({"metadata": {"x": [INF]}}, "metadata.x[0]"),
        ({"id": 7}, "id"),
        ({"id": "k" * 201}, "id"),
        ({"datasetName": ["qa"]}, "datasetName"),
        ({"status": "GONE"}, "status"),
        ({"sourceTraceId": "x" * 40}, "sourceTraceId"),
    ],
)
def test_bad_items_name_the_field_and_store_nothing(
    client: APIClient, dataset: Dataset, payload: dict[str, Any], field: str
) -> None:
    before = DatasetItem.objects.filter(dataset=dataset).count()
    response = _post(client, "dataset-items", {"datasetName": "qa", "input": 1, **payload})
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body.get("message", str(body))
    assert DatasetItem.objects.filter(dataset=dataset).count() == before


def test_bad_dataset_names_are_refused(client: APIClient, tenant: Tenant) -> None:
    for name in ("", "n" * 201, 5):
        response = _post(client, "v2/datasets", {"name": name})
        assert response.status_code == 400
        assert "name" in response.json()["message"]
    assert not Dataset.objects.filter(project=tenant.project).exists()


# --- experiments ----------------------------------------------------------------------------


def test_a_run_item_makes_one_result_however_often_it_is_sent(
    client: APIClient, tenant: Tenant, dataset: Dataset
) -> None:
    link = {"runName": "nightly", "datasetItemId": "q1", "traceId": TRACES[0]}
    first = _post(client, "dataset-run-items", {**link, "observationId": SPANS[0]}).json()
    again = _post(client, "dataset-run-items", link).json()
    assert first["datasetRunId"] == again["datasetRunId"] == run_id_for(dataset, "nightly")
    assert (first["datasetRunName"], first["datasetItemId"]) == ("nightly", "q1")
    run = Run.objects.get(project=tenant.project)
    assert (run.trigger, run.status, run.suite.name) == ("experiment", "passed", "experiments: qa")
    assert RunResult.objects.filter(run=run).count() == 1
    # The spans of the same item: the same result, now with the output.
    _spans(tenant, dataset, first["datasetRunId"])
    results = {r.item_key: r for r in RunResult.objects.filter(run=run)}
    assert set(results) == {"q1", "q2"}
    assert (results["q1"].output, results["q1"].trace_id) == ("out-q1", TRACES[0])
    # The call sent again after the spans keeps what they recorded.
    _post(client, "dataset-run-items", link)
    assert RunResult.objects.get(run=run, item_key="q1").output == "out-q1"


def test_a_retried_export_is_one_result_per_item(tenant: Tenant, dataset: Dataset) -> None:
    _spans(tenant, dataset, "exp-1")
    _spans(tenant, dataset, "exp-1")
    run = Experiment.objects.get(project=tenant.project, external_id="exp-1").run
    assert run is not None
    assert RunResult.objects.filter(run=run).count() == 2
    assert run.summary["items"] == 2


def test_local_data_makes_no_run(tenant: Tenant, dataset: Dataset) -> None:
    _spans(tenant, dataset, "exp-local", dataset_id="")
    _spans(tenant, dataset, "exp-gone", item_id="no-such-item")
    assert not Run.objects.filter(project=tenant.project).exists()


def test_errored_items_and_an_all_errored_run(tenant: Tenant, dataset: Dataset) -> None:
    _spans(tenant, dataset, "exp-err", error="boom", output=None)
    run = Run.objects.get(project=tenant.project)
    assert (run.status, run.summary["errored_items"]) == ("errored", 2)
    assert set(RunResult.objects.filter(run=run).values_list("error", flat=True)) == {"boom"}


def test_scores_on_item_traces_are_verdicts(
    client: APIClient, tenant: Tenant, dataset: Dataset
) -> None:
    # One score before the spans, one after: both land.
    _post(
        client, "scores", [{"name": "ok", "value": 1, "dataType": "BOOLEAN", "traceId": TRACES[0]}]
    )
    _spans(tenant, dataset, "exp-v")
    _post(
        client,
        "scores",
        [
            {"name": "ok", "value": 0, "dataType": "BOOLEAN", "traceId": TRACES[1]},
            {"name": "len", "value": 3, "traceId": TRACES[1], "comment": "short"},
        ],
    )
    run = Run.objects.get(project=tenant.project)
    results = {r.item_key: r for r in RunResult.objects.filter(run=run)}
    assert results["q1"].verdicts == {
        "ok": {"score": 1.0, "passed": True, "label": "true", "reason": ""}
    }
    assert results["q2"].verdicts["ok"]["passed"] is False
    assert results["q2"].verdicts["len"] == {
        "score": 3.0,
        "passed": None,
        "label": None,
        "reason": "short",
    }
    assert run.config["evaluator_names"] == ["len", "ok"]
    assert run.summary["evaluators"]["ok"]["pass_rate"] == 0.5
    assert run.summary["evaluators"]["len"]["mean"] == 3.0


def test_a_run_level_score_is_kept_on_the_experiment(
    client: APIClient, tenant: Tenant, dataset: Dataset
) -> None:
    score = {"name": "accuracy", "value": 0.5, "datasetRunId": "exp-r", "comment": "avg"}
    # Before the run exists (5.x sends it when the items may not be exported yet) and after.
    assert _post(client, "scores", [score]).status_code == 202
    _spans(tenant, dataset, "exp-r")
    assert _post(client, "scores", [{**score, "value": 0.75}]).status_code == 202
    run = Run.objects.get(project=tenant.project)
    assert run.summary["experiment_scores"]["accuracy"]["score"] == 0.75
    assert not Score.objects.filter(project=tenant.project).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"datasetItemId": "missing"}, "id"),
        ({"traceId": None}, "traceId"),
        ({"traceId": 12}, "traceId"),
        ({"runName": "r" * 201}, "runName"),
        ({"metadata": {"x": INF}}, "metadata.x"),
    ],
)
def test_bad_run_items_store_nothing(
    client: APIClient, tenant: Tenant, dataset: Dataset, payload: dict[str, Any], field: str
) -> None:
    link = {"runName": "r", "datasetItemId": "q1", "traceId": TRACES[0], **payload}
    response = _post(client, "dataset-run-items", link)
    assert response.status_code in (400, 404), response.content
    assert field in response.json()["message"]
    assert not Run.objects.filter(project=tenant.project).exists()


def test_ingest_keys_cannot_write_datasets(tenant: Tenant, dataset: Dataset) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tenant.key(KeyScope.INGEST)}")
    link = {"runName": "r", "datasetItemId": "q1", "traceId": TRACES[0]}
    assert _post(client, "dataset-run-items", link).status_code == 403
    assert _post(client, "v2/datasets", {"name": "x"}).status_code == 403
    assert not Run.objects.filter(project=tenant.project).exists()


def test_a_users_suite_keeps_its_name(client: APIClient, tenant: Tenant, dataset: Dataset) -> None:
    other = Dataset.objects.create(project=tenant.project, name="other")
    Suite.objects.create(
        project=tenant.project,
        name="experiments: qa",
        dataset=other,
        target={"type": "outputs"},
        evaluators=[],
    )
    _spans(tenant, dataset, "exp-s")
    _spans(tenant, dataset, "exp-t")
    suites = {run.suite.name for run in Run.objects.filter(project=tenant.project)}
    assert suites == {f"experiments: qa (#{dataset.pk})"}


def test_a_fault_in_recording_fails_neither_spans_nor_scores(
    client: APIClient, tenant: Tenant, dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    _spans(tenant, dataset, "exp-f")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(experiments, "_verdicts_apply", broken)
    monkeypatch.setattr(experiments, "experiment_items_record", broken)
    _spans(tenant, dataset, "exp-g")  # the receiver logs; ingest is not failed
    response = _post(client, "scores", [{"name": "ok", "value": 1, "traceId": TRACES[0]}])
    assert response.status_code == 202
    assert Score.objects.filter(project=tenant.project, name="ok").exists()
    # Sent again once the fault is gone, the score becomes the item's verdict.
    monkeypatch.undo()
    _post(client, "scores", [{"id": "s", "name": "ok", "value": 1, "traceId": TRACES[0]}])
    result = RunResult.objects.get(run__experiment__external_id="exp-f", item_key="q1")
    assert result.verdicts["ok"]["score"] == 1.0
