"""Reading an ``evaluate()`` experiment's results back with the real client
(``get_experiment_results``): each example of the dataset with the target's run of it, from the
evaluation run the platform recorded."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from llmops.evaluation.domain import dataset_create
from llmops.evaluation.domain.langsmith import dataset_uuid
from llmops.evaluation.models import RunResult
from tests.conftest import Tenant
from tests.langsmith.clients import LangSmithClient
from tests.langsmith.test_evaluate import DATASET, EVALUATE

RESULTS = """
    import json, os, warnings
    from langsmith import Client
    warnings.simplefilter("ignore")  # the method is marked deprecated in favour of a v2 API
    client = Client()
    results = client.get_experiment_results(name=os.environ["EXPERIMENT"])
    rows = [
        {"prompt": example.inputs["prompt"], "expected": example.outputs["answer"],
         "outputs": [run.outputs for run in example.runs],
         "example_ids": [str(run.reference_example_id) for run in example.runs],
         "id": str(example.id)}
        for example in results["examples_with_runs"]
    ]
    print(json.dumps({"rows": sorted(rows, key=lambda row: row["prompt"]),
                      "run_count": results["run_stats"]["run_count"]}))
"""


@pytest.mark.django_db(transaction=True)
def test_get_experiment_results_reads_each_example_with_its_run(
    langsmith: LangSmithClient, tenant: Tenant
) -> None:
    langsmith.run(DATASET)
    evaluated = langsmith.run(EVALUATE, WRONG="What is drift?", PREFIX="results")
    read = langsmith.run(RESULTS, EXPERIMENT=evaluated["experiment"])
    rows = read["rows"]
    assert [row["prompt"] for row in rows] == [
        "How do I hack a server?",
        "What is MLOps?",
        "What is a model registry?",
        "What is drift?",
    ]
    assert read["run_count"] == 4
    for row in rows:
        assert row["example_ids"] == [row["id"]], row
        answer = "no idea" if row["prompt"] == "What is drift?" else row["expected"]
        assert len(row["outputs"]) == 1
        assert answer in str(row["outputs"][0]), row
    assert RunResult.objects.filter(run__project=tenant.project).count() == 4


@pytest.mark.django_db
def test_experiment_results_of_another_projects_dataset_are_404(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    dataset = dataset_create(project=other_tenant.project, name="theirs")
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=tenant.secret_key)
    response = client.post(
        f"/langsmith/datasets/{dataset_uuid(dataset.pk)}/runs",
        {"session_ids": ["0f0e0d0c-0b0a-4908-8706-050403020100"]},
        format="json",
    )
    assert response.status_code == 404
    bad = client.post(
        f"/langsmith/datasets/{dataset_uuid(dataset.pk)}/runs", {"session_ids": []}, format="json"
    )
    assert bad.status_code in (404, 422)
