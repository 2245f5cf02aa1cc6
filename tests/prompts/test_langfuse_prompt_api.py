"""Langfuse's prompt API (/api/public/v2/prompts…) in process: its shapes, the platform's
versions and labels behind it, protected labels, and every kind of bad input."""

from __future__ import annotations

import base64
import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from llmops.prompts import domain
from llmops.prompts.models import LabelMove, Prompt, PromptLabel, PromptVersion
from llmops.tenancy import domain as tenancy
from llmops.tenancy.models import KeyScope
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

BASE = "/api/public/v2/prompts"
# A new chat prompt (the bad-input cases run beside a text prompt named "greeting").
CHAT = {"name": "chat", "type": "chat"}


def create(client: APIClient, name: str = "greeting", **fields: Any) -> Any:
    payload = {"name": name, "prompt": "Hello {{customer}}, about {{topic}}.", **fields}
    return client.post(BASE, payload, format="json")


def path(name: str) -> str:
    # As the SDKs send it: the whole name quoted, folders' "/" included.
    return f"{BASE}/{quote(name, safe='')}"


def labels(prompt_name: str, project: Any) -> dict[str, int]:
    return dict(
        PromptLabel.objects.filter(prompt__project=project, prompt__name=prompt_name).values_list(
            "name", "version__number"
        )
    )


