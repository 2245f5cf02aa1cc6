from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.test import APIClient

from llmops.tenancy.models import ApiKey, Membership, Organization, Project

pytestmark = pytest.mark.django_db


def test_createproject_prints_json_with_working_keys() -> None:
    out = StringIO()
    call_command("createproject", "Acme", "checkout-agent", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert set(result) == {"organization", "project", "public_key", "secret_key", "scope"}
    assert result["organization"]["name"] == "Acme"
    assert result["project"]["name"] == "checkout-agent"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {result['secret_key']}")
    assert client.get("/api/v1/project").json()["id"] == result["project"]["id"]


def test_createproject_reuses_the_organization_and_refuses_a_duplicate_project() -> None:
    call_command("createproject", "Acme", "one", "--json", stdout=StringIO())
    call_command("createproject", "Acme", "two", "--json", stdout=StringIO())
    assert Organization.objects.count() == 1
    with pytest.raises(CommandError, match="project: 'two' already exists"):
        call_command("createproject", "Acme", "two", stdout=StringIO())
    assert Project.objects.count() == 2
    assert ApiKey.objects.count() == 2


def test_bootstrapdemo_creates_once_and_prints_the_same_keys_again(tmp_path: Path) -> None:
    with override_settings(DATA_DIR=tmp_path):
        first, second = StringIO(), StringIO()
        call_command("bootstrapdemo", url="http://127.0.0.1:9999", stdout=first)
        call_command("bootstrapdemo", url="http://127.0.0.1:9999", stdout=second)
        saved = json.loads((tmp_path / "demo-credentials.json").read_text())
    assert (tmp_path / "demo-credentials.json").stat().st_mode & 0o777 == 0o600
    assert Project.objects.count() == 1
    assert Membership.objects.get().role == "owner"
    assert "http://127.0.0.1:9999/api/docs/" in first.getvalue()
    assert saved["secret_key"] in first.getvalue()
    assert first.getvalue() == second.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {saved['secret_key']}")
    assert client.get("/api/v1/project").json()["name"] == "demo"
    assert APIClient().login(username="demo", password=saved["password"])
