"""The Langfuse score endpoints at their edges: bad input is refused naming the field and
stores nothing, one bad score costs no good one of its batch, and ids are idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from llmops.scores.api.langfuse import score_uuid
from llmops.scores.models import Score
from llmops.tenancy.models import KeyScope
from tests.conftest import Tenant

TRACE = "0af7651916cd43dd8448eb211c80319c"
SPAN = "b7ad6b7169203331"


def _score(**fields: Any) -> dict[str, Any]:
    return {"name": "quality", "value": 0.5, "traceId": TRACE, **fields}


def _post(client: APIClient, path: str, payload: Any) -> Any:
    return client.post(f"/api/public/{path}", payload, format="json")


@pytest.fixture
def client(tenant: Tenant) -> APIClient:
    return tenant.basic_client()


def test_a_list_of_scores_is_accepted(client: APIClient, tenant: Tenant) -> None:
    response = _post(
        client,
        "scores",
        [
            _score(id="a", observationId=SPAN, comment="ok", metadata={"k": [1, "x"]}),
            _score(id="b", name="label", value="good", dataType="CATEGORICAL"),
            _score(id="c", name="flag", value=1.0, dataType="BOOLEAN"),
        ],
    )
    assert response.status_code == 202, response.content
    assert response.json() == {"message": "Accepted"}
    stored = {score.name: score for score in Score.objects.filter(project=tenant.project)}
    assert stored["quality"].span_id == SPAN
    assert stored["quality"].metadata == {"k": [1, "x"], "langfuse.id": "a"}
    assert stored["label"].string_value == "good"
    assert (stored["flag"].value, stored["flag"].string_value) == (1.0, "true")


def test_the_same_id_twice_is_one_score(client: APIClient, tenant: Tenant) -> None:
    _post(client, "scores", [_score(id="same", value=1)])
    _post(client, "scores", [_score(id="same", value=2)])
    uuid_id = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
    _post(client, "scores", _score(id=uuid_id, value=3))
    _post(client, "scores", _score(id=uuid_id, value=4))
    scores = Score.objects.filter(project=tenant.project).order_by("value")
    assert [(str(score.id), score.value) for score in scores] == [
        (str(score_uuid("same")), 2.0),
        (uuid_id, 4.0),
    ]
    # A UUID id is the platform id itself, with no extra key.
    assert "langfuse.id" not in scores[1].metadata


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "bad\x00name"}, "name"),
        ({"comment": "nul\x00"}, "comment"),
        ({"metadata": {"a": "nul\x00"}}, "metadata.a"),
        ({"value": 10**400}, "value"),
        ({"value": True}, "value"),
        ({"value": [1]}, "value"),
        ({"value": None}, "value"),
        ({"name": 7}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"traceId": "not-a-trace"}, "traceId"),
        ({"traceId": None}, "traceId"),
        ({"observationId": "zz"}, "observationId"),
        ({"dataType": "TEXT"}, "dataType"),
        ({"dataType": "NUMERIC", "value": "high"}, "value"),
        ({"dataType": "BOOLEAN", "value": 0.5}, "value"),
        ({"dataType": "CATEGORICAL", "value": "x" * 201}, "value"),
        ({"id": 5}, "id"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    client: APIClient, tenant: Tenant, fields: dict[str, Any], field: str
) -> None:
    response = _post(client, "scores", [_score(**fields)])
    assert response.status_code == 400, response.content
    assert field in response.json()["message"]
    assert not Score.objects.filter(project=tenant.project).exists()


def test_nan_and_infinity_are_refused(client: APIClient, tenant: Tenant) -> None:
    def send(literal: str) -> Any:
        raw = f'[{{"name": "q", "traceId": "{TRACE}", "value": {literal}}}]'
        return client.post("/api/public/scores", raw, content_type="application/json")

    # NaN and Infinity are not JSON: the body is refused as it is read.
    for literal in ("NaN", "Infinity", "-Infinity"):
        assert send(literal).status_code == 400, literal
    # 1e999 is JSON, and decodes to infinity: the field is named.
    response = send("1e999")
    assert response.status_code == 400
    assert response.json()["message"].startswith("[0] value:")
    assert not Score.objects.filter(project=tenant.project).exists()


def test_a_bad_score_costs_no_good_one(client: APIClient, tenant: Tenant) -> None:
    response = _post(client, "scores", [_score(id="good"), _score(id="bad", traceId="x")])
    assert response.status_code == 207
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    assert "[1] traceId" in body["errors"][0]["message"]
    assert list(Score.objects.filter(project=tenant.project).values_list("id", flat=True)) == [
        score_uuid("good")
    ]


def test_the_body_must_be_a_list_or_an_object(client: APIClient, tenant: Tenant) -> None:
    response = _post(client, "scores", "text")
    assert response.status_code == 400
    assert "body" in response.json()["message"]


def test_ingestion_stores_score_events_and_refuses_the_rest(
    client: APIClient, tenant: Tenant
) -> None:
    response = _post(
        client,
        "ingestion",
        {
            "batch": [
                {"id": "e1", "type": "score-create", "body": _score(id="s1")},
                {"id": "e2", "type": "trace-create", "body": {"id": TRACE}},
                {
                    "id": "e3",
                    "type": "score-create",
                    "body": _score(id="s2", value="high", dataType="NUMERIC"),
                },
                {"id": "e4", "type": "sdk-log", "body": {"log": "hello"}},
                {"id": "e5", "type": "score-create", "body": _score(id="s1", value=0.9)},
            ]
        },
    )
    assert response.status_code == 207
    body = response.json()
    assert body["successes"] == [
        {"id": "e1", "status": 201},
        {"id": "e4", "status": 201},
        {"id": "e5", "status": 201},
    ]
    errors = {error["id"]: error for error in body["errors"]}
    assert set(errors) == {"e2", "e3"}
    assert "otel/v1/traces" in errors["e2"]["message"]
    assert errors["e3"]["status"] == 400
    assert "value" in errors["e3"]["message"]
    scores = Score.objects.filter(project=tenant.project)
    assert [(score.id, score.value) for score in scores] == [(score_uuid("s1"), 0.9)]


def test_ingestion_needs_a_batch_list(client: APIClient) -> None:
    response = _post(client, "ingestion", {"batch": {"id": "e1"}})
    assert response.status_code == 400
    assert "batch" in response.json()["message"]


def test_ingest_keys_may_send_scores(tenant: Tenant) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tenant.key(KeyScope.INGEST)}")
    assert _post(client, "scores", [_score()]).status_code == 202


def test_wrong_keys_are_refused(tenant: Tenant) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic d3Jvbmc6d3Jvbmc=")
    response = _post(client, "scores", [_score()])
    assert response.status_code == 401
    assert not Score.objects.filter(project=tenant.project).exists()


def test_the_v2_list_reads_back_what_was_sent(
    client: APIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    _post(
        client,
        "scores",
        [
            _score(id="n", value=0.25, observationId=SPAN, metadata={"k": 1}, environment="prod"),
            _score(id="c", name="tone", value="calm"),
            _score(id="b", name="flag", value=1, dataType="BOOLEAN", traceId="f" * 32),
        ],
    )
    _post(other_tenant.basic_client(), "scores", [_score(id="theirs")])
    listed = client.get("/api/public/v2/scores", {"traceId": TRACE}).json()
    assert listed["meta"]["totalItems"] == 2
    rows = {row["id"]: row for row in listed["data"]}
    assert set(rows) == {"n", "c"}
    assert rows["n"]["observationId"] == SPAN
    assert (rows["n"]["metadata"], rows["n"]["environment"]) == ({"k": 1}, "prod")
    assert (rows["c"]["dataType"], rows["c"]["stringValue"]) == ("CATEGORICAL", "calm")
    flags = client.get("/api/public/v2/scores", {"dataType": "BOOLEAN"}).json()["data"]
    assert [(row["id"], row["stringValue"], row["value"]) for row in flags] == [("b", "True", 1.0)]
    paged = client.get("/api/public/v2/scores", {"limit": 1, "page": 2}).json()
    assert paged["meta"] == {"page": 2, "limit": 1, "totalItems": 3, "totalPages": 3}
    assert client.get("/api/public/v2/scores/c").json()["name"] == "tone"
    assert client.get("/api/public/v2/scores/theirs").status_code == 404


def test_the_v2_list_refuses_bad_filters(client: APIClient) -> None:
    for params, field in (
        ({"dataType": "TEXT"}, "dataType"),
        ({"traceId": "x" * 33}, "traceId"),
        ({"limit": 0}, "limit"),
        ({"fromTimestamp": "yesterday"}, "fromTimestamp"),
    ):
        response = client.get("/api/public/v2/scores", params)
        assert response.status_code == 400, params
        assert field in response.json()["message"]
