"""API keys act within their scope: the holes an attacker found with a member key stay shut.

Each test reproduces one finding: a member key (the README's default key, "member rights in
its project") used to reach what only admins may do.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from llmops.prompts.models import LabelMove, PromptLabel
from llmops.tenancy.models import ApiKey, Role
from llmops.tracing.models import RetentionPolicy, Span
from llmops.webhooks.models import WebhookSubscription
from tests.conftest import MakeUser, Tenant, session_client
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.django_db

BASE = "/api/v1/prompts"


def _prompt_with_protected_production(tenant: Tenant) -> None:
    admin = tenant.client("admin")
    created = admin.post(
        BASE,
        {"name": "answer", "type": "text", "template": "v1", "labels": ["production"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert (
        admin.post(f"{BASE}/answer/versions", {"template": "v2"}, format="json").status_code == 201
    )
    protect = admin.put(
        f"{BASE}/answer/labels/production/protection", {"protected": True}, format="json"
    )
    assert protect.status_code == 200, protect.content


def test_a_member_key_cannot_unprotect_a_label_so_the_gate_holds(tenant: Tenant) -> None:
    _prompt_with_protected_production(tenant)
    member = tenant.client()
    unprotect = member.put(
        f"{BASE}/answer/labels/production/protection", {"protected": False}, format="json"
    )
    assert unprotect.status_code == 403
    assert unprotect.json()["message"] == (
        "This API key's scope 'member' cannot do this; it needs a key with scope 'admin' or higher."
    )
    moved = member.put(f"{BASE}/answer/labels/production", {"version": 2}, format="json")
    assert moved.status_code == 409
    label = PromptLabel.objects.get(prompt__name="answer", name="production")
    assert label.protected is True
    assert label.version.number == 1
    assert LabelMove.objects.filter(prompt=label.prompt, label="production").count() == 1


def test_a_member_key_cannot_manage_webhooks_keys_or_retention(tenant: Tenant) -> None:
    member = tenant.client()
    hook = member.post(
        "/api/v1/webhooks", {"url": "https://hooks.example.com/x", "events": []}, format="json"
    )
    assert hook.status_code == 403
    assert not WebhookSubscription.objects.exists()
    assert member.get("/api/v1/webhooks").status_code == 403
    assert member.get("/api/v1/api-keys").status_code == 403
    assert member.post("/api/v1/api-keys", {"note": "x"}, format="json").status_code == 403
    assert member.put("/api/v1/retention", {"days": 1}, format="json").status_code == 403
    assert not RetentionPolicy.objects.filter(project=tenant.project).exists()
    connection = member.post(
        "/api/v1/connections",
        {"name": "c", "base_url": "http://127.0.0.1:9/v1", "model_names": ["m"]},
        format="json",
    )
    assert connection.status_code == 403


def test_even_an_admin_key_cannot_manage_keys(tenant: Tenant) -> None:
    admin = tenant.client("admin")
    assert admin.get("/api/v1/api-keys").status_code == 403
    assert admin.post("/api/v1/api-keys", {"scope": "admin"}, format="json").status_code == 403
    key_id = ApiKey.objects.get(public_key=tenant.public_key).pk
    assert admin.post(f"/api/v1/api-keys/{key_id}/revoke").status_code == 403
    assert ApiKey.objects.get(pk=key_id).revoked_at is None


def _otlp(secret: str) -> Any:
    body = p.request([p.span(trace_id="ab" * 16, span_id="cd" * 8, name="chat")])
    return Client().post(
        "/v1/traces",
        body.SerializeToString(),
        content_type="application/x-protobuf",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def test_an_ingest_key_sends_traces_and_scores_and_reads_nothing(tenant: Tenant) -> None:
    assert _otlp(tenant.key("ingest")).status_code == 200
    assert Span.objects.filter(project=tenant.project).count() == 1
    ingest = tenant.client("ingest")
    score = ingest.post(
        "/api/v1/scores",
        {"trace_id": "ab" * 16, "name": "helpful", "value": 1},
        format="json",
    )
    assert score.status_code == 201, score.content
    for path in ("/api/v1/traces", "/api/v1/scores", BASE, "/api/v1/datasets", "/api/v1/models"):
        assert ingest.get(path).status_code == 403, path
    assert ingest.post(BASE, {"name": "x", "template": "t"}, format="json").status_code == 403


def test_only_an_owner_issues_an_admin_key_and_the_list_shows_scopes(
    tenant: Tenant, make_user: MakeUser
) -> None:
    admin = session_client(make_user("ada", tenant.organization, Role.ADMIN), tenant.project)
    owner = session_client(make_user("olga", tenant.organization, Role.OWNER), tenant.project)
    for client in (admin, owner):
        client.get("/api/v1/auth/session")
    refused = admin.post(
        "/api/v1/api-keys",
        {"scope": "admin"},
        format="json",
        HTTP_X_CSRFTOKEN=admin.cookies["csrftoken"].value,
    )
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only an owner can create a key with scope 'admin'."
    ingest = admin.post(
        "/api/v1/api-keys",
        {"scope": "ingest", "note": "collector"},
        format="json",
        HTTP_X_CSRFTOKEN=admin.cookies["csrftoken"].value,
    )
    assert ingest.status_code == 201
    made = owner.post(
        "/api/v1/api-keys",
        {"scope": "admin", "note": "ops"},
        format="json",
        HTTP_X_CSRFTOKEN=owner.cookies["csrftoken"].value,
    )
    assert made.status_code == 201
    assert made.json()["scope"] == "admin"
    listed = {item["note"]: item["scope"] for item in owner.get("/api/v1/api-keys").json()}
    assert listed == {"test": "member", "collector": "ingest", "ops": "admin"}
    # The new admin key really acts as one.
    retention = Client().put(
        "/api/v1/retention",
        {"days": 7},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {made.json()['secret_key']}",
    )
    assert retention.status_code == 200
    bad = owner.post(
        "/api/v1/api-keys",
        {"scope": "root"},
        format="json",
        HTTP_X_CSRFTOKEN=owner.cookies["csrftoken"].value,
    )
    assert bad.status_code == 400
    assert list(bad.json()["fields"]) == ["scope"]


def test_the_api_schema_names_key_scopes() -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    scope_enum = next(
        value["enum"]
        for name, value in components.items()
        if name.lower().startswith("scope") and "enum" in value
    )
    assert scope_enum == ["ingest", "member", "admin"]
    assert "scope" in components["ApiKeyOutput"]["properties"]
