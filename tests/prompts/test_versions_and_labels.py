"""Prompts: immutable versions, labels with history, fetch by label with ETag, lineage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from llmops.lineage.models import LineageEdge, LineageNode
from llmops.prompts.models import LabelMove, PromptVersion
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

BASE = "/api/v1/prompts"


def create(client: Any, name: str = "support/answer", **extra: Any) -> Any:
    body = {
        "name": name,
        "type": "text",
        "template": "Answer {{question}} politely, {{customer}}.",
        "config": {"model": "gpt-4o-mini", "parameters": {"temperature": 0.2}},
        "tags": ["support"],
        "commit_message": "first",
        **extra,
    }
    return client.post(BASE, body, format="json")


def save(client: Any, name: str, template: Any, **extra: Any) -> Any:
    return client.post(f"{BASE}/{name}/versions", {"template": template, **extra}, format="json")


def test_create_extracts_variables_and_starts_at_version_one(tenant: Tenant) -> None:
    response = create(tenant.client(), labels=["production"])
    assert response.status_code == 201
    version = response.json()["version"]
    assert version["number"] == 1
    assert version["variables"] == ["question", "customer"]
    assert version["labels"] == ["latest", "production"]
    assert version["author"] == f"api-key:{tenant.public_key}"
    assert len(version["content_hash"]) == 64


def test_saving_identical_content_creates_no_version(tenant: Tenant) -> None:
    client = tenant.client()
    create(client)
    same = save(
        client,
        "support/answer",
        "Answer {{question}} politely, {{customer}}.",
        config={"model": "gpt-4o-mini", "parameters": {"temperature": 0.2}},
    )
    assert same.status_code == 200
    assert same.json()["created"] is False
    assert same.json()["version"]["number"] == 1
    changed = save(client, "support/answer", "Answer {{question}}.", commit_message="shorter")
    assert changed.status_code == 201
    assert changed.json()["version"]["number"] == 2
    assert changed.json()["version"]["derived_from"] == 1
    assert PromptVersion.objects.count() == 2


def test_versions_are_immutable_records(tenant: Tenant) -> None:
    client = tenant.client()
    create(client)
    save(client, "support/answer", "v2 {{question}}")
    listed = client.get(f"{BASE}/support/answer/versions").json()
    assert [(v["number"], v["labels"]) for v in listed] == [(2, ["latest"]), (1, [])]
    first = client.get(f"{BASE}/support/answer/versions/1").json()
    assert first["template"] == "Answer {{question}} politely, {{customer}}."
    # The version's node in the lineage graph, for the web UI's lineage links.
    stored = PromptVersion.objects.get(prompt__name="support/answer", number=1)
    assert first["lineage_ref"] == str(stored.pk)
    assert LineageNode.objects.filter(kind="prompt_version", ref=first["lineage_ref"]).exists()
    missing = client.get(f"{BASE}/support/answer/versions/9")
    assert missing.status_code == 404
    assert missing.json()["message"] == "prompt 'support/answer' has no version 9"


def test_fetch_by_label_default_production_latest_and_number(tenant: Tenant) -> None:
    client = tenant.client()
    create(client, labels=["production"])
    save(client, "support/answer", "v2 {{question}}")
    production = client.get(f"{BASE}/support/answer").json()
    assert (production["version"], production["label"]) == (1, "production")
    latest = client.get(f"{BASE}/support/answer", {"label": "latest"}).json()
    assert latest["version"] == 2
    by_number = client.get(f"{BASE}/support/answer", {"version": 2}).json()
    assert by_number["template"] == "v2 {{question}}"
    absent = client.get(f"{BASE}/support/answer", {"label": "staging"})
    assert absent.status_code == 404
    assert absent.json()["message"] == "No prompt 'support/answer' with label 'staging'."
    unknown = client.get(f"{BASE}/nope")
    assert unknown.status_code == 404


def test_etag_revalidation_answers_304_until_the_label_moves(tenant: Tenant) -> None:
    client = tenant.client()
    create(client, labels=["production"])
    first = client.get(f"{BASE}/support/answer")
    etag = first["ETag"]
    again = client.get(f"{BASE}/support/answer", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    save(client, "support/answer", "v2 {{question}}")
    client.put(f"{BASE}/support/answer/labels/production", {"version": 2}, format="json")
    moved = client.get(f"{BASE}/support/answer", HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200
    assert moved.json()["version"] == 2
    assert moved["ETag"] != etag


def test_label_moves_are_recorded_and_answer_what_was_there_at_a_time(tenant: Tenant) -> None:
    client = tenant.client()
    create(client, labels=["production"])
    save(client, "support/answer", "v2 {{question}}")
    save(client, "support/answer", "v3 {{question}}")
    moved = client.put(
        f"{BASE}/support/answer/labels/production",
        {"version": 3, "reason": "better"},
        format="json",
    )
    assert moved.json()["moved"] is True
    assert (moved.json()["move"]["from_version"], moved.json()["move"]["to_version"]) == (1, 3)
    # Backdate the first two moves to ask about the past.
    first, second = LabelMove.objects.order_by("id")
    LabelMove.objects.filter(pk=first.pk).update(moved_at=timezone.now() - timedelta(days=7))
    LabelMove.objects.filter(pk=second.pk).update(moved_at=timezone.now() - timedelta(days=1))
    rollback = client.put(
        f"{BASE}/support/answer/labels/production",
        {"version": 1, "reason": "rollback"},
        format="json",
    )
    assert rollback.json()["move"]["from_version"] == 3
    history = client.get(f"{BASE}/support/answer/labels/production/history").json()
    assert [(m["from_version"], m["to_version"]) for m in history["moves"]] == [
        (3, 1),
        (1, 3),
        (None, 1),
    ]
    three_days_ago = (timezone.now() - timedelta(days=3)).isoformat()
    past = client.get(
        f"{BASE}/support/answer/labels/production/history", {"at": three_days_ago}
    ).json()
    assert past["version_at"] == 1
    noop = client.put(f"{BASE}/support/answer/labels/production", {"version": 1}, format="json")
    assert noop.json() == {"moved": False, "move": None}


def test_protected_labels_refuse_direct_moves(tenant: Tenant) -> None:
    client = tenant.client()
    create(client, labels=["production"])
    save(client, "support/answer", "v2 {{question}}")
    protect = tenant.client("admin").put(
        f"{BASE}/support/answer/labels/production/protection", {"protected": True}, format="json"
    )
    assert protect.json()["protected"] is True
    refused = client.put(f"{BASE}/support/answer/labels/production", {"version": 2}, format="json")
    assert refused.status_code == 409
    assert "protected" in refused.json()["message"]
    assert client.get(f"{BASE}/support/answer").json()["version"] == 1
    assert LabelMove.objects.count() == 1


@pytest.mark.parametrize(
    ("label", "status"),
    [("Prod", 400), ("latest", 400), ("-x", 400), ("a" * 64, 400), ("canary-2", 200)],
)
def test_label_names_follow_the_pattern(tenant: Tenant, label: str, status: int) -> None:
    client = tenant.client()
    create(client)
    response = client.put(f"{BASE}/support/answer/labels/{label}", {"version": 1}, format="json")
    assert response.status_code == status
    if status == 400:
        assert response.json()["message"].startswith("label: ")


def test_versions_and_moves_are_in_the_lineage_graph(tenant: Tenant) -> None:
    client = tenant.client()
    create(client, labels=["production"])
    v2 = save(client, "support/answer", "v2 {{question}}").json()["version"]
    assert v2["number"] == 2
    versions = {v.number: v.pk for v in PromptVersion.objects.all()}
    derived = LineageEdge.objects.get(kind="derived_from")
    assert (derived.source.ref, derived.target.ref) == (str(versions[1]), str(versions[2]))
    labelled = LineageEdge.objects.get(kind="labelled")
    assert labelled.source.ref == str(versions[1])
    assert labelled.target.kind == "label_move"
    graph = client.get(
        "/api/v1/lineage/graph",
        {"kind": "prompt_version", "ref": str(versions[2]), "direction": "upstream"},
    ).json()
    assert [n["label"] for n in graph["nodes"]] == ["support/answer v2", "support/answer v1"]
    assert LineageNode.objects.filter(kind="prompt_version").count() == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "bad name!"}, "name: use letters"),
        ({"name": "a/versions"}, "name: the last part of a name cannot be"),
        ({"template": "Hi {{name"}, "template: '{{' at character 3 is never closed"),
        ({"template": "Hi {{#if x}}"}, "template: '{{#if x}}' at character 3 is neither"),
        ({"template": "Hi }} there"}, "template: '}}' at character 3 closes no '{{'"),
        ({"template": ["not", "text"]}, "template: a text prompt's template is a string"),
        ({"type": "chat", "template": [{"role": "wizard", "content": "x"}]}, "template[0].role:"),
        ({"template": "{{> nowhere}}"}, "template: unknown include: no prompt named 'nowhere'"),
        ({"labels": ["Production"]}, "label: a label is"),
    ],
)
def test_bad_prompts_are_400_naming_the_problem(
    tenant: Tenant, body: dict[str, Any], message: str
) -> None:
    response = create(tenant.client(), **body)
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith(message)
    assert PromptVersion.objects.count() == 0


def test_duplicate_name_is_409(tenant: Tenant) -> None:
    client = tenant.client()
    assert create(client).status_code == 201
    duplicate = create(client)
    assert duplicate.status_code == 409
    assert duplicate.json()["message"] == "a prompt named 'support/answer' already exists"


def test_list_with_search_tag_and_folder(tenant: Tenant) -> None:
    client = tenant.client()
    create(client, "support/answer")
    create(client, "support/triage", tags=["routing"])
    create(client, "sales/pitch", tags=["sales"])

    def names(query: dict[str, str]) -> list[str]:
        return [p["name"] for p in client.get(BASE, query).json()]

    assert names({}) == ["sales/pitch", "support/answer", "support/triage"]
    assert names({"folder": "support"}) == ["support/answer", "support/triage"]
    assert names({"tag": "routing"}) == ["support/triage"]
    assert names({"search": "pitch"}) == ["sales/pitch"]
    assert client.get(BASE).json()[0]["latest_version"] == 1


def test_versions_page_newest_first_with_limit_and_before(tenant: Tenant) -> None:
    client = tenant.client()
    assert create(client, "paged", template="v1").status_code == 201
    for number in range(2, 6):
        assert save(client, "paged", f"v{number}").status_code == 201
    url = f"{BASE}/paged/versions"
    first = client.get(url, {"limit": 2}).json()
    assert [v["number"] for v in first] == [5, 4]
    assert first[0]["labels"] == ["latest"]
    older = client.get(url, {"limit": 2, "before": 4}).json()
    assert [v["number"] for v in older] == [3, 2]
    assert [v["number"] for v in client.get(url, {"before": 2}).json()] == [1]
    assert len(client.get(url).json()) == 5
    refused = client.get(url, {"limit": 0})
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["limit"]
