from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from llmops.tenancy import domain, keys
from llmops.tenancy.models import ApiKey, Role
from tests.conftest import MakeUser, Tenant, session_client

pytestmark = pytest.mark.django_db


def test_bearer_secret_key_authenticates_as_its_project(tenant: Tenant) -> None:
    response = tenant.client().get("/api/v1/project")
    assert response.status_code == 200
    assert response.json()["id"] == str(tenant.project.pk)
    assert response.json()["organization"]["name"] == "Acme"


def test_basic_public_and_secret_key_authenticates(tenant: Tenant) -> None:
    response = tenant.basic_client().get("/api/v1/project")
    assert response.status_code == 200
    assert response.json()["name"] == "support-bot"


def test_basic_with_public_key_of_another_pair_is_refused(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    token = base64.b64encode(f"{other_tenant.public_key}:{tenant.secret_key}".encode()).decode()
    response = APIClient().get("/api/v1/project", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 401
    assert response.json()["message"] == "Unknown or revoked API key."


def test_no_credentials_is_401_with_bearer_challenge(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/project")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="llmops"'


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer sk-lo-nope", "Unknown or revoked API key."),
        ("Bearer ", "Authorization: empty bearer token."),
        ("Basic !!!notbase64", "Authorization: Basic credentials are not valid base64."),
        (
            "Basic " + base64.b64encode(b"only-public").decode(),
            "Authorization: Basic credentials must be 'public_key:secret_key'.",
        ),
    ],
)
def test_bad_credentials_are_401_with_reason(client, header: str, message: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/project", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == {"error": "authentication_failed", "message": message}


def test_revoked_key_is_refused_and_revocation_time_is_kept(tenant: Tenant) -> None:
    api_key = ApiKey.objects.get(public_key=tenant.public_key)
    domain.api_key_revoke(api_key=api_key)
    first = ApiKey.objects.get(pk=api_key.pk).revoked_at
    assert first is not None
    domain.api_key_revoke(api_key=api_key)
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at == first
    assert tenant.client().get("/api/v1/project").status_code == 401


def test_secret_is_stored_only_as_a_digest(tenant: Tenant) -> None:
    api_key = ApiKey.objects.get(public_key=tenant.public_key)
    assert api_key.secret_hash == keys.digest_secret(tenant.secret_key)
    stored = " ".join(str(v) for v in ApiKey.objects.filter(pk=api_key.pk).values().get().values())
    assert tenant.secret_key not in stored
    assert api_key.secret_hint == tenant.secret_key[:10]


def test_use_records_last_used_at_most_once_a_minute(tenant: Tenant) -> None:
    assert ApiKey.objects.get(public_key=tenant.public_key).last_used_at is None
    tenant.client().get("/api/v1/project")
    first = ApiKey.objects.get(public_key=tenant.public_key).last_used_at
    assert first is not None
    tenant.client().get("/api/v1/project")
    assert ApiKey.objects.get(public_key=tenant.public_key).last_used_at == first
    stale = timezone.now() - timedelta(minutes=5)
    ApiKey.objects.filter(public_key=tenant.public_key).update(last_used_at=stale)
    tenant.client().get("/api/v1/project")
    assert ApiKey.objects.get(public_key=tenant.public_key).last_used_at > stale  # type: ignore[operator]


def test_api_key_list_shows_no_secret(tenant: Tenant, make_user: MakeUser) -> None:
    admin = session_client(make_user("ada", tenant.organization, Role.ADMIN), tenant.project)
    response = admin.get("/api/v1/api-keys")
    assert response.status_code == 200
    (item,) = response.json()
    assert item["public_key"] == tenant.public_key
    assert item["scope"] == "member"
    assert "secret_key" not in item
    assert tenant.secret_key not in response.content.decode()


def test_api_keys_cannot_create_or_revoke_keys(tenant: Tenant) -> None:
    response = tenant.client().post("/api/v1/api-keys", {"note": "x"}, format="json")
    assert response.status_code == 403
    key_id = ApiKey.objects.get(public_key=tenant.public_key).pk
    response = tenant.client().post(f"/api/v1/api-keys/{key_id}/revoke")
    assert response.status_code == 403
    assert ApiKey.objects.get(pk=key_id).revoked_at is None
