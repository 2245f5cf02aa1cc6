"""The Langfuse public API's own endpoints in process: health, the auth check's project list,
the OTLP path, Langfuse's error bodies, and what an unknown path answers."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from rest_framework.test import APIClient

from llmops.system import health
from llmops.system.health import Check
from llmops.tracing.models import Span
from tests.conftest import Tenant
from tests.tracing.otlp_payloads import request, span

pytestmark = pytest.mark.django_db


def _basic(public_key: str, secret_key: str) -> APIClient:
    client = APIClient()
    token = base64.b64encode(f"{public_key}:{secret_key}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


def test_health_answers_ok_without_credentials() -> None:
    response = APIClient().get("/api/public/health")
    assert response.status_code == 200
    assert response.json()["status"] == "OK"
    assert response.json()["version"]


def test_health_answers_503_when_the_database_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    def down() -> Check:
        return Check(name="database", ok=False, detail="refused")

    monkeypatch.setattr("llmops.system.views.check_database", down)
    assert health.check_database().ok  # only the view's reference is replaced
    response = APIClient().get("/api/public/health")
    assert response.status_code == 503
    assert response.json() == {"status": "Database not available"}


def test_projects_lists_exactly_the_key_pairs_project(tenant: Tenant, other_tenant: Tenant) -> None:
    response = _basic(tenant.public_key, tenant.secret_key).get("/api/public/projects")
    assert response.status_code == 200
    data = response.json()["data"]
    assert [project["id"] for project in data] == [str(tenant.project.pk)]
    assert data[0]["name"] == tenant.project.name
    assert data[0]["organization"] == {
        "id": str(tenant.organization.pk),
        "name": tenant.organization.name,
    }
    assert data[0]["metadata"] == {}


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "no credentials"),
        ("Basic " + base64.b64encode(b"pk-lf-unknown:sk-lf-unknown").decode(), "unknown pair"),
        ("Basic not-base64!", "malformed"),
    ],
)
def test_projects_without_valid_credentials_answers_langfuse_401(
    tenant: Tenant, header: str | None, reason: str
) -> None:
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/public/projects")
    assert response.status_code == 401, reason
    body = response.json()
    assert body["error"] == "UnauthorizedError"
    assert body["message"]
    assert response["WWW-Authenticate"].startswith("Basic")


def test_a_public_key_with_another_projects_secret_is_refused(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    response = _basic(tenant.public_key, other_tenant.secret_key).get("/api/public/projects")
    assert response.status_code == 401


def test_the_otlp_path_stores_spans_like_the_platforms_own(tenant: Tenant) -> None:
    payload = request([span(trace_id="ab" * 16, span_id="cd" * 8)]).SerializeToString()
    token = base64.b64encode(f"{tenant.public_key}:{tenant.secret_key}".encode()).decode()
    response = Client().post(
        "/api/public/otel/v1/traces",
        payload,
        content_type="application/x-protobuf",
        HTTP_AUTHORIZATION=f"Basic {token}",
    )
    assert response.status_code == 200
    assert Span.objects.filter(project=tenant.project).count() == 1


def test_the_otlp_path_refuses_without_a_key(tenant: Tenant) -> None:
    payload = request([span(trace_id="ab" * 16, span_id="cd" * 8)]).SerializeToString()
    response = Client().post(
        "/api/public/otel/v1/traces", payload, content_type="application/x-protobuf"
    )
    assert response.status_code == 401
    assert not Span.objects.filter(project=tenant.project).exists()


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_an_unserved_langfuse_path_answers_json_404(tenant: Tenant, method: str) -> None:
    client = _basic(tenant.public_key, tenant.secret_key)
    response = getattr(client, method)("/api/public/annotation-queues", {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"] == "LangfuseNotFoundError"
    assert "annotation-queues" in response.json()["message"]
