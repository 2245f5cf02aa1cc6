"""Django serves the built single-page app for every non-API path, and says how to build it
when it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db


def test_app_routes_get_the_built_page(client: Client, settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div><!-- app -->")
    settings.WEB_UI_DIST = tmp_path
    for path in ("/", "/prompts", "/prompts/support/answer/diff", "/traces?name=chat"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"<!-- app -->" in response.content
        assert response["Cache-Control"] == "no-cache"
    # The API keeps its own answers, JSON errors included.
    api = client.get("/api/v1/no-such-endpoint")
    assert api.status_code == 404
    assert b"<!-- app -->" not in api.content
    assert client.get("/healthz").status_code in (200, 503)
    assert b"<!-- app -->" not in client.get("/healthz").content


def test_without_a_build_the_page_says_how_to_make_one(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    settings.WEB_UI_DIST = tmp_path / "missing"
    response = client.get("/prompts")
    assert response.status_code == 503
    assert b"npm run build" in response.content
