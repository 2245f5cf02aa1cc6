"""Scores: recording numeric, boolean and categorical judgements, idempotency, bad input, and
scores shown with traces, used in trace filters and in metrics."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from llmops.scores.models import Score
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p
from tests.tracing.test_query_api import span_hex, store, trace_hex

pytestmark = pytest.mark.django_db


def post(tenant: Tenant, body: Any) -> Any:
    return tenant.client().post("/api/v1/scores", body, format="json")


def seed_two_traces(tenant: Tenant) -> None:
    store(
        tenant.project,
        [
            p.span(trace_id=trace_hex(1), span_id=span_hex(1), name="answer"),
            p.span(trace_id=trace_hex(1), span_id=span_hex(2), parent=span_hex(1), name="llm"),
            p.span(trace_id=trace_hex(2), span_id=span_hex(3), name="answer"),
        ],
    )


def test_each_data_type_is_stored_with_its_value(tenant: Tenant) -> None:
    t = trace_hex(1)
    numeric = post(tenant, {"trace_id": t, "name": "relevance", "value": 0.75, "comment": "ok"})
    boolean = post(tenant, {"trace_id": t, "name": "helpful", "value": False})
    label = post(tenant, {"trace_id": t, "name": "tone", "value": "friendly"})
    as_number = post(tenant, {"trace_id": t, "name": "thumbs", "value": 1, "data_type": "boolean"})
    assert [r.status_code for r in (numeric, boolean, label, as_number)] == [201] * 4
    assert numeric.json()["data_type"] == "numeric"
    assert numeric.json()["value"] == 0.75
    assert numeric.json()["comment"] == "ok"
    assert numeric.json()["author"] == f"api-key:{tenant.public_key}"
    assert (boolean.json()["data_type"], boolean.json()["value"]) == ("boolean", 0.0)
    assert boolean.json()["string_value"] == "false"
    assert (label.json()["data_type"], label.json()["string_value"]) == ("categorical", "friendly")
    assert label.json()["value"] is None
    assert (as_number.json()["value"], as_number.json()["string_value"]) == (1.0, "true")
    assert Score.objects.filter(project=tenant.project, trace_id=t).count() == 4


def test_a_score_may_arrive_before_its_trace_and_span_id_alone_finds_the_trace(
    tenant: Tenant,
) -> None:
    early = post(tenant, {"trace_id": trace_hex(9), "name": "feedback", "value": 1.0})
    assert early.status_code == 201
    not_yet = post(tenant, {"span_id": span_hex(2), "name": "feedback", "value": 1.0})
    assert not_yet.status_code == 400
    assert "trace_id" in not_yet.json()["fields"]
    seed_two_traces(tenant)
    by_span = post(tenant, {"span_id": span_hex(2), "name": "feedback", "value": 1.0})
    assert by_span.status_code == 201
    assert by_span.json()["trace_id"] == trace_hex(1)


def test_the_same_id_updates_instead_of_duplicating(tenant: Tenant) -> None:
    score_id = str(uuid.uuid4())
    body = {"id": score_id, "trace_id": trace_hex(1), "name": "quality", "value": 0.2}
    first = post(tenant, body)
    retried = post(tenant, body)
    corrected = post(tenant, {**body, "value": 0.9, "comment": "second look"})
    assert (first.status_code, retried.status_code, corrected.status_code) == (201, 201, 201)
    stored = Score.objects.get(project=tenant.project, id=score_id)
    assert (stored.value, stored.comment) == (0.9, "second look")
    assert Score.objects.filter(project=tenant.project).count() == 1
    assert stored.created_at < stored.updated_at


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trace_id": trace_hex(1), "value": 1}, "name"),
        ({"trace_id": trace_hex(1), "name": "x"}, "value"),
        ({"name": "x", "value": 1}, "trace_id"),
        ({"trace_id": "not-hex", "name": "x", "value": 1}, "trace_id"),
        ({"span_id": "zz", "name": "x", "value": 1}, "span_id"),
        ({"trace_id": trace_hex(1), "name": "x", "value": "yes", "data_type": "numeric"}, "value"),
        ({"trace_id": trace_hex(1), "name": "x", "value": 3, "data_type": "boolean"}, "value"),
        ({"trace_id": trace_hex(1), "name": "x", "value": 3, "data_type": "categorical"}, "value"),
        ({"trace_id": trace_hex(1), "name": "x", "value": {"a": 1}}, "value"),
        ({"trace_id": trace_hex(1), "name": "x", "value": 1, "data_type": "stars"}, "data_type"),
        ({"trace_id": trace_hex(1), "name": "x", "value": 1, "colour": "red"}, "colour"),
    ],
)
def test_bad_scores_are_refused_naming_the_field(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    response = post(tenant, body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert field in response.json()["message"]
    assert not Score.objects.filter(project=tenant.project).exists()


def test_a_list_is_stored_whole_or_not_at_all(tenant: Tenant) -> None:
    good = {"trace_id": trace_hex(1), "name": "a", "value": 1.0}
    bad = {"trace_id": trace_hex(1), "name": "b", "value": "x", "data_type": "numeric"}
    refused = post(tenant, [good, good, bad])
    assert refused.status_code == 400
    assert "[2].value" in refused.json()["fields"]
    assert not Score.objects.exists()
    accepted = post(tenant, [good, {**good, "name": "b"}])
    assert accepted.status_code == 201
    assert sorted(s["name"] for s in accepted.json()) == ["a", "b"]
    too_many = post(tenant, [good] * 1001)
    assert too_many.status_code == 400
    assert Score.objects.count() == 2


def test_scores_are_shown_with_traces_and_filter_them(tenant: Tenant) -> None:
    seed_two_traces(tenant)
    post(tenant, {"trace_id": trace_hex(1), "name": "relevance", "value": 0.9})
    post(
        tenant,
        {"trace_id": trace_hex(1), "span_id": span_hex(2), "name": "relevance", "value": 0.5},
    )
    post(tenant, {"trace_id": trace_hex(1), "name": "helpful", "value": True})
    post(tenant, {"trace_id": trace_hex(2), "name": "relevance", "value": 0.1})
    post(tenant, {"trace_id": trace_hex(2), "name": "tone", "value": "rude"})
    client = tenant.client()

    detail = client.get(f"/api/v1/traces/{trace_hex(1)}").json()
    assert sorted((s["name"], s["span_id"], s["value"]) for s in detail["scores"]) == [
        ("helpful", "", 1.0),
        ("relevance", "", 0.9),
        ("relevance", span_hex(2), 0.5),
    ]

    listed = {t["trace_id"]: t for t in client.get("/api/v1/traces").json()["items"]}
    first = listed[trace_hex(1)]["scores"]
    assert first["relevance"]["count"] == 2
    assert first["relevance"]["mean"] == pytest.approx(0.7)
    assert first["helpful"]["labels"] == {"true": 1}
    assert listed[trace_hex(2)]["scores"]["tone"] == {
        "data_type": "categorical",
        "count": 1,
        "mean": None,
        "labels": {"rude": 1},
    }

    def ids(**query: Any) -> list[str]:
        response = client.get("/api/v1/traces", query)
        assert response.status_code == 200, response.json()
        return sorted(t["trace_id"] for t in response.json()["items"])

    assert ids(score_name="relevance") == [trace_hex(1), trace_hex(2)]
    assert ids(score_name="relevance", score_min=0.6) == [trace_hex(1)]
    assert ids(score_name="relevance", score_max=0.2) == [trace_hex(2)]
    assert ids(score_name="tone", score_label="rude") == [trace_hex(2)]
    assert ids(score_name="helpful", score_label="true") == [trace_hex(1)]
    assert ids(score_name="missing") == []
    needs_name = client.get("/api/v1/traces", {"score_min": 1})
    assert needs_name.status_code == 400
    assert "score_min" in needs_name.json()["fields"]


def test_score_list_filters_pages_and_deletes(tenant: Tenant, other_tenant: Tenant) -> None:
    for n in range(5):
        post(tenant, {"trace_id": trace_hex(1), "name": "quality", "value": n / 10})
    post(tenant, {"trace_id": trace_hex(2), "name": "quality", "value": 1.0})
    post(other_tenant, {"trace_id": trace_hex(1), "name": "quality", "value": 1.0})
    client = tenant.client()
    seen: list[str] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"trace_id": trace_hex(1), "limit": 2}
        if cursor:
            query["cursor"] = cursor
        page = client.get("/api/v1/scores", query).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5
    victim = seen[0]
    assert client.delete(f"/api/v1/scores/{victim}").status_code == 204
    assert client.delete(f"/api/v1/scores/{victim}").status_code == 404
    foreign = Score.objects.get(project=other_tenant.project).id
    assert client.delete(f"/api/v1/scores/{foreign}").status_code == 404
    assert Score.objects.filter(project=other_tenant.project, id=foreign).exists()


def test_score_metrics_per_bucket_and_name(tenant: Tenant) -> None:
    for value in (0.2, 0.4, 0.9):
        post(tenant, {"trace_id": trace_hex(1), "name": "relevance", "value": value})
    for flag in (True, True, False):
        post(tenant, {"trace_id": trace_hex(1), "name": "helpful", "value": flag})
    now = datetime.now(UTC)
    response = tenant.client().get(
        "/api/v1/scores/metrics",
        {
            "from": (now - timedelta(hours=1)).isoformat(),
            "to": (now + timedelta(hours=1)).isoformat(),
            "bucket": "day",
        },
    )
    assert response.status_code == 200, response.json()
    rows = {row["name"]: row for row in response.json()["rows"]}
    assert rows["relevance"]["count"] == 3
    assert rows["relevance"]["mean"] == pytest.approx(0.5)
    assert (rows["relevance"]["min"], rows["relevance"]["max"]) == (0.2, 0.9)
    assert rows["helpful"]["mean"] == pytest.approx(2 / 3)
    assert rows["helpful"]["labels"] == {"true": 2, "false": 1}
    backwards = tenant.client().get(
        "/api/v1/scores/metrics", {"from": now.isoformat(), "to": now.isoformat()}
    )
    assert backwards.status_code == 400
    assert "to" in backwards.json()["fields"]
