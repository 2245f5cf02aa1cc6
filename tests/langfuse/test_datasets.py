"""Datasets and experiments from the real Langfuse SDKs: a dataset with items, read back with
``get_dataset``, and ``run_experiment`` with an evaluator, which the platform's own API then
lists as an evaluation run with one result per item, the evaluator's scores as verdicts; two
experiments on the dataset compare item by item."""

from __future__ import annotations

from typing import Any

import pytest

from llmops.evaluation.models import Dataset
from tests.conftest import Tenant
from tests.langfuse.clients import LangfuseClient

EXPERIMENT = """
    import json, os
    from langfuse import Evaluation, Langfuse
    client = Langfuse()
    client.create_dataset(name="capitals", description="Capital cities", metadata={"owner": "geo"})
    for key, country, city in (("fr", "France", "Paris"), ("de", "Germany", "Berlin"),
                               ("it", "Italy", "Rome")):
        client.create_dataset_item(
            dataset_name="capitals", id=key, input={"country": country}, expected_output=city,
            metadata={"continent": "Europe"},
        )
    # The same item again: no change, so no new version.
    client.create_dataset_item(
        dataset_name="capitals", id="fr", input={"country": "France"}, expected_output="Paris",
        metadata={"continent": "Europe"},
    )
    dataset = client.get_dataset("capitals")
    wrong = os.environ["WRONG"]

    def task(*, item, **kwargs):
        country = item.input["country"]
        return "Lyon" if country == wrong else item.expected_output

    def exact(*, input, output, expected_output, **kwargs):
        return Evaluation(name="exact", value=1.0 if output == expected_output else 0.0,
                          comment=f"expected {expected_output}")

    def average(*, item_results, **kwargs):
        values = [e.value for r in item_results for e in r.evaluations if e.name == "exact"]
        return Evaluation(name="mean_exact", value=sum(values) / len(values))

    result = dataset.run_experiment(
        name=os.environ["NAME"], task=task, evaluators=[exact], run_evaluators=[average]
    )
    client.flush()
    client.shutdown()
    print(json.dumps({
        "dataset": {"id": dataset.id, "name": dataset.name, "description": dataset.description,
                    "metadata": dataset.metadata},
        "items": sorted(
            [{"id": i.id, "input": i.input, "expected": i.expected_output,
              "dataset_id": i.dataset_id} for i in dataset.items],
            key=lambda i: i["id"],
        ),
        "outputs": sorted(r.output for r in result.item_results),
    }))
"""


def _runs(tenant: Tenant) -> list[dict[str, Any]]:
    response = tenant.client().get("/api/v1/runs")
    assert response.status_code == 200, response.content
    body = response.json()
    return list(body["items"] if isinstance(body, dict) else body)


def _results(tenant: Tenant, run_id: str) -> dict[str, dict[str, Any]]:
    response = tenant.client().get(f"/api/v1/runs/{run_id}/results")
    assert response.status_code == 200, response.content
    return {row["item_key"]: row for row in response.json()["items"]}


@pytest.mark.django_db(transaction=True)
def test_a_dataset_and_two_experiments_become_compared_runs(
    langfuse: LangfuseClient, tenant: Tenant
) -> None:
    first = langfuse.run(EXPERIMENT, NAME="baseline", WRONG="none")
    dataset = Dataset.objects.get(project=tenant.project, name="capitals")
    assert first["dataset"] == {
        "id": str(dataset.pk),
        "name": "capitals",
        "description": "Capital cities",
        "metadata": {"owner": "geo"},
    }
    assert first["items"] == [
        {
            "id": "de",
            "input": {"country": "Germany"},
            "expected": "Berlin",
            "dataset_id": str(dataset.pk),
        },
        {
            "id": "fr",
            "input": {"country": "France"},
            "expected": "Paris",
            "dataset_id": str(dataset.pk),
        },
        {
            "id": "it",
            "input": {"country": "Italy"},
            "expected": "Rome",
            "dataset_id": str(dataset.pk),
        },
    ]
    # Three items, three versions; the unchanged resend made none.
    assert dataset.latest_version == 3
    assert first["outputs"] == ["Berlin", "Paris", "Rome"]

    second = langfuse.run(EXPERIMENT, NAME="candidate", WRONG="France")
    assert second["outputs"] == ["Berlin", "Lyon", "Rome"]

    runs = _runs(tenant)
    assert [(run["trigger"], run["suite"], run["status"]) for run in runs] == [
        ("experiment", "experiments: capitals", "passed")
    ] * 2
    by_mean = sorted(runs, key=lambda run: run["summary"]["evaluators"]["exact"]["mean"])
    candidate, baseline = by_mean
    assert baseline["summary"]["evaluators"]["exact"]["mean"] == 1.0
    assert candidate["summary"]["evaluators"]["exact"]["mean"] == pytest.approx(2 / 3)
    # The run evaluator's score, sent for the experiment as a whole.
    assert candidate["summary"]["experiment_scores"]["mean_exact"]["score"] == pytest.approx(2 / 3)
    assert baseline["summary"]["experiment_scores"]["mean_exact"]["score"] == 1.0
    # The SDK's run name ("<experiment name> - <time>") is shown with the run.
    assert baseline["summary"]["experiment"]["name"].startswith("baseline")
    assert candidate["summary"]["experiment"]["name"].startswith("candidate")

    results = _results(tenant, candidate["id"])
    assert set(results) == {"de", "fr", "it"}
    france = results["fr"]
    assert france["output"] == "Lyon"
    assert len(france["trace_id"]) == 32
    assert france["verdicts"]["exact"]["score"] == 0.0
    assert france["verdicts"]["exact"]["reason"] == "expected Paris"
    assert results["de"]["verdicts"]["exact"]["score"] == 1.0

    compared = tenant.client().get(f"/api/v1/runs/{baseline['id']}/compare/{candidate['id']}")
    assert compared.status_code == 200, compared.content
    comparison = compared.json()
    assert comparison["evaluators"] == ["exact"]
    regressions = [row["item_key"] for row in comparison["items"] if row["regression"]]
    assert regressions == ["fr"]
