from __future__ import annotations

import pytest
from django.test import Client

from llmops.celery import app

pytestmark = pytest.mark.django_db


def test_healthz_is_public_and_checks_database_and_broker(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert [(c["name"], c["ok"]) for c in body["checks"]] == [("database", True), ("broker", True)]


def test_healthz_is_503_when_the_broker_is_unreachable(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real connection attempt to a port nobody listens on (port 1 on loopback).
    # Celery prefers the CELERY_BROKER_URL variable over its configuration, so set both.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_transport_options", {})
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert checks["database"]["ok"] is True
    assert checks["broker"]["ok"] is False
    assert "Connection" in checks["broker"]["detail"] or "refused" in checks["broker"]["detail"]
