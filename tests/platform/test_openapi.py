from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
import yaml
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db


def _api_routes(patterns: Sequence[object] | None = None, prefix: str = "") -> set[str]:
    routes: set[str] = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            routes |= _api_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            route = "/" + prefix + str(entry.pattern)
            if route.startswith("/api/v1/"):
                routes.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return routes


def test_schema_documents_every_api_route(client: Client) -> None:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == _api_routes()
    security = schema["components"]["securitySchemes"]
    assert security["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Project secret key",
    }


def test_every_operation_has_a_unique_id(client: Client) -> None:
    schema = yaml.safe_load(client.get("/api/schema/").content)
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_docs_page_loads_its_assets_locally(client: Client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert not re.search(r"(src|href)=\"https?://", page), (
        "the docs page must not need the internet"
    )