def test_create_answers_langfuses_prompt_and_saves_a_platform_version(tenant: Tenant) -> None:
    response = create(
        tenant.basic_client(),
        labels=["production", "staging"],
        config={"model": "gpt-4o-mini", "temperature": 0.2},
        tags=["support"],
        commitMessage="first cut",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "greeting"
    assert body["version"] == 1
    assert body["type"] == "text"
    assert body["prompt"] == "Hello {{customer}}, about {{topic}}."
    assert body["config"] == {"model": "gpt-4o-mini", "temperature": 0.2}
    assert body["labels"] == ["latest", "production", "staging"]
    assert body["tags"] == ["support"]
    assert body["commitMessage"] == "first cut"
    version = PromptVersion.objects.get(prompt__project=tenant.project, prompt__name="greeting")
    assert version.number == 1
    assert version.commit_message == "first cut"
    assert version.variables == ["customer", "topic"]
    assert version.author == f"api-key:{tenant.public_key}"
    assert labels("greeting", tenant.project) == {"production": 1, "staging": 1}
    # 'latest' is the newest version, never a stored label.
    assert not PromptLabel.objects.filter(name="latest").exists()


def test_a_second_create_is_the_next_version_and_moves_the_labels_with_history(
    tenant: Tenant,
) -> None:
    client = tenant.basic_client()
    create(client, labels=["production"], tags=["support"])
    response = create(client, prompt="Hi {{customer}}!", labels=["production"])
    assert response.status_code == 201
    assert response.json()["version"] == 2
    assert response.json()["labels"] == ["latest", "production"]
    # Tags not sent: the prompt keeps its own (Langfuse's rule).
    assert response.json()["tags"] == ["support"]
    assert labels("greeting", tenant.project) == {"production": 2}
    moves = LabelMove.objects.filter(label="production").order_by("moved_at", "pk")
    assert [(m.from_version and m.from_version.number, m.to_version.number) for m in moves] == [
        (None, 1),
        (2 - 1, 2),
    ]
    assert create(client, prompt="Hey", tags=["support", "v2"]).json()["tags"] == [
        "support",
        "v2",
    ]
    assert Prompt.objects.get(name="greeting").tags == ["support", "v2"]


def test_content_identical_to_the_newest_saves_nothing_and_still_applies_the_labels(
    tenant: Tenant,
) -> None:
    client = tenant.basic_client()
    create(client, labels=["production"])
    response = create(client, labels=["staging"])
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert response.json()["labels"] == ["latest", "production", "staging"]
    assert PromptVersion.objects.filter(prompt__name="greeting").count() == 1
    assert labels("greeting", tenant.project) == {"production": 1, "staging": 1}


def test_get_by_default_label_version_and_latest(tenant: Tenant) -> None:
    client = tenant.basic_client()
    create(client, labels=["production"])
    create(client, prompt="Second {{customer}}", labels=["staging"])
    default = client.get(path("greeting"))
    assert default.status_code == 200
    assert default.json()["version"] == 1
    assert default.json()["labels"] == ["production"]
    assert default.json()["isActive"] is True
    assert client.get(path("greeting"), {"label": "staging"}).json()["version"] == 2
    assert client.get(path("greeting"), {"label": "latest"}).json()["version"] == 2
    by_number = client.get(path("greeting"), {"version": 1}).json()
    assert by_number["prompt"] == "Hello {{customer}}, about {{topic}}."
    assert by_number["labels"] == ["production"]
    assert client.get(path("greeting"), {"version": 2}).json()["labels"] == ["latest", "staging"]


def test_the_platform_api_shows_the_same_versions_and_labels(tenant: Tenant) -> None:
    client = tenant.basic_client()
    create(client, name="team/support/greeting", labels=["production"])
    create(client, name="team/support/greeting", prompt="v2 {{customer}}", labels=["staging"])
    versions = tenant.client().get("/api/v1/prompts/team/support/greeting/versions").json()
    assert [(v["number"], v["labels"]) for v in versions] == [
        (2, ["latest", "staging"]),
        (1, ["production"]),
    ]
    fetched = tenant.client().get("/api/v1/prompts/team/support/greeting").json()
    assert fetched["version"] == 1
    assert fetched["template"] == "Hello {{customer}}, about {{topic}}."


def test_a_name_with_folders_is_fetched_and_labelled_quoted_as_the_sdks_send_it(
    tenant: Tenant,
) -> None:
    client = tenant.basic_client()
    assert create(client, name="team/support/greeting").status_code == 201
    fetched = client.get(path("team/support/greeting"), {"label": "latest"})
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "team/support/greeting"
    patched = client.patch(
        f"{path('team/support/greeting')}/versions/1", {"newLabels": ["production"]}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["labels"] == ["latest", "production"]
    assert client.get(path("team/support/greeting")).json()["version"] == 1


def test_a_name_with_a_versions_folder_is_still_fetched_by_name(tenant: Tenant) -> None:
    client = tenant.basic_client()
    assert create(client, name="docs/versions/intro", labels=["production"]).status_code == 201
    fetched = client.get(path("docs/versions/intro"))
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "docs/versions/intro"


def test_update_prompt_moves_unprotected_labels_and_keeps_the_others(tenant: Tenant) -> None:
    client = tenant.basic_client()
    create(client, labels=["production", "staging"])
    create(client, prompt="Second {{customer}}")
    response = client.patch(
        f"{path('greeting')}/versions/2", {"newLabels": ["staging", "canary"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response.json()["labels"] == ["canary", "latest", "staging"]
    assert labels("greeting", tenant.project) == {"production": 1, "staging": 2, "canary": 2}


def _protect_production(tenant: Tenant) -> None:
    client = tenant.basic_client()
    create(client, labels=["production"], tags=["support"])
    domain.label_protect(
        prompt=Prompt.objects.get(project=tenant.project, name="greeting"),
        label="production",
        protected=True,
    )


def test_create_onto_a_protected_label_is_refused_whole(tenant: Tenant) -> None:
    _protect_production(tenant)
    moves = LabelMove.objects.count()
    response = create(
        tenant.basic_client(),
        prompt="Sneaky {{customer}}",
        labels=["staging", "production"],
        tags=["changed"],
    )
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "ForbiddenError"
    assert "'production'" in body["message"]
    assert "release gate" in body["message"]
    # Nothing of the request is kept: no version, no label, no tag change.
    assert list(PromptVersion.objects.values_list("number", flat=True)) == [1]
    assert labels("greeting", tenant.project) == {"production": 1}
    assert LabelMove.objects.count() == moves
    assert Prompt.objects.get(name="greeting").tags == ["support"]


def test_update_prompt_onto_a_protected_label_is_refused_whole(tenant: Tenant) -> None:
    _protect_production(tenant)
    client = tenant.basic_client()
    create(client, prompt="Second {{customer}}")
    response = client.patch(
        f"{path('greeting')}/versions/2", {"newLabels": ["staging", "production"]}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"] == "ForbiddenError"
    assert "'production'" in response.json()["message"]
    assert labels("greeting", tenant.project) == {"production": 1}
    # Not even onto the version it already points at.
    again = client.patch(
        f"{path('greeting')}/versions/1", {"newLabels": ["production"]}, format="json"
    )
    assert again.status_code == 403


def test_chat_prompts_keep_messages_and_placeholders(tenant: Tenant) -> None:
    messages = [
        {"role": "system", "content": "You help {{customer}}.", "type": "chatmessage"},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "{{question}}"},
    ]
    response = create(
        tenant.basic_client(), name="chat", type="chat", prompt=messages, labels=["production"]
    )
    assert response.status_code == 201
    stored = [
        {"role": "system", "content": "You help {{customer}}."},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "{{question}}"},
    ]
    assert response.json()["prompt"] == stored
    assert response.json()["type"] == "chat"
    fetched = tenant.basic_client().get(path("chat")).json()
    assert fetched["prompt"] == stored
    assert PromptVersion.objects.get(prompt__name="chat").template == stored


def test_includes_are_resolved_unless_resolve_is_false(tenant: Tenant) -> None:
    client = tenant.basic_client()
    create(client, name="signature", prompt="Regards, {{agent}}", labels=["production"])
    create(
        client, name="letter", prompt="Dear {{customer}}. {{> signature}}", labels=["production"]
    )
    assert client.get(path("letter")).json()["prompt"] == "Dear {{customer}}. Regards, {{agent}}"
    raw = client.get(path("letter"), {"resolve": "false"}).json()["prompt"]
    assert raw == "Dear {{customer}}. {{> signature}}"


def test_a_prompt_of_another_type_is_refused_naming_type(tenant: Tenant) -> None:
    client = tenant.basic_client()
    create(client)
    response = create(client, type="chat", prompt=[{"role": "user", "content": "hi"}])
    assert response.status_code == 400
    assert response.json()["message"].startswith("type: ")
    assert PromptVersion.objects.count() == 1


def test_list_answers_prompt_metadata_with_filters_and_pages(tenant: Tenant) -> None:
    client = tenant.basic_client()
    create(client, name="a/one", labels=["production"], tags=["x"], config={"n": 1})
    create(client, name="a/one", prompt="two", config={"n": 2})
    create(client, name="b/two", tags=["y"])
    listed = client.get(BASE).json()
    assert [p["name"] for p in listed["data"]] == ["a/one", "b/two"]
    first = listed["data"][0]
    assert first["versions"] == [1, 2]
    assert first["labels"] == ["latest", "production"]
    assert first["lastConfig"] == {"n": 2}
    assert first["tags"] == ["x"]
    assert listed["meta"] == {"page": 1, "limit": 50, "totalItems": 2, "totalPages": 1}
    assert [p["name"] for p in client.get(BASE, {"tag": "y"}).json()["data"]] == ["b/two"]
    by_label = client.get(BASE, {"label": "production"}).json()["data"]
    assert [(p["name"], p["versions"]) for p in by_label] == [("a/one", [1])]
    assert [p["name"] for p in client.get(BASE, {"name": "b/two"}).json()["data"]] == ["b/two"]
    second = client.get(BASE, {"limit": 1, "page": 2}).json()
    assert [p["name"] for p in second["data"]] == ["b/two"]
    assert second["meta"]["totalPages"] == 2


def test_an_unknown_prompt_answers_langfuses_404(tenant: Tenant) -> None:
    client = tenant.basic_client()
    missing = client.get(path("nope"))
    assert missing.status_code == 404
    assert missing.json() == {
        "message": "Prompt not found: 'nope' with label 'production'",
        "error": "LangfuseNotFoundError",
    }
    create(client)
    assert client.get(path("greeting"), {"version": 9}).json()["message"] == (
        "Prompt not found: 'greeting' with version 9"
    )
    assert client.get(path("greeting"), {"label": "gone"}).status_code == 404
    patched = client.patch(f"{path('greeting')}/versions/9", {"newLabels": []}, format="json")
    assert patched.status_code == 404
    assert patched.json()["error"] == "LangfuseNotFoundError"


def test_another_projects_prompt_does_not_exist_here(tenant: Tenant, other_tenant: Tenant) -> None:
    create(other_tenant.basic_client(), labels=["production"])
    client = tenant.basic_client()
    assert client.get(path("greeting")).status_code == 404
    patched = client.patch(
        f"{path('greeting')}/versions/1", {"newLabels": ["staging"]}, format="json"
    )
    assert patched.status_code == 404
    assert client.get(BASE).json()["data"] == []
    assert labels("greeting", other_tenant.project) == {"production": 1}


def test_an_ingest_key_reads_and_writes_no_prompts(tenant: Tenant) -> None:
    create(tenant.basic_client(), labels=["production"])
    issued = tenancy.api_key_create(project=tenant.project, note="ingest", scope=KeyScope.INGEST)
    token = base64.b64encode(f"{issued.api_key.public_key}:{issued.secret_key}".encode()).decode()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    for response in (
        client.get(path("greeting")),
        client.get(BASE),
        create(client, prompt="changed"),
        client.patch(f"{path('greeting')}/versions/1", {"newLabels": ["x"]}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["error"] == "AccessDeniedError"
    assert PromptVersion.objects.count() == 1
    assert labels("greeting", tenant.project) == {"production": 1}


def test_no_credentials_answer_401(tenant: Tenant) -> None:
    response = APIClient().get(path("greeting"))
    assert response.status_code == 401
    assert response.json()["error"] == "UnauthorizedError"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "bad\x00name"}, "name"),
        ({"prompt": "Hello\x00"}, "prompt"),
        ({"config": {"model": "a\x00b"}}, "config.model"),
        ({"labels": ["prod\x00"]}, "labels[0]"),
        ({"commitMessage": "why\x00"}, "commitMessage"),
        ({"name": 7}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "has space"}, "name"),
        ({"prompt": 12}, "prompt"),
        ({"prompt": None}, "prompt"),
        ({"prompt": "{{ not a variable }}"}, "prompt"),
        ({"type": "image"}, "type"),
        ({"type": "chat", "prompt": "not a list"}, "prompt"),
        ({"type": "chat", "prompt": []}, "prompt"),
        ({"type": "chat", "prompt": ["text"]}, "prompt[0]"),
        ({**CHAT, "prompt": [{"role": "wizard", "content": "x"}]}, "prompt[0].role"),
        ({**CHAT, "prompt": [{"role": "user", "content": 5}]}, "prompt[0].content"),
        ({**CHAT, "prompt": [{"role": "user", "content": "x", "type": "x"}]}, "prompt[0].type"),
        ({**CHAT, "prompt": [{"type": "placeholder", "name": "a b"}]}, "prompt[0]"),
        ({**CHAT, "prompt": [{"role": "user", "content": "{{a"}]}, "prompt[0].content"),
        ({"config": ["a"]}, "config"),
        ({"config": "a"}, "config"),
        ({"labels": "production"}, "labels"),
        ({"labels": [1]}, "labels"),
        ({"labels": ["Not A Label"]}, "labels[0]"),
        ({"tags": [3]}, "tags"),
        ({"tags": ["x" * 101]}, "tags[0]"),
        ({"commitMessage": 5}, "commitMessage"),
        ({"commitMessage": "x" * 501}, "commitMessage"),
    ],
)
def test_bad_create_input_answers_400_naming_the_field_and_keeps_what_is_stored(
    tenant: Tenant, fields: dict[str, Any], field: str
) -> None:
    client = tenant.basic_client()
    create(client, labels=["production"])
    response = create(client, **fields)
    assert response.status_code == 400, response.json()
    assert response.json()["error"] == "InvalidRequestError"
    assert response.json()["message"].startswith(f"{field}: "), response.json()
    assert PromptVersion.objects.count() == 1
    assert labels("greeting", tenant.project) == {"production": 1}


def test_a_body_that_is_not_an_object_answers_400(tenant: Tenant) -> None:
    response = tenant.basic_client().post(BASE, ["a"], format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("body: ")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"version": "abc"}, "version"),
        ({"version": "0"}, "version"),
        ({"version": "-3"}, "version"),
        ({"version": str(2**63)}, "version"),
        ({"version": "1.5"}, "version"),
        ({"version": "1", "label": "production"}, "version"),
        ({"label": "prod\x00"}, "label"),
    ],
)
def test_bad_get_queries_answer_400_naming_the_field(
    tenant: Tenant, query: dict[str, str], field: str
) -> None:
    client = tenant.basic_client()
    create(client, labels=["production"])
    response = client.get(path("greeting"), query)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{field}: ")


