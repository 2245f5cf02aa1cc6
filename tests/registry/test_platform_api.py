"""The platform's registry endpoints: models with history, and gates with field errors."""

from __future__ import annotations

import pytest

from llmops.evaluation.models import Dataset, Suite
from llmops.registry import domain
from llmops.tracking import domain as tracking
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def test_models_list_with_versions_aliases_and_history(tenant: Tenant) -> None:
    run = tracking.run_create(
        experiment=tracking.experiment_default(project=tenant.project),
        user_id="ana",
        run_name="training",
        start_time=None,
        tags={},
    )
    model = domain.model_create(project=tenant.project, name="m", tags={"t": "1"})
    one = domain.version_create(model=model, source="s3://1", run_id=run.run_id, user_id="ana")
    two = domain.version_create(model=model, source="s3://2", user_id="ana")
    domain.alias_set(model=model, alias="champion", version=one, moved_by="ana")
    domain.alias_set(model=model, alias="champion", version=two, moved_by="bob")
    domain.version_transition(
        version=one, stage="Production", archive_existing_versions=False, transitioned_by="ana"
    )
    domain.version_transition(
        version=two, stage="Production", archive_existing_versions=True, transitioned_by="bob"
    )
    client = tenant.client()
    listed = client.get("/api/v1/models").json()["items"]
    assert [(m["name"], m["latest_version"], m["aliases"]) for m in listed] == [
        ("m", 2, [{"alias": "champion", "version": 2}])
    ]
    detail = client.get("/api/v1/models/m").json()
    assert [(v["version"], v["current_stage"], v["aliases"]) for v in detail["versions"]] == [
        (2, "Production", ["champion"]),
        (1, "Archived", []),
    ]
    assert [v["lineage_ref"] for v in detail["versions"]] == [str(two.pk), str(one.pk)]
    assert [
        (h["from_version"], h["to_version"], h["moved_by"]) for h in detail["alias_history"]
    ] == [(None, 1, "ana"), (1, 2, "bob")]
    assert [
        (h["version"], h["from_stage"], h["to_stage"], h["transitioned_by"])
        for h in detail["stage_history"]
    ] == [
        (1, "None", "Production", "ana"),
        (2, "None", "Production", "bob"),
        (1, "Production", "Archived", "bob"),
    ]
    assert client.get("/api/v1/models/nope").status_code == 404


def test_gates_are_validated_field_by_field(tenant: Tenant) -> None:
    domain.model_create(project=tenant.project, name="m")
    Suite.objects.create(
        project=tenant.project,
        name="s",
        dataset=Dataset.objects.create(project=tenant.project, name="d"),
        target={},
        evaluators=[],
    )
    client = tenant.client("admin")  # gates are an admin's to configure
    cases = [
        ({"metrics": []}, "alias"),
        ({"alias": "a", "stage": "Staging"}, "alias"),
        ({"alias": "a", "metrics": [{"key": "acc", "min": "high"}]}, "metrics[0].min"),
        ({"alias": "a", "metrics": [{"key": "acc"}]}, "metrics[0].min"),
        ({"alias": "a", "metrics": [{"key": "acc", "min": 1, "max": 0}]}, "metrics[0].min"),
        ({"alias": "a", "metrics": [{"min": 1}]}, "metrics[0].key"),
        ({"alias": "a", "metrics": [{"key": "acc", "min": 1, "avg": 2}]}, "metrics[0].avg"),
        ({"alias": "a", "suites": ["s", "missing"]}, "suites[1]"),
        ({"alias": "a", "metrics": "acc"}, "metrics"),
        ({"stage": "Live", "suites": ["s"]}, "stage"),
        ({"alias": "latest", "suites": ["s"]}, "alias"),
        ({"alias": "a", "suites": ["s"], "extra": 1}, "extra"),
    ]
    for body, field in cases:
        response = client.put("/api/v1/models/m/gates", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["fields"], (body, response.json())
    assert client.put("/api/v1/models/nope/gates", {"alias": "a"}, format="json").status_code == 404

    saved = client.put(
        "/api/v1/models/m/gates",
        {"alias": "a", "metrics": [{"key": "acc", "min": 0.9}], "suites": ["s"]},
        format="json",
    )
    assert saved.status_code == 200
    assert saved.json()["metrics"] == [{"key": "acc", "min": 0.9}]
    listed = client.get("/api/v1/models/m/gates").json()["items"]
    assert [(g["alias"], g["stage"], g["suites"]) for g in listed] == [("a", None, ["s"])]
    cleared = client.put("/api/v1/models/m/gates", {"alias": "a"}, format="json")
    assert cleared.status_code == 200
    assert client.get("/api/v1/models/m/gates").json()["items"] == []


def test_mlflow_paths_answer_under_ajax_api_and_in_mlflow_shape(tenant: Tenant) -> None:
    client = tenant.client()
    created = client.post(
        "/ajax-api/2.0/mlflow/registered-models/create", {"name": "m"}, format="json"
    )
    assert created.status_code == 200
    assert created.json()["registered_model"]["name"] == "m"
    missing = client.get("/api/2.0/mlflow/registered-models/get")
    assert missing.status_code == 400
    assert missing.json() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": "Missing value for required parameter 'name'.",
    }
    client.post(
        "/api/2.0/mlflow/model-versions/create", {"name": "m", "source": "s3://1"}, format="json"
    )
    by_post = client.post(
        "/api/2.0/mlflow/registered-models/get-latest-versions",
        {"name": "m", "stages": ["None"]},
        format="json",
    )
    by_get = client.get(
        "/api/2.0/mlflow/registered-models/get-latest-versions", {"name": "m", "stages": "None"}
    )
    assert by_post.json() == by_get.json()
    assert [v["version"] for v in by_get.json()["model_versions"]] == ["1"]
    wrong = client.post(
        "/api/2.0/mlflow/model-versions/transition-stage",
        {"name": "m", "version": "1", "stage": "Archived", "archive_existing_versions": True},
        format="json",
    )
    assert wrong.status_code == 400
    assert wrong.json()["error_code"] == "INVALID_PARAMETER_VALUE"
