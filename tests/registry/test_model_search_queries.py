"""A page of registered models costs the same few queries however many models and versions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from llmops.registry import domain
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def _search(tenant: Tenant) -> tuple[int, list[dict[str, object]]]:
    client = tenant.client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/ajax-api/2.0/mlflow/registered-models/search", {"max_results": 50})
    assert response.status_code == 200
    return len(queries), response.json()["registered_models"]


def _model(tenant: Tenant, name: str, versions: int) -> None:
    model = domain.model_create(project=tenant.project, name=name)
    made = [domain.version_create(model=model, source=f"s3://{name}/{n}") for n in range(versions)]
    domain.version_transition(
        version=made[0], stage="Production", archive_existing_versions=False, transitioned_by="a"
    )
    domain.alias_set(model=model, alias="champion", version=made[0], moved_by="a")


def test_the_search_page_reads_latest_versions_and_aliases_in_fixed_queries(
    tenant: Tenant,
) -> None:
    _model(tenant, "a", 2)
    _search(
        tenant
    )  # the key's first use writes its last-used time; later ones within the resolution do not
    few, _ = _search(tenant)
    for index in range(6):
        _model(tenant, f"m{index}", 4)
    many, models = _search(tenant)
    assert many == few
    assert len(models) == 7
    first = models[0]
    assert first["name"] == "a"
    assert first["aliases"] == [{"alias": "champion", "version": "1"}]
    latest = first["latest_versions"]
    assert isinstance(latest, list)
    assert [(v["version"], v["current_stage"], v["aliases"]) for v in latest] == [
        ("1", "Production", ["champion"]),
        ("2", "None", []),
    ]
    second = models[1]["latest_versions"]
    assert isinstance(second, list)
    assert [v["version"] for v in second] == ["1", "4"]


def test_the_platform_model_list_reads_in_fixed_queries(tenant: Tenant) -> None:
    _model(tenant, "a", 2)
    client = tenant.client()
    client.get("/api/v1/models")  # the key's first use writes its last-used time
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/models")
    for index in range(6):
        _model(tenant, f"m{index}", 3)
    with CaptureQueriesContext(connection) as many:
        listed = client.get("/api/v1/models").json()["items"]
    assert len(many) == len(few)
    assert [(m["name"], m["latest_version"], m["aliases"]) for m in listed[:2]] == [
        ("a", 2, [{"alias": "champion", "version": 1}]),
        ("m0", 3, [{"alias": "champion", "version": 1}]),
    ]
