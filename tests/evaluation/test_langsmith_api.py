"""LangSmith's datasets, examples, sessions and feedback in process: bad input per field (a 422
naming it, nothing stored), NUL bytes, huge numbers, another project's rows (404), what an ingest
key may do, retries that change nothing, evaluate()'s runs resolved through their session, and
pages that cost the same queries however many rows they hold."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from llmops.evaluation.domain.langsmith import dataset_pk_of, dataset_uuid
from llmops.evaluation.models import Dataset, DatasetItem, Experiment, Run, RunResult
from llmops.scores.models import Score
from llmops.tenancy.models import KeyScope
from llmops.tracing.experiments import ExperimentItem
from llmops.tracing.models import Span
from llmops.tracing.run_ids import span_id_of, trace_id_of
from llmops.tracing.signals import traces_ingested
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

EXAMPLE_A = "0f8fad5b-d9cb-469f-a165-70867728950e"
EXAMPLE_B = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def _client(tenant: Tenant, scope: str = KeyScope.MEMBER) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=tenant.key(scope))
    return client


def _post(client: APIClient, path: str, data: Any, **params: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(
        f"/langsmith/{path}{'?' + query if query else ''}",
        json.dumps(data) if not isinstance(data, str) else data,
        content_type="application/json",
    )


def _dataset(tenant: Tenant, name: str = "qa") -> str:
    response = _post(_client(tenant), "datasets", {"name": name, "description": "questions"})
    assert response.status_code == 200, response.content
    return str(response.json()["id"])


def _examples(tenant: Tenant, dataset_id: str) -> Any:
    rows = [
        {"id": EXAMPLE_A, "dataset_id": dataset_id, "inputs": {"q": "a?"}, "outputs": {"a": 1}},
        {"id": EXAMPLE_B, "dataset_id": dataset_id, "inputs": {"q": "b?"}, "split": "hard"},
    ]
    return _post(_client(tenant), "examples/bulk", rows)


# --- ids ------------------------------------------------------------------------------------


def test_a_dataset_uuid_holds_its_platform_id_and_nothing_else_reads_as_one() -> None:
    for pk in (1, 987654, 2**62 - 1):
        assert dataset_pk_of(dataset_uuid(pk)) == pk
        assert dataset_uuid(pk).version == 8
    assert dataset_pk_of(uuid.uuid4()) is None
    assert dataset_pk_of(uuid.UUID(int=0)) is None


# --- datasets -------------------------------------------------------------------------------


def test_a_dataset_is_created_once_and_read_by_name_and_id(tenant: Tenant) -> None:
    dataset_id = _dataset(tenant)
    again = _post(_client(tenant), "datasets", {"name": "qa"})
    assert again.status_code == 409
    assert "qa" in again.json()["detail"]
    client = _client(tenant)
    by_name = client.get("/langsmith/datasets", {"name": "qa", "limit": "1"}).json()
    assert [d["id"] for d in by_name] == [dataset_id]
    assert by_name[0]["description"] == "questions"
    by_id = client.get(f"/langsmith/datasets/{dataset_id}").json()
    assert by_id["name"] == "qa"
    assert by_id["example_count"] == 0
    assert client.get("/langsmith/datasets", {"name": "nope"}).json() == []
    assert Dataset.objects.filter(project=tenant.project).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": 7}, "name"),
        ({"name": "a\u0000b"}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "ok", "description": ["x"]}, "description"),
        ({"name": "ok", "extra": "x"}, "extra"),
        ({"name": "ok", "extra": {"metadata": 3}}, "extra.metadata"),
        ({"name": "ok", "extra": {"metadata": {"k": "v\u0000"}}}, "extra.metadata.k"),
    ],
)
def test_bad_dataset_input_is_a_422_naming_the_field(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    response = _post(_client(tenant), "datasets", body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(f"{field}:")
    assert not Dataset.objects.filter(project=tenant.project).exists()


def test_another_projects_dataset_is_a_404(tenant: Tenant, other_tenant: Tenant) -> None:
    dataset_id = _dataset(other_tenant)
    client = _client(tenant)
    assert client.get(f"/langsmith/datasets/{dataset_id}").status_code == 404
    assert client.get("/langsmith/datasets", {"name": "qa"}).json() == []
    assert client.get("/langsmith/examples", {"dataset": dataset_id}).status_code == 404
    row = {"dataset_id": dataset_id, "inputs": {"q": "x"}}
    assert _post(client, "examples", row).status_code == 404
    assert _post(client, "examples/bulk", [row]).status_code == 404
    session = {"name": "exp", "reference_dataset_id": dataset_id}
    assert _post(client, "sessions", session).status_code == 404
    assert not DatasetItem.objects.exists()
    assert client.get("/langsmith/datasets/not-a-uuid").status_code == 422
    assert client.get(f"/langsmith/datasets/{uuid.uuid4()}").status_code == 404


def test_an_ingest_key_may_not_write_datasets_examples_or_sessions(tenant: Tenant) -> None:
    dataset_id = _dataset(tenant)
    ingest = _client(tenant, KeyScope.INGEST)
    assert _post(ingest, "datasets", {"name": "other"}).status_code == 403
    row = {"dataset_id": dataset_id, "inputs": {"q": "x"}}
    assert _post(ingest, "examples", row).status_code == 403
    assert _post(ingest, "examples/bulk", [row]).status_code == 403
    assert _post(ingest, "sessions", {"name": "s"}).status_code == 403
    assert ingest.get("/langsmith/datasets").status_code == 403
    assert Dataset.objects.filter(project=tenant.project).count() == 1
    assert not DatasetItem.objects.exists()
    assert not Experiment.objects.exists()


# --- examples -------------------------------------------------------------------------------


def test_examples_in_bulk_are_one_version_and_a_retry_makes_none(tenant: Tenant) -> None:
    dataset_id = _dataset(tenant)
    first = _examples(tenant, dataset_id)
    assert first.status_code == 200, first.content
    assert [row["id"] for row in first.json()] == [EXAMPLE_A, EXAMPLE_B]
    assert _examples(tenant, dataset_id).json() == first.json()
    dataset = Dataset.objects.get(project=tenant.project)
    assert dataset.latest_version == 1

    client = _client(tenant)
    listed = client.get("/langsmith/examples", {"dataset": dataset_id}).json()
    assert [(e["id"], e["inputs"], e["outputs"]) for e in listed] == [
        (EXAMPLE_A, {"q": "a?"}, {"a": 1}),
        (EXAMPLE_B, {"q": "b?"}, None),
    ]
    assert listed[1]["metadata"] == {"dataset_split": ["hard"]}
    hard = client.get("/langsmith/examples", {"dataset": dataset_id, "splits": "hard"}).json()
    assert [e["id"] for e in hard] == [EXAMPLE_B]
    base = client.get("/langsmith/examples", {"dataset": dataset_id, "splits": "base"}).json()
    assert [e["id"] for e in base] == [EXAMPLE_A]
    by_ids = client.get("/langsmith/examples", {"id": [EXAMPLE_B]}).json()
    assert [e["id"] for e in by_ids] == [EXAMPLE_B]
    paged = client.get("/langsmith/examples", {"dataset": dataset_id, "offset": "1", "limit": "1"})
    assert [e["id"] for e in paged.json()] == [EXAMPLE_B]
    one = client.get(f"/langsmith/examples/{EXAMPLE_A}").json()
    assert one["dataset_id"] == dataset_id
    assert one["outputs"] == {"a": 1}

    # The same id with other content replaces the example in a new version.
    changed = {"id": EXAMPLE_A, "dataset_id": dataset_id, "inputs": {"q": "A?"}}
    assert _post(client, "examples", changed).json()["inputs"] == {"q": "A?"}
    dataset.refresh_from_db()
    assert dataset.latest_version == 2
    assert client.get(f"/langsmith/datasets/{dataset_id}").json()["example_count"] == 2


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"inputs": {"q": "x"}}, "dataset_id"),
        ({"dataset_id": "nope", "inputs": {"q": "x"}}, "dataset_id"),
        ({"dataset_id": "{ds}"}, "inputs"),
        ({"dataset_id": "{ds}", "inputs": "text"}, "inputs"),
        ({"dataset_id": "{ds}", "inputs": {"q": "a\u0000"}}, "inputs.q"),
        ({"dataset_id": "{ds}", "inputs": {"q\u0000": 1}}, "inputs.q\\u0000"),
        ({"dataset_id": "{ds}", "inputs": {"q": 1}, "outputs": [1]}, "outputs"),
        ({"dataset_id": "{ds}", "inputs": {"q": 1}, "metadata": 5}, "metadata"),
        ({"dataset_id": "{ds}", "inputs": {"q": 1}, "id": "not-a-uuid"}, "id"),
        ({"dataset_id": "{ds}", "inputs": {"q": 1}, "id": 5}, "id"),
        ({"dataset_id": "{ds}", "inputs": {"q": 1}, "split": 5}, "split"),
        ({"dataset_id": "{ds}", "inputs": {"q": 1}, "split": ["a\u0000"]}, "split[0]"),
    ],
)
def test_bad_example_input_is_a_422_naming_the_field(
    tenant: Tenant, row: dict[str, Any], field: str
) -> None:
    dataset_id = _dataset(tenant)
    body = {k: (dataset_id if v == "{ds}" else v) for k, v in row.items()}
    single = _post(_client(tenant), "examples", body)
    assert single.status_code == 422, single.content
    assert single.json()["detail"].startswith(f"{field}:")
    # In bulk, the field of the bad row; the good row before it is not stored either.
    good = {"dataset_id": dataset_id, "inputs": {"q": "fine"}}
    bulk = _post(_client(tenant), "examples/bulk", [good, body])
    assert bulk.status_code == 422, bulk.content
    assert bulk.json()["detail"].startswith(f"[1].{field}:")
    assert not DatasetItem.objects.exists()


def test_huge_numbers_are_refused_and_big_integers_kept(tenant: Tenant) -> None:
    dataset_id = _dataset(tenant)
    raw = json.dumps({"dataset_id": dataset_id, "inputs": {"n": "INF"}}).replace('"INF"', "1e999")
    response = _post(_client(tenant), "examples", raw)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("inputs.n:")
    assert not DatasetItem.objects.exists()
    big = {"dataset_id": dataset_id, "inputs": {"n": 2**62}, "outputs": {"x": -1.5e300}}
    stored = _post(_client(tenant), "examples", big)
    assert stored.status_code == 200, stored.content
    assert stored.json()["inputs"] == {"n": 2**62}
    assert DatasetItem.objects.get().input == {"n": 2**62}


def test_an_example_id_of_another_dataset_is_a_409(tenant: Tenant) -> None:
    first, second = _dataset(tenant, "one"), _dataset(tenant, "two")
    assert _post(_client(tenant), "examples", {"id": EXAMPLE_A, "dataset_id": first, "inputs": {}})
    clash = _post(
        _client(tenant), "examples", {"id": EXAMPLE_A, "dataset_id": second, "inputs": {}}
    )
    assert clash.status_code == 409
    assert DatasetItem.objects.filter(dataset__name="two").count() == 0


def test_bad_example_queries_are_422s(tenant: Tenant) -> None:
    dataset_id = _dataset(tenant)
    client = _client(tenant)
    for params, field in (
        ({}, "dataset"),
        ({"dataset": dataset_id, "limit": "x"}, "limit"),
        ({"dataset": dataset_id, "limit": "101"}, "limit"),
        ({"dataset": dataset_id, "offset": "-1"}, "offset"),
        ({"dataset": dataset_id, "offset": str(10**30)}, "offset"),
        ({"dataset": dataset_id, "as_of": "yesterday"}, "as_of"),
        ({"dataset": dataset_id, "metadata": "[1]"}, "metadata"),
        ({"dataset": dataset_id, "filter": 'eq(metadata.a, "b")'}, "filter"),
        ({"id": "x"}, "id"),
    ):
        response = client.get("/langsmith/examples", params)
        assert response.status_code == 422, (params, response.content)
        assert response.json()["detail"].startswith(f"{field}:")
    assert client.get(f"/langsmith/examples/{uuid.uuid4()}").status_code == 404


# --- sessions -------------------------------------------------------------------------------


def test_a_session_is_created_once_and_a_name_in_use_is_a_409(tenant: Tenant) -> None:
    dataset_id = _dataset(tenant)
    session_id = str(uuid.uuid4())
    body = {
        "id": session_id,
        "name": "exp-1",
        "reference_dataset_id": dataset_id,
        "extra": {"metadata": {"a": 1}},
    }
    client = _client(tenant)
    created = _post(client, "sessions", body)
    assert created.status_code == 201, created.content
    assert created.json()["reference_dataset_id"] == dataset_id
    # A retry with the same id is the stored session.
    assert _post(client, "sessions", body).json()["id"] == session_id
    clash = _post(client, "sessions", {**body, "id": str(uuid.uuid4())})
    assert clash.status_code == 409
    upserted = _post(
        client, "sessions", {**body, "id": str(uuid.uuid4()), "description": "d"}, upsert="true"
    )
    assert upserted.json()["id"] == session_id
    assert upserted.json()["description"] == "d"
    assert Experiment.objects.filter(project=tenant.project).count() == 1

    by_name = client.get("/langsmith/sessions", {"name": "exp-1", "limit": "1"}).json()
    assert [s["id"] for s in by_name] == [session_id]
    assert by_name[0]["tenant_id"]
    by_dataset = client.get("/langsmith/sessions", {"reference_dataset": dataset_id}).json()
    assert [s["id"] for s in by_dataset] == [session_id]
    assert client.get("/langsmith/sessions", {"name": "nope"}).json() == []

    patched = client.patch(
        f"/langsmith/sessions/{session_id}",
        {
            "extra": {"metadata": {"a": 1, "dataset_version": "v"}},
            "end_time": "2026-01-01T00:00:00Z",
        },
        format="json",
    )
    assert patched.status_code == 200, patched.content
    read = client.get(f"/langsmith/sessions/{session_id}").json()
    assert read["extra"]["metadata"] == {"a": 1, "dataset_version": "v"}
    assert read["end_time"].startswith("2026-01-01")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": 1}, "name"),
        ({"name": "a\u0000"}, "name"),
        ({"name": "s", "id": "x"}, "id"),
        ({"name": "s", "reference_dataset_id": "x"}, "reference_dataset_id"),
        ({"name": "s", "extra": []}, "extra"),
        ({"name": "s", "extra": {"n": 1e999}}, "extra.n"),
    ],
)
def test_bad_session_input_is_a_422_naming_the_field(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    raw = json.dumps(body).replace('"n": Infinity', '"n": 1e999')
    response = _post(_client(tenant), "sessions", raw)
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(f"{field}:")
    assert not Experiment.objects.exists()


def test_another_projects_session_is_a_404(tenant: Tenant, other_tenant: Tenant) -> None:
    session_id = str(uuid.uuid4())
    assert (
        _post(_client(other_tenant), "sessions", {"id": session_id, "name": "s"}).status_code == 201
    )
    client = _client(tenant)
    assert client.get(f"/langsmith/sessions/{session_id}").status_code == 404
    patched = client.patch(f"/langsmith/sessions/{session_id}", {"name": "x"}, format="json")
    assert patched.status_code == 404
    assert client.get("/langsmith/sessions", {"name": "s"}).json() == []
    assert Experiment.objects.get().name == "s"


def test_evaluate_runs_become_results_of_their_session(tenant: Tenant) -> None:
    """A root run with reference_example_id names its session (by id or, without one, by
    name) and no dataset: the session's dataset holds the example."""
    dataset_id = _dataset(tenant)
    _examples(tenant, dataset_id)
    session_id = str(uuid.uuid4())
    body = {"id": session_id, "name": "exp-1", "reference_dataset_id": dataset_id}
    _post(_client(tenant), "sessions", body)

    def item(experiment_id: str, example: str, trace: str, name: str = "exp-1") -> ExperimentItem:
        return ExperimentItem(
            trace_id=trace,
            span_id=trace[:16],
            experiment_id=experiment_id,
            experiment_name=name,
            description="",
            dataset_id="",
            item_id=example,
            input={"q": "a?"},
            output={"output": "x"},
            expected_output=None,
            metadata={},
            error="",
            latency_ms=5.0,
        )

    trace_a, trace_b = "a" * 32, "b" * 32
    traces_ingested.send(
        sender=None,
        project=tenant.project,
        trace_ids=[],
        experiment_items=[item(session_id, EXAMPLE_A, trace_a)],
    )
    traces_ingested.send(
        sender=None,
        project=tenant.project,
        trace_ids=[],
        experiment_items=[item("exp-1", EXAMPLE_B, trace_b)],
    )
    experiment = Experiment.objects.get(session_id=session_id)
    assert experiment.run is not None
    results = RunResult.objects.filter(run=experiment.run).order_by("item_key")
    assert [(r.item_key, r.trace_id) for r in results] == sorted(
        [(EXAMPLE_A, trace_a), (EXAMPLE_B, trace_b)]
    )
    assert Run.objects.count() == 1
    # A run of a plain tracing project (a session without a dataset) makes no result.
    _post(_client(tenant), "sessions", {"name": "support-bot"})
    traces_ingested.send(
        sender=None,
        project=tenant.project,
        trace_ids=[],
        experiment_items=[item(str(uuid.uuid4()), EXAMPLE_A, "c" * 32, "support-bot")],
    )
    assert RunResult.objects.count() == 2

    # The evaluators' feedback on the item's run is the result's verdict.
    run_id = uuid.uuid4()
    feedback = {
        "run_id": str(run_id),
        "trace_id": str(uuid.UUID(trace_a)),
        "key": "accuracy",
        "score": 1,
        "id": str(uuid.uuid4()),
    }
    assert _post(_client(tenant), "feedback", feedback).status_code == 200
    result = RunResult.objects.get(item_key=EXAMPLE_A)
    assert result.verdicts["accuracy"]["score"] == 1.0
    listed = _client(tenant).get(f"/langsmith/sessions/{session_id}").json()
    assert listed["run_count"] == 2


