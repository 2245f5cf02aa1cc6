"""Datasets, connections, suites, gates and runs through the API: what is stored, and bad input
refused with the field named and nothing stored lost."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from llmops_evals.cases import Case
from rest_framework.test import APIClient

from llmops.evaluation import secrets
from llmops.evaluation.domain.suites import (
    build_components,
    check_evaluators,
    resolve_evaluators,
)
from llmops.evaluation.errors import SuiteError
from llmops.evaluation.models import Dataset, DatasetVersion, ProviderConnection, Run, Suite
from llmops.local_llm.server import LocalLLM
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans
from tests.conftest import Tenant
from tests.evaluation.conftest import ok
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(tenant: Tenant) -> APIClient:
    # These tests configure connections and gates too, an admin's work.
    return tenant.client("admin")


def _fields(response: Any, status: int = 400) -> list[str]:
    assert response.status_code == status, response.content
    return list(response.json()["fields"])


def _items(client: APIClient, version: int | None = None) -> dict[str, Any]:
    query = {"version": version} if version else {}
    page = ok(client.get("/api/v1/datasets/faq/items", query), 200)
    return {item["key"]: item for item in page["items"]}


def test_dataset_versions_keep_every_state_readable(client: APIClient) -> None:
    ok(client.post("/api/v1/datasets", {"name": "faq", "description": "support"}, format="json"))
    assert _fields(client.post("/api/v1/datasets", {"name": "faq"}, format="json")) == ["name"]
    assert _fields(client.post("/api/v1/datasets", {"name": "no spaces"}, format="json")) == [
        "name"
    ]
    first = ok(
        client.post(
            "/api/v1/datasets/faq/items",
            {
                "items": [
                    {"key": "a", "input": {"q": "one"}, "expected": "1"},
                    {
                        "key": "b",
                        "input": {"q": "two"},
                        "expected": "2",
                        "metadata": {"topic": "x"},
                    },
                ]
            },
            format="json",
        )
    )
    assert first == {**first, "number": 1, "item_count": 2}
    second = ok(
        client.post(
            "/api/v1/datasets/faq/items",
            {
                "items": [
                    {"key": "a", "input": {"q": "one"}, "expected": "uno"},
                    {"input": {"q": "three"}},
                ],
                "remove": ["b"],
                "note": "fix a, drop b",
            },
            format="json",
        )
    )
    assert second["number"] == 2
    assert second["item_count"] == 2
    v1, v2 = _items(client, 1), _items(client)
    assert set(v1) == {"a", "b"}
    assert v1["a"]["expected"] == "1"
    assert v1["b"]["metadata"] == {"topic": "x"}
    assert "b" not in v2
    assert v2["a"]["expected"] == "uno"
    assert len(v2) == 2

    versions = ok(client.get("/api/v1/datasets/faq"), 200)
    assert [(v["number"], v["note"]) for v in versions] == [(2, "fix a, drop b"), (1, "")]
    # Removing a key that is not there changes nothing.
    unknown = client.post("/api/v1/datasets/faq/items", {"remove": ["zzz"]}, format="json")
    assert _fields(unknown) == ["remove"]
    assert Dataset.objects.get(name="faq").latest_version == 2
    missing = client.get("/api/v1/datasets/faq/items", {"version": 9})
    assert missing.status_code == 404


def test_import_and_export_jsonl_and_csv(client: APIClient) -> None:
    ok(client.post("/api/v1/datasets", {"name": "faq"}, format="json"))
    lines = [
        {"key": "k1", "input": {"q": "hello"}, "expected": "hi"},
        {"key": "k2", "input": "plain text", "expected_output": {"a": 1}, "metadata": {"m": 1}},
    ]
    body = "\n".join(json.dumps(line) for line in lines) + "\n"
    imported = ok(
        client.post(
            "/api/v1/datasets/faq/import?file_type=jsonl", body, content_type="application/x-ndjson"
        )
    )
    assert imported["item_count"] == 2
    exported = client.get("/api/v1/datasets/faq/export")
    assert exported.status_code == 200
    assert isinstance(exported, StreamingHttpResponse)
    body = b"".join(chunk for chunk in exported.streaming_content if isinstance(chunk, bytes))
    rows = [json.loads(line) for line in body.splitlines()]
    assert rows == [
        {"key": "k1", "input": {"q": "hello"}, "expected": "hi", "metadata": {}},
        {"key": "k2", "input": "plain text", "expected": {"a": 1}, "metadata": {"m": 1}},
    ]
    broken = client.post(
        "/api/v1/datasets/faq/import?file_type=jsonl",
        '{"input": 1}\n{oops',
        content_type="application/x-ndjson",
    )
    assert _fields(broken) == ["file"]
    assert "line 2" in broken.json()["fields"]["file"][0]
    assert DatasetVersion.objects.count() == 1  # the bad file made no version

    csv_body = 'key,input,expected\nc1,"{""q"": ""x""}",why\nc2,plain,because\n'
    from_csv = ok(client.post("/api/v1/datasets/faq/import", csv_body, content_type="text/csv"))
    assert from_csv["item_count"] == 4
    items = _items(client)
    assert items["c1"]["input"] == {"q": "x"}
    assert items["c2"]["input"] == "plain"
    assert items["c2"]["expected"] == "because"


def test_items_from_stored_traces(client: APIClient, tenant: Tenant) -> None:
    trace_id = "ab" * 16
    raw, _ = iter_spans(
        p.request(
            [
                p.span(
                    trace_id=trace_id,
                    span_id="cd" * 8,
                    name="chat",
                    attributes={"input.value": "where is my parcel", "output.value": "on its way"},
                )
            ]
        )
    )
    spans_ingest(project=tenant.project, raw_spans=raw)
    ok(client.post("/api/v1/datasets", {"name": "faq"}, format="json"))
    made = ok(
        client.post("/api/v1/datasets/faq/from-traces", {"trace_ids": [trace_id]}, format="json")
    )
    assert made["item_count"] == 1
    [item] = _items(client).values()
    assert item["input"] == "where is my parcel"
    assert item["expected"] == "on its way"
    assert item["source_trace_id"] == trace_id
    unknown = client.post(
        "/api/v1/datasets/faq/from-traces", {"trace_ids": ["0" * 32]}, format="json"
    )
    assert _fields(unknown) == ["trace_ids"]


def test_provider_keys_are_encrypted_and_never_returned(client: APIClient) -> None:
    body = {
        "name": "openai",
        "base_url": "http://127.0.0.1:9/v1",
        "model_names": ["m1"],
        "api_key": "sk-very-secret",
        "concurrency": 4,
    }
    created = client.post("/api/v1/connections", body, format="json")
    assert created.status_code == 201
    assert "sk-very-secret" not in created.content.decode()
    assert created.json()["has_api_key"] is True
    stored = ProviderConnection.objects.get(name="openai")
    assert "sk-very-secret" not in stored.api_key_encrypted
    assert secrets.decrypt(stored.api_key_encrypted) == "sk-very-secret"
    # Updating without a key keeps the stored one.
    ok(
        client.post(
            "/api/v1/connections", {**body, "api_key": None, "concurrency": 8}, format="json"
        )
    )
    stored.refresh_from_db()
    assert stored.concurrency == 8
    assert secrets.decrypt(stored.api_key_encrypted) == "sk-very-secret"
    listed = client.get("/api/v1/connections")
    assert "sk-very-secret" not in listed.content.decode()
    assert _fields(
        client.post("/api/v1/connections", {**body, "base_url": "not a url"}, format="json")
    ) == ["base_url"]
    ok(client.delete("/api/v1/connections/openai"), 204)
    assert client.delete("/api/v1/connections/openai").status_code == 404


@pytest.fixture
def ready(client: APIClient) -> APIClient:
    ok(client.post("/api/v1/datasets", {"name": "faq"}, format="json"))
    ok(
        client.post(
            "/api/v1/connections",
            {"name": "local", "base_url": "http://127.0.0.1:9/v1", "model_names": ["m"]},
            format="json",
        )
    )
    ok(
        client.post(
            "/api/v1/prompts",
            {"name": "answer", "type": "text", "template": "{{q}}", "labels": ["production"]},
            format="json",
        )
    )
    return client


SUITE: dict[str, Any] = {
    "name": "s",
    "dataset": "faq",
    "target": {"type": "prompt", "prompt": "answer", "connection": "local", "model": "m"},
    "evaluators": [{"type": "contains", "value": "x"}],
    "thresholds": [{"evaluator": "contains", "min_mean": 0.5}],
}


def test_a_run_on_label_latest_runs_the_newest_version(ready: APIClient) -> None:
    ok(ready.post("/api/v1/suites", SUITE, format="json"))
    ok(ready.post("/api/v1/datasets/faq/items", {"items": [{"input": {"q": "1"}}]}, format="json"))
    ok(ready.post("/api/v1/prompts/answer/versions", {"template": "{{q}}!"}, format="json"))

    def started(body: dict[str, Any]) -> Any:
        return ok(ready.post("/api/v1/runs", {"suite": "s", **body}, format="json"), 202)

    assert started({"label": "latest"})["prompt_version"] == {"prompt": "answer", "version": 2}
    assert started({})["prompt_version"] == {"prompt": "answer", "version": 2}
    assert started({"label": "production"})["prompt_version"] == {"prompt": "answer", "version": 1}
    assert started({"version": 1})["prompt_version"] == {"prompt": "answer", "version": 1}
    missing = ready.post("/api/v1/runs", {"suite": "s", "label": "canary"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["fields"] == {"label": ["No version is behind this label."]}
    unknown_model = ready.post(
        "/api/v1/runs",
        {"suite": "s", "model_version": {"name": "m", "version": 1}},
        format="json",
    )
    assert unknown_model.status_code == 400
    assert unknown_model.json()["fields"] == {"model_version": ["No such model version."]}
    assert Run.objects.count() == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dataset": "nope"}, "dataset"),
        ({"target": {"type": "agent"}}, "target.type"),
        ({"target": {**SUITE["target"], "connection": "nope"}}, "target.connection"),
        ({"target": {**SUITE["target"], "prompt": "nope"}}, "target.prompt"),
        ({"target": {**SUITE["target"], "colour": 1}}, "target.colour"),
        ({"evaluators": []}, "evaluators"),
        ({"evaluators": [{"type": "telepathy"}]}, "evaluators[0].type"),
        ({"evaluators": [{"type": "regex"}]}, "evaluators[0].pattern"),
        (
            {
                "evaluators": [
                    {"type": "contains", "value": "x"},
                    {"type": "contains", "value": "y"},
                ]
            },
            "evaluators[1].name",
        ),
        (
            {
                "evaluators": [
                    {
                        "type": "judge",
                        "prompt": "answer",
                        "connection": "local",
                        "model": "m",
                        "scale": [5, 1],
                    }
                ]
            },
            "evaluators[0].scale",
        ),
        (
            {
                "evaluators": [
                    {
                        "type": "judge",
                        "prompt": "nope",
                        "connection": "local",
                        "model": "m",
                        "scale": [1, 5],
                    }
                ]
            },
            "evaluators[0].prompt",
        ),
        ({"thresholds": [{"evaluator": "nope", "min_mean": 1}]}, "thresholds[0].evaluator"),
        ({"thresholds": [{"evaluator": "contains", "min_mean": -1}]}, "thresholds[0].min_mean"),
        ({"thresholds": [{"evaluator": "contains"}]}, "thresholds[0]"),
    ],
)
def test_bad_suites_are_refused_naming_the_field(
    ready: APIClient, change: dict[str, Any], field: str
) -> None:
    ok(ready.post("/api/v1/suites", SUITE, format="json"))
    assert _fields(ready.post("/api/v1/suites", {**SUITE, **change}, format="json")) == [field]
    # The suite saved before is untouched.
    assert Suite.objects.get(name="s").evaluators == SUITE["evaluators"]


def test_runs_and_gates_refuse_what_cannot_work(ready: APIClient) -> None:
    ok(ready.post("/api/v1/suites", SUITE, format="json"))
    empty = ready.post("/api/v1/runs", {"suite": "s"}, format="json")
    assert _fields(empty) == ["suite"]
    assert "no items" in empty.json()["fields"]["suite"][0]
    ok(ready.post("/api/v1/datasets/faq/items", {"items": [{"input": {"q": "1"}}]}, format="json"))
    outputs = ready.post("/api/v1/runs", {"suite": "s", "outputs": [{"key": "x"}]}, format="json")
    assert _fields(outputs) == ["outputs"]
    assert _fields(ready.post("/api/v1/runs", {"suite": "s", "version": 7}, format="json")) == [
        "version"
    ]
    assert _fields(ready.post("/api/v1/runs", {"suite": "zzz"}, format="json")) == ["suite"]
    assert Run.objects.count() == 0

    # A gate needs an existing label; promoting needs a gate.
    gate = ready.put(
        "/api/v1/gates", {"prompt": "answer", "label": "prod", "suites": ["s"]}, format="json"
    )
    assert gate.status_code == 404
    nogate = ready.post(
        "/api/v1/promotions",
        {"prompt": "answer", "label": "production", "version": 1},
        format="json",
    )
    assert nogate.status_code == 409
    assert "no gate suites" in nogate.json()["message"]
    wrong = ready.put(
        "/api/v1/gates",
        {"prompt": "answer", "label": "production", "suites": ["zzz"]},
        format="json",
    )
    assert _fields(wrong) == ["suites[0]"]
    bad_rate = ready.post(
        "/api/v1/online-rules",
        {"name": "r", "sampling_rate": 2, "evaluators": [{"type": "contains", "value": "x"}]},
        format="json",
    )
    assert _fields(bad_rate) == ["sampling_rate"]


def test_embedding_similarity_calls_the_connections_embeddings(
    client: APIClient, tenant: Tenant
) -> None:
    with LocalLLM() as server:
        ok(
            client.post(
                "/api/v1/connections",
                {"name": "local", "base_url": server.base_url, "model_names": ["e"]},
                format="json",
            )
        )
        spec = {
            "type": "embedding_similarity",
            "name": "similar",
            "connection": "local",
            "model": "local-embedding",
            "threshold": 0.99,
        }
        bad = {**spec, "threshold": 3}
        with pytest.raises(SuiteError) as refused:
            check_evaluators(tenant.project, [bad])
        assert refused.value.field == "evaluators[0].threshold"
        config = {
            "target": {"type": "outputs"},
            "evaluators": resolve_evaluators(tenant.project, [spec]),
        }
        _, [evaluator], _ = build_components(tenant.project, config, lanes=1, tracer=None)
        same = evaluator.evaluate(
            Case(input=None, output="refund policy", expected="refund policy")
        )
        other = evaluator.evaluate(
            Case(input=None, output="opening hours", expected="refund policy")
        )
    assert same.score == pytest.approx(1.0)
    assert same.passed is True
    assert other.score is not None
    assert other.score < 0.99
    assert other.passed is False
