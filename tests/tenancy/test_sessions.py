"""The web UI's way in: Django sessions with CSRF, and roles per organization."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from llmops.tenancy.models import ApiKey, Membership, Role
from tests.conftest import MakeUser, Tenant, session_client

pytestmark = pytest.mark.django_db


def _csrf_client() -> tuple[APIClient, str]:
    client = APIClient(enforce_csrf_checks=True)
    response = client.get("/api/v1/auth/session")
    assert response.status_code == 200
    assert response.json() == {"authenticated": False, "username": None, "memberships": []}
    return client, response.cookies["csrftoken"].value


def test_login_needs_the_csrf_token(tenant: Tenant, make_user: MakeUser) -> None:
    make_user("ada", tenant.organization, Role.ADMIN)
    client, token = _csrf_client()
    body = {"username": "ada", "password": "correct horse battery"}
    refused = client.post("/api/v1/auth/login", body, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["message"]
    accepted = client.post("/api/v1/auth/login", body, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    assert accepted.json()["username"] == "ada"
    assert accepted.json()["memberships"][0]["role"] == "admin"
    session = client.get("/api/v1/auth/session").json()
    assert session["authenticated"] is True


def test_wrong_password_is_401(tenant: Tenant, make_user: MakeUser) -> None:
    make_user("ada", tenant.organization)
    client, token = _csrf_client()
    response = client.post(
        "/api/v1/auth/login",
        {"username": "ada", "password": "wrong"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 401
    assert response.json()["message"] == "Wrong username or password."


def test_session_writes_without_csrf_token_are_refused(tenant: Tenant, make_user: MakeUser) -> None:
    user = make_user("ada", tenant.organization, Role.OWNER)
    client = session_client(user)
    response = client.post("/api/v1/organizations", {"name": "New"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_session_user_acts_in_the_project_named_by_header(
    tenant: Tenant, make_user: MakeUser
) -> None:
    user = make_user("vic", tenant.organization, Role.VIEWER)
    response = session_client(user, tenant.project).get("/api/v1/project")
    assert response.status_code == 200
    assert response.json()["id"] == str(tenant.project.pk)


def test_session_without_project_header_names_the_header(
    tenant: Tenant, make_user: MakeUser
) -> None:
    user = make_user("vic", tenant.organization, Role.VIEWER)
    response = session_client(user).get("/api/v1/project")
    assert response.status_code == 400
    assert response.json()["message"] == "X-Project-Id: This header is required."


def test_session_user_outside_the_organization_gets_404(
    tenant: Tenant, other_tenant: Tenant, make_user: MakeUser
) -> None:
    user = make_user("eve", other_tenant.organization, Role.OWNER)
    response = session_client(user, tenant.project).get("/api/v1/project")
    assert response.status_code == 404


def test_viewer_cannot_write_member_can(tenant: Tenant, make_user: MakeUser) -> None:
    viewer = make_user("vic", tenant.organization, Role.VIEWER)
    member = make_user("mel", tenant.organization, Role.MEMBER)
    body = {
        "upstream": {"kind": "external", "ref": "git:abc"},
        "downstream": {"kind": "external", "ref": "s3://bucket/data.csv"},
        "kind": "produced",
    }
    client = session_client(viewer, tenant.project)
    client.get("/api/v1/auth/session")
    token = client.cookies["csrftoken"].value
    refused = client.post("/api/v1/lineage/edges", body, format="json", HTTP_X_CSRFTOKEN=token)
    assert refused.status_code == 403
    assert (
        refused.json()["message"]
        == "Your role 'viewer' cannot do this; it needs 'member' or higher."
    )
    client = session_client(member, tenant.project)
    client.get("/api/v1/auth/session")
    token = client.cookies["csrftoken"].value
    accepted = client.post("/api/v1/lineage/edges", body, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def _signed_in(user, project=None) -> tuple[APIClient, str]:  # type: ignore[no-untyped-def]
    client = session_client(user, project)
    client.get("/api/v1/auth/session")
    return client, client.cookies["csrftoken"].value


def test_admin_creates_a_key_and_sees_its_secret_once(tenant: Tenant, make_user: MakeUser) -> None:
    admin = make_user("ada", tenant.organization, Role.ADMIN)
    client, token = _signed_in(admin, tenant.project)
    created = client.post("/api/v1/api-keys", {"note": "ci"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert created.status_code == 201
    secret = created.json()["secret_key"]
    assert secret.startswith("sk-lo-")
    listed = client.get("/api/v1/api-keys").json()
    assert {item["note"] for item in listed} == {"ci", "test"}
    assert secret not in str(listed)
    new_client = APIClient()
    new_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert new_client.get("/api/v1/project").json()["id"] == str(tenant.project.pk)

    revoked = client.post(f"/api/v1/api-keys/{created.json()['id']}/revoke", HTTP_X_CSRFTOKEN=token)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert new_client.get("/api/v1/project").status_code == 401


def test_member_cannot_manage_keys(tenant: Tenant, make_user: MakeUser) -> None:
    member = make_user("mel", tenant.organization, Role.MEMBER)
    client, token = _signed_in(member, tenant.project)
    response = client.post("/api/v1/api-keys", {}, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 403
    assert ApiKey.objects.filter(project=tenant.project).count() == 1


def test_organization_create_makes_caller_owner_and_admin_adds_members(
    db: None, make_user: MakeUser
) -> None:
    owner = make_user("olga")
    make_user("bob")
    client, token = _signed_in(owner)
    created = client.post(
        "/api/v1/organizations", {"name": "Initech"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert created.status_code == 201
    org_id = created.json()["id"]
    assert Membership.objects.get(user=owner, organization_id=org_id).role == "owner"
    project = client.post(
        f"/api/v1/organizations/{org_id}/projects",
        {"name": "rag"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert project.status_code == 201
    duplicate = client.post(
        f"/api/v1/organizations/{org_id}/projects",
        {"name": "rag"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["message"].startswith("name: ")
    added = client.post(
        f"/api/v1/organizations/{org_id}/members",
        {"username": "bob", "role": "viewer"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert added.status_code == 200
    members = client.get(f"/api/v1/organizations/{org_id}/members").json()
    assert [(m["username"], m["role"]) for m in members] == [("olga", "owner"), ("bob", "viewer")]


def test_admin_cannot_make_owners(tenant: Tenant, make_user: MakeUser) -> None:
    admin = make_user("ada", tenant.organization, Role.ADMIN)
    make_user("bob")
    client, token = _signed_in(admin)
    response = client.post(
        f"/api/v1/organizations/{tenant.organization.pk}/members",
        {"username": "bob", "role": "owner"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user__username="bob").exists()


def test_api_keys_cannot_reach_organization_endpoints(tenant: Tenant) -> None:
    response = tenant.client().get("/api/v1/organizations")
    assert response.status_code == 403