def test_a_nul_in_the_name_of_a_get_answers_400(tenant: Tenant) -> None:
    response = tenant.basic_client().get(f"{BASE}/bad%00name")
    assert response.status_code == 400
    assert response.json()["message"].startswith("name: ")


@pytest.mark.parametrize(
    ("version", "payload", "field"),
    [
        ("abc", {"newLabels": ["staging"]}, "version"),
        ("0", {"newLabels": ["staging"]}, "version"),
        (str(2**63), {"newLabels": ["staging"]}, "version"),
        ("1", {}, "newLabels"),
        ("1", {"newLabels": "staging"}, "newLabels"),
        ("1", {"newLabels": [7]}, "newLabels"),
        ("1", {"newLabels": ["latest"]}, "newLabels"),
        ("1", {"newLabels": ["ok", "Bad Label"]}, "newLabels[1]"),
        ("1", {"newLabels": ["st\x00"]}, "newLabels[0]"),
    ],
)
def test_bad_update_input_answers_400_and_moves_nothing(
    tenant: Tenant, version: str, payload: dict[str, Any], field: str
) -> None:
    client = tenant.basic_client()
    create(client, labels=["production"])
    response = client.patch(f"{path('greeting')}/versions/{version}", payload, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{field}: ")
    assert labels("greeting", tenant.project) == {"production": 1}


@pytest.mark.django_db(transaction=True)
def test_parallel_first_creates_make_one_prompt_with_distinct_versions(
    live_server: Any, tenant: Tenant
) -> None:
    token = base64.b64encode(f"{tenant.public_key}:{tenant.secret_key}".encode()).decode()

    def create_over_http(index: int) -> int:
        request = urllib.request.Request(  # noqa: S310 — the test's own live server
            f"{live_server.url}{BASE}",
            data=json.dumps({"name": "racy", "prompt": f"from writer {index}"}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            assert response.status == 201
            return int(json.loads(response.read())["version"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(create_over_http, range(6)))
    assert sorted(numbers) == list(range(1, 7))
    assert Prompt.objects.filter(project=tenant.project, name="racy").count() == 1


def test_delete_is_not_served_and_keeps_every_version(tenant: Tenant) -> None:
    client = tenant.basic_client()
    create(client, labels=["production"])
    response = client.delete(path("greeting"))
    assert response.status_code == 405
    assert response.json()["error"] == "MethodNotAllowedError"
    assert client.put(f"{path('greeting')}/versions/1", {}, format="json").status_code == 405
    assert APIClient().delete(BASE).status_code == 405
    assert PromptVersion.objects.count() == 1