# --- feedback -------------------------------------------------------------------------------


def test_feedback_is_a_score_on_the_runs_span_and_a_retry_updates_it(tenant: Tenant) -> None:
    run_id, trace = uuid.uuid4(), uuid.uuid4()
    feedback_id = str(uuid.uuid4())
    body = {
        "id": feedback_id,
        "run_id": str(run_id),
        "trace_id": str(trace),
        "key": "correct",
        "score": 0.5,
        "comment": "half",
    }
    # Stored before its run arrives: the trace id is sent, the span id derived.
    assert _post(_client(tenant), "feedback", body).status_code == 200
    assert _post(_client(tenant), "feedback", {**body, "score": 0.75}).status_code == 200
    score = Score.objects.get(project=tenant.project)
    assert (score.trace_id, score.span_id) == (trace_id_of(trace), span_id_of(run_id))
    assert (score.name, score.value, score.comment) == ("correct", 0.75, "half")
    # An ingest key may send feedback.
    other = {**body, "id": str(uuid.uuid4()), "key": "tone", "score": None, "value": "warm"}
    assert _post(_client(tenant, KeyScope.INGEST), "feedback", other).status_code == 200
    assert Score.objects.get(name="tone").string_value == "warm"


def test_feedback_on_a_run_not_stored_without_its_trace_is_a_404(tenant: Tenant) -> None:
    body = {"run_id": str(uuid.uuid4()), "key": "correct", "score": 1}
    response = _post(_client(tenant), "feedback", body)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("run_id:")
    assert not Score.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "k", "score": 1}, "run_id"),
        ({"run_id": "x", "key": "k", "score": 1}, "run_id"),
        ({"trace_id": "{t}", "score": 1}, "key"),
        ({"trace_id": "{t}", "key": "k\u0000", "score": 1}, "key"),
        ({"trace_id": "{t}", "key": "k"}, "score"),
        ({"trace_id": "{t}", "key": "k", "score": "high"}, "score"),
        ({"trace_id": "{t}", "key": "k", "score": 1e999}, "score"),
        ({"trace_id": "{t}", "key": "k", "score": 1, "comment": 5}, "comment"),
        ({"trace_id": "{t}", "key": "k", "score": 1, "comment": "a\u0000"}, "comment"),
    ],
)
def test_bad_feedback_is_a_422_naming_the_field(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    trace = str(uuid.uuid4())
    data = {k: (trace if v == "{t}" else v) for k, v in body.items()}
    raw = json.dumps(data).replace("Infinity", "1e999")
    response = _post(_client(tenant), "feedback", raw)
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(f"{field}:")
    assert not Score.objects.exists()


# --- pages ----------------------------------------------------------------------------------


def _queries(client: APIClient, path: str, params: dict[str, Any]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json())


def test_a_page_costs_the_same_queries_for_few_and_many_rows(tenant: Tenant) -> None:
    client = _client(tenant)
    dataset_id = _dataset(tenant, "d0")
    for n in range(1, 3):
        _dataset(tenant, f"d{n}")
        _post(client, "sessions", {"name": f"s{n}", "reference_dataset_id": dataset_id})
        _post(client, "examples", {"dataset_id": dataset_id, "inputs": {"n": n}})
        feedback = {"trace_id": str(uuid.uuid4()), "key": f"k{n}", "score": n}
        _post(client, "feedback", feedback)
    listings = [
        ("/langsmith/datasets", {}),
        ("/langsmith/examples", {"dataset": dataset_id}),
        ("/langsmith/sessions", {}),
        ("/langsmith/feedback", {}),
        (f"/langsmith/datasets/{dataset_id}/versions", {}),
    ]
    _queries(client, *listings[0])  # the key's first use is written once
    few = [_queries(client, path, params) for path, params in listings]
    for n in range(3, 9):
        _dataset(tenant, f"d{n}")
        _post(client, "sessions", {"name": f"s{n}", "reference_dataset_id": dataset_id})
        _post(client, "examples", {"dataset_id": dataset_id, "inputs": {"n": n}})
        feedback = {"trace_id": str(uuid.uuid4()), "key": f"k{n}", "score": n}
        _post(client, "feedback", feedback)
    many = [_queries(client, path, params) for path, params in listings]
    assert [rows for _, rows in few] == [3, 2, 2, 2, 2]
    assert [rows for _, rows in many] == [9, 8, 8, 8, 8]
    assert [count for count, _ in few] == [count for count, _ in many]


def test_dataset_versions_and_splits_read_as_langsmith_tags(tenant: Tenant) -> None:
    dataset_id = _dataset(tenant)
    _examples(tenant, dataset_id)
    client = _client(tenant)
    _post(client, "examples", {"dataset_id": dataset_id, "inputs": {"q": "c?"}})
    versions = client.get(f"/langsmith/datasets/{dataset_id}/versions").json()
    assert [v["tags"] for v in versions] == [["v2", "latest"], ["v1"]]
    searched = client.get(f"/langsmith/datasets/{dataset_id}/versions", {"search": "v1"})
    assert [v["tags"] for v in searched.json()] == [["v1"]]
    one = client.get(f"/langsmith/datasets/{dataset_id}/version", {"tag": "v1"}).json()
    assert one["tags"] == ["v1"]
    at_v1 = client.get("/langsmith/examples", {"dataset": dataset_id, "as_of": "v1"}).json()
    assert [e["id"] for e in at_v1] == [EXAMPLE_A, EXAMPLE_B]
    splits = client.get(f"/langsmith/datasets/{dataset_id}/splits").json()
    assert splits == ["base", "hard"]
    version = f"/langsmith/datasets/{dataset_id}/version"
    assert client.get(version, {"tag": "v9"}).status_code == 404
    both = client.get(version, {"tag": "v1", "as_of": "2026-01-01T00:00:00Z"})
    assert both.status_code == 422
    assert client.get(version).status_code == 422
    bad_time = client.get(version, {"as_of": "soon"})
    assert bad_time.status_code == 422
    assert bad_time.json()["detail"].startswith("as_of:")


def test_feedback_reads_back_by_run_and_key_and_not_across_projects(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    run_id, trace = uuid.uuid4(), uuid.uuid4()
    feedback_id = str(uuid.uuid4())
    body = {
        "id": feedback_id,
        "run_id": str(run_id),
        "trace_id": str(trace),
        "key": "correct",
        "score": True,
        "correction": {"answer": "x"},
    }
    assert _post(_client(tenant), "feedback", body).status_code == 200
    client = _client(tenant)
    listed = client.get("/langsmith/feedback", {"run": str(run_id)}).json()
    assert [(f["id"], f["run_id"], f["trace_id"], f["key"], f["score"]) for f in listed] == [
        (feedback_id, str(run_id), str(trace), "correct", 1.0)
    ]
    assert listed[0]["correction"] == {"answer": "x"}
    assert client.get("/langsmith/feedback", {"run": str(uuid.uuid4())}).json() == []
    assert client.get("/langsmith/feedback", {"key": "other"}).json() == []
    assert client.get(f"/langsmith/feedback/{feedback_id}").json()["key"] == "correct"
    bad = client.get("/langsmith/feedback", {"run": "x"})
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("run:")
    intruder = _client(other_tenant)
    assert intruder.get(f"/langsmith/feedback/{feedback_id}").status_code == 404
    assert intruder.get("/langsmith/feedback", {"run": str(run_id)}).json() == []


def test_feedback_on_a_running_run_without_its_trace_finds_the_runs_trace(
    tenant: Tenant,
) -> None:
    run_id = uuid.uuid4()
    run = {
        "id": str(run_id),
        "trace_id": str(run_id),
        "dotted_order": f"20260101T000000000000Z{run_id}",
        "name": "answer",
        "run_type": "chain",
        "start_time": "2026-01-01T00:00:00Z",
        "inputs": {"q": "x"},
    }
    posted = _post(_client(tenant, KeyScope.INGEST), "runs", run)
    assert posted.status_code < 300, posted.content
    body = {"run_id": str(run_id), "key": "correct", "score": 1}
    assert _post(_client(tenant), "feedback", body).status_code == 200
    score = Score.objects.get(project=tenant.project)
    assert (score.trace_id, score.span_id) == (trace_id_of(run_id), span_id_of(run_id))


def test_a_run_naming_its_session_by_id_only_is_in_that_sessions_project(
    tenant: Tenant,
) -> None:
    session_id = str(uuid.uuid4())
    assert _post(_client(tenant), "sessions", {"id": session_id, "name": "nightly"}).status_code
    run_id = uuid.uuid4()
    run = {
        "id": str(run_id),
        "trace_id": str(run_id),
        "dotted_order": f"20260101T000000000000Z{run_id}",
        "name": "answer",
        "run_type": "chain",
        "start_time": "2026-01-01T00:00:00Z",
        "end_time": "2026-01-01T00:00:01Z",
        "inputs": {"q": "x"},
        "outputs": {"a": "y"},
        "session_id": session_id,
    }
    posted = _post(_client(tenant, KeyScope.INGEST), "runs", run)
    assert posted.status_code < 300, posted.content
    span = Span.objects.get(project=tenant.project, span_id=span_id_of(run_id))
    assert span.metadata["langsmith_project"] == "nightly"
