"""The lineage queries over the whole graph: impact of a dataset version, and what is behind a
label with everything it came from."""

from __future__ import annotations

from typing import Any

import pytest

from llmops.evaluation.domain import (
    ItemInput,
    connection_save,
    dataset_create,
    items_change,
    run_start,
    suite_save,
)
from llmops.evaluation.models import DatasetItem, DatasetVersion, Trigger
from llmops.prompts.domain import label_move, prompt_create, version_create
from llmops.prompts.models import Prompt, PromptVersion
from llmops.registry.models import ModelAlias, ModelVersion, RegisteredModel
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def _evaluated(tenant: Tenant) -> dict[str, Any]:
    project = tenant.project
    dataset = dataset_create(project=project, name="faq")
    items_change(dataset=dataset, upsert=[ItemInput(input={"q": "hi"}, expected="hi")])
    items_change(dataset=dataset, upsert=[ItemInput(input={"q": "bye"}, expected="bye")])
    connection_save(
        project=project,
        name="local",
        base_url="http://127.0.0.1:9/v1",
        model_names=["m"],
        api_key=None,
        concurrency=1,
        timeout_seconds=1,
    )
    prompt, first = prompt_create(
        project=project, name="answer", prompt_type="text", template="{{q}}", labels=["production"]
    )
    second = version_create(prompt=prompt, template="Answer: {{q}}").version
    suite, _ = suite_save(
        project=project,
        name="s",
        dataset_name="faq",
        target={"type": "prompt", "prompt": "answer", "connection": "local", "model": "m"},
        evaluators=[{"type": "contains", "value": "hi"}],
        thresholds=[],
        baseline_label="production",
    )
    run = run_start(suite=suite, prompt_version=second, trigger=Trigger.MANUAL, created_by="t")
    label_move(prompt=prompt, label="production", version=second, moved_by="t")
    return {"prompt": prompt, "first": first, "second": second, "run": run, "dataset": dataset}


def test_impact_of_a_dataset_version_names_the_versions_evaluated_on_it(tenant: Tenant) -> None:
    made = _evaluated(tenant)
    client = tenant.client()
    used = DatasetVersion.objects.get(dataset=made["dataset"], number=2)
    response = client.get(
        "/api/v1/lineage/impact", {"kind": "dataset_version", "ref": str(used.pk)}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [n["ref"] for n in body["eval_runs"]] == [str(made["run"].pk)]
    assert [n["ref"] for n in body["prompt_versions"]] == [str(made["second"].pk)]
    assert body["prompt_versions"][0]["downstream_distance"] == 2
    # The older dataset version fed nothing.
    older = DatasetVersion.objects.get(dataset=made["dataset"], number=1)
    untouched = client.get(
        "/api/v1/lineage/impact", {"kind": "dataset_version", "ref": str(older.pk)}
    )
    assert untouched.json()["prompt_versions"] == []
    missing = client.get("/api/v1/lineage/impact", {"kind": "dataset_version", "ref": "nope"})
    assert missing.status_code == 404


def test_behind_a_prompt_label_is_its_version_and_everything_it_came_from(
    tenant: Tenant,
) -> None:
    made = _evaluated(tenant)
    client = tenant.client()
    response = client.get("/api/v1/lineage/behind", {"prompt": "answer", "label": "production"})
    assert response.status_code == 200, response.content
    graph = response.json()
    assert graph["root"]["kind"] == "prompt_version"
    assert graph["root"]["ref"] == str(made["second"].pk)
    upstream = {(n["kind"], n["ref"]) for n in graph["nodes"]}
    assert ("prompt_version", str(made["first"].pk)) in upstream  # derived from v1
    assert all(n["downstream_distance"] in (None, 0) for n in graph["nodes"])
    bad = client.get("/api/v1/lineage/behind", {"prompt": "answer"})
    assert bad.status_code == 400
    assert list(bad.json()["fields"]) == ["label"]
    unknown = client.get("/api/v1/lineage/behind", {"prompt": "answer", "label": "nope"})
    assert unknown.status_code == 404
    assert Prompt.objects.count() == 1
    assert PromptVersion.objects.count() == 2


def test_an_outputs_run_of_a_model_version_links_it_for_impact_and_behind(
    tenant: Tenant,
) -> None:
    made = _evaluated(tenant)
    project = tenant.project
    model = RegisteredModel.objects.create(project=project, name="churn")
    version = ModelVersion.objects.create(model=model, version=1)
    ModelAlias.objects.create(model=model, alias="champion", version=version)
    suite_save(
        project=project,
        name="offline",
        dataset_name="faq",
        target={"type": "outputs"},
        evaluators=[{"type": "contains", "value": "hi"}],
        thresholds=[],
        baseline_label="production",
    )
    client = tenant.client()
    body = {
        "suite": "offline",
        "outputs": [{"key": k, "output": "hi"} for k in _keys(made)],
        "model_version": {"name": "churn", "version": 1},
    }
    started = client.post("/api/v1/runs", body, format="json")
    assert started.status_code == 202, started.content
    missing = client.post(
        "/api/v1/runs", {**body, "model_version": {"name": "churn", "version": 9}}, format="json"
    )
    assert missing.status_code == 400
    assert list(missing.json()["fields"]) == ["model_version"]

    used = DatasetVersion.objects.get(dataset=made["dataset"], number=2)
    impact = client.get("/api/v1/lineage/impact", {"kind": "dataset_version", "ref": str(used.pk)})
    assert [n["ref"] for n in impact.json()["model_versions"]] == [str(version.pk)]
    behind = client.get("/api/v1/lineage/behind", {"model": "churn", "alias": "champion"})
    assert behind.status_code == 200, behind.content
    assert behind.json()["root"] == {
        **behind.json()["root"],
        "kind": "model_version",
        "ref": str(version.pk),
    }
    nope = client.get("/api/v1/lineage/behind", {"model": "churn", "alias": "nope"})
    assert nope.status_code == 404


def _keys(made: dict[str, Any]) -> list[str]:
    return list(
        DatasetItem.objects.filter(dataset=made["dataset"], removed_in__isnull=True).values_list(
            "key", flat=True
        )
    )
