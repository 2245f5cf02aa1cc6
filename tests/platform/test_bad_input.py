"""Bad requests get a 4xx naming what is wrong, never a 500, and change nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from llmops.lineage.models import LineageEdge, LineageNode
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

GOOD_EDGE = {
    "upstream": {"kind": "external", "ref": "git:abc"},
    "downstream": {"kind": "external", "ref": "file:data.csv"},
    "kind": "produced",
}


def _post_raw(tenant: Tenant, body: bytes, content_type: str = "application/json") -> Any:
    # The client's stubs say str, but the test client sends bytes as they are (needed for the
    # invalid UTF-8 case).
    response = tenant.client().generic(
        "POST",
        "/api/v1/lineage/edges",
        body,  # type: ignore[arg-type]
        content_type,
    )
    return response


def test_malformed_json_is_400_with_parse_error(tenant: Tenant) -> None:
    response = _post_raw(tenant, b'{"upstream": ')
    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
    assert response.json()["message"].startswith("JSON parse error")


def test_unknown_field_is_400_naming_it(tenant: Tenant) -> None:
    body = {**GOOD_EDGE, "kindd": "used"}
    response = tenant.client().post("/api/v1/lineage/edges", body, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "kindd: Unknown field."
    assert response.json()["fields"] == {"kindd": ["Unknown field."]}


def test_unknown_nested_field_is_400_naming_its_path(tenant: Tenant) -> None:
    body = {**GOOD_EDGE, "upstream": {"kind": "external", "ref": "x", "colour": "red"}}
    response = tenant.client().post("/api/v1/lineage/edges", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"upstream.colour": ["Unknown field."]}


def test_wrong_type_is_400_naming_the_field(tenant: Tenant) -> None:
    body = {**GOOD_EDGE, "upstream": "git:abc"}
    response = tenant.client().post("/api/v1/lineage/edges", body, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("upstream.non_field_errors: Invalid data.")


def test_top_level_array_is_400(tenant: Tenant) -> None:
    response = tenant.client().post("/api/v1/lineage/edges", [GOOD_EDGE], format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("Invalid data. Expected a dictionary")


def test_oversized_field_is_400_naming_it(tenant: Tenant) -> None:
    body = {**GOOD_EDGE, "upstream": {"kind": "external", "ref": "x" * 201}}
    response = tenant.client().post("/api/v1/lineage/edges", body, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "upstream.ref: Ensure this field has no more than 200 characters."
    )


@override_settings(MAX_REQUEST_BYTES=2048)
def test_oversized_body_is_413_naming_the_limit(tenant: Tenant) -> None:
    body = {**GOOD_EDGE, "upstream": {"kind": "external", "ref": "x" * 4000}}
    response = tenant.client().post("/api/v1/lineage/edges", body, format="json")
    assert response.status_code == 413
    assert response.json()["error"] == "request_too_large"
    assert "LLMOPS_MAX_REQUEST_BYTES" in response.json()["message"]


def test_wrong_content_type_is_415(tenant: Tenant) -> None:
    response = _post_raw(tenant, b"upstream=x", "application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"


def test_bad_requests_leave_stored_rows_untouched(tenant: Tenant) -> None:
    assert (
        tenant.client().post("/api/v1/lineage/edges", GOOD_EDGE, format="json").status_code == 201
    )
    nodes = list(LineageNode.objects.values().order_by("pk"))
    edges = list(LineageEdge.objects.values().order_by("pk"))
    for body in (b"{", b"[]", b'{"upstream": 1}', b"\xff\xfe"):
        assert _post_raw(tenant, body).status_code == 400
    assert list(LineageNode.objects.values().order_by("pk")) == nodes
    assert list(LineageEdge.objects.values().order_by("pk")) == edges


def test_unknown_route_is_404_json_free_of_debug_pages(tenant: Tenant) -> None:
    response = tenant.client().get("/api/v1/nope")
    assert response.status_code == 404
    assert b"Traceback" not in response.content


def test_bad_content_length_is_400() -> None:
    response = APIClient().generic(
        "POST", "/api/v1/lineage/edges", "{}", "application/json", CONTENT_LENGTH="abc"
    )
    assert response.status_code == 400
    assert "Content-Length" in response.json()["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/v1/prompts"),
        ("put", "/api/v1/traces"),
        ("patch", "/api/public/projects"),
    ],
)
def test_a_method_a_view_does_not_handle_is_405_not_a_server_error(
    tenant: Tenant, method: str, path: str
) -> None:
    response = getattr(tenant.client(), method)(path, {}, format="json")
    assert response.status_code == 405, response.content
