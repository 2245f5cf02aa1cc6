"""Datasets and ``evaluate()`` from the real ``langsmith`` client: a dataset made with
``create_dataset`` and ``create_examples``, read back with ``read_dataset`` and
``list_examples``; the issue's seed ``evaluate(lambda inputs: predict(inputs["prompt"]),
data="mlops-questions", evaluators=[accuracy_evaluator, safety_evaluator])``, which the
platform's own API then shows as an evaluation run with one result per example and both
evaluators' scores as verdicts; two ``evaluate()`` runs compare; ``create_feedback`` on a
traced run is a score on its span."""

from __future__ import annotations

from typing import Any

import pytest

from llmops.evaluation.models import Dataset
from llmops.tracing.run_ids import span_id_of, trace_id_of
from tests.conftest import Tenant
from tests.langsmith.clients import LangSmithClient

DATASET = """
    import json
    from langsmith import Client
    client = Client()
    dataset = client.create_dataset("mlops-questions", description="MLOps questions")
    created = client.create_examples(dataset_id=dataset.id, examples=[
        {"inputs": {"prompt": "What is MLOps?"}, "outputs": {"answer": "operations for ML"},
         "metadata": {"topic": "basics"}},
        {"inputs": {"prompt": "What is a model registry?"},
         "outputs": {"answer": "a store of model versions"}, "split": "hard"},
        {"inputs": {"prompt": "How do I hack a server?"}, "outputs": {"answer": "refuse"}},
    ])
    one = client.create_example(inputs={"prompt": "What is drift?"},
                                outputs={"answer": "data changing over time"},
                                dataset_name="mlops-questions")
    read = client.read_dataset(dataset_name="mlops-questions")
    by_id = client.read_dataset(dataset_id=dataset.id)
    examples = list(client.list_examples(dataset_name="mlops-questions"))
    hard = list(client.list_examples(dataset_id=dataset.id, splits=["hard"]))
    again = client.read_example(one.id)
    versions = list(client.list_dataset_versions(dataset_id=dataset.id))
    latest = client.read_dataset_version(dataset_name="mlops-questions", tag="latest")
    first = list(client.list_examples(dataset_id=dataset.id, as_of="v1"))
    print(json.dumps({
        "versions": [v.tags for v in versions], "latest": latest.tags, "v1": len(first),
        "splits": client.list_dataset_splits(dataset_id=dataset.id),
        "id": str(dataset.id), "read": str(read.id), "by_id": by_id.name,
        "description": read.description, "count": read.example_count,
        "created": created["count"], "created_ids": sorted(map(str, created["example_ids"])),
        "examples": sorted([{"id": str(e.id), "inputs": e.inputs, "outputs": e.outputs,
                             "dataset_id": str(e.dataset_id)} for e in examples],
                           key=lambda e: e["inputs"]["prompt"]),
        "hard": [e.inputs["prompt"] for e in hard],
        "one": str(one.id), "again": again.inputs,
        "datasets": [d.name for d in client.list_datasets()],
    }))
"""

EVALUATE = """
    import json, os
    from langsmith import Client
    from langsmith.evaluation import evaluate

    client = Client()
    wrong = os.environ["WRONG"]

    def predict(prompt):
        if prompt == wrong:
            return "no idea"
        return {"What is MLOps?": "operations for ML",
                "What is a model registry?": "a store of model versions",
                "How do I hack a server?": "refuse",
                "What is drift?": "data changing over time"}[prompt]

    def accuracy_evaluator(run, example):
        right = run.outputs["output"] == example.outputs["answer"]
        return {"key": "accuracy", "score": 1.0 if right else 0.0}

    def safety_evaluator(run, example):
        return {"key": "safety", "score": "hack" not in run.outputs["output"],
                "comment": "no harmful content"}

    results = evaluate(lambda inputs: predict(inputs["prompt"]), data="mlops-questions",
                       evaluators=[accuracy_evaluator, safety_evaluator],
                       experiment_prefix=os.environ["PREFIX"])
    rows = list(results)
    client.flush()
    project = client.read_project(project_name=results.experiment_name)
    print(json.dumps({
        "experiment": results.experiment_name,
        "session": str(project.id),
        "reference_dataset_id": str(project.reference_dataset_id),
        "rows": len(rows),
        "scores": sorted((r["example"].inputs["prompt"], e.key, e.score)
                         for r in rows for e in r["evaluation_results"]["results"]),
    }))
"""

AEVALUATE = """
    import asyncio, json
    from langsmith import Client
    from langsmith.evaluation import aevaluate

    async def target(inputs):
        return {"output": "operations for ML"}

    async def accuracy_evaluator(run, example):
        return {"key": "accuracy", "score": run.outputs["output"] == example.outputs["answer"]}

    async def main():
        results = await aevaluate(target, data="mlops-questions",
                                  evaluators=[accuracy_evaluator], experiment_prefix="async")
        rows = [row async for row in results]
        return results.experiment_name, len(rows)

    name, count = asyncio.run(main())
    Client().flush()
    print(json.dumps({"experiment": name, "rows": count}))
"""

FEEDBACK = """
    import json
    from langsmith import Client, traceable
    from langsmith.run_helpers import get_current_run_tree
    client = Client()
    ids = {}

    @traceable(name="answer")
    def answer(question):
        run = get_current_run_tree()
        ids["run"], ids["trace"] = str(run.id), str(run.trace_id)
        return "operations for ML"

    answer("What is MLOps?")
    client.flush()
    client.create_feedback(run_id=ids["run"], trace_id=ids["trace"], key="helpfulness",
                           score=0.8, comment="clear")
    made = client.create_feedback(run_id=ids["run"], key="tone", value="friendly")
    listed = list(client.list_feedback(run_ids=[ids["run"]]))
    read = client.read_feedback(made.id)
    print(json.dumps({**ids, "listed": sorted((str(f.run_id), f.key, f.score, f.value)
                                              for f in listed),
                      "read": [read.key, read.value, str(read.trace_id)]}))
"""


def _runs(tenant: Tenant) -> list[dict[str, Any]]:
    response = tenant.client().get("/api/v1/runs")
    assert response.status_code == 200, response.content
    body = response.json()
    return list(body["items"] if isinstance(body, dict) else body)


def _dataset(langsmith: LangSmithClient) -> dict[str, Any]:
    return dict(langsmith.run(DATASET))


@pytest.mark.django_db(transaction=True)
def test_a_dataset_made_with_the_client_is_a_versioned_platform_dataset(
    langsmith: LangSmithClient, tenant: Tenant
) -> None:
    made = _dataset(langsmith)
    assert made["read"] == made["id"]
    assert made["by_id"] == "mlops-questions"
    assert made["description"] == "MLOps questions"
    assert made["count"] == 4
    assert made["created"] == 3
    assert made["datasets"] == ["mlops-questions"]
    assert [e["inputs"]["prompt"] for e in made["examples"]] == [
        "How do I hack a server?",
        "What is MLOps?",
        "What is a model registry?",
        "What is drift?",
    ]
    assert {e["dataset_id"] for e in made["examples"]} == {made["id"]}
    assert made["hard"] == ["What is a model registry?"]
    assert made["again"] == {"prompt": "What is drift?"}
    assert set(made["created_ids"]) <= {e["id"] for e in made["examples"]}
    # The platform's versions as LangSmith's: tagged v<number>, the newest also "latest".
    assert made["versions"] == [["v2", "latest"], ["v1"]]
    assert made["latest"] == ["v2", "latest"]
    assert made["v1"] == 3
    assert made["splits"] == ["base", "hard"]

    # The platform's own API: the dataset's versions (the bulk create is one) and its items.
    client = tenant.client()
    versions = client.get("/api/v1/datasets/mlops-questions").json()
    assert [(v["number"], v["item_count"]) for v in versions] == [(2, 4), (1, 3)]
    items = client.get("/api/v1/datasets/mlops-questions/items").json()
    assert items["version"] == 2
    by_key = {row["key"]: row for row in items["items"]}
    assert set(by_key) == {e["id"] for e in made["examples"]}
    assert by_key[made["one"]]["input"] == {"prompt": "What is drift?"}
    assert by_key[made["one"]]["expected"] == {"answer": "data changing over time"}


@pytest.mark.django_db(transaction=True)
def test_evaluate_is_an_evaluation_run_with_both_evaluators_scores(
    langsmith: LangSmithClient, tenant: Tenant
) -> None:
    _dataset(langsmith)
    first = langsmith.run(EVALUATE, WRONG="What is drift?", PREFIX="baseline")
    assert first["rows"] == 4
    dataset = Dataset.objects.get(project=tenant.project, name="mlops-questions")
    assert first["reference_dataset_id"]
    assert ("What is drift?", "accuracy", 0.0) in [tuple(s) for s in first["scores"]]

    client = tenant.client()
    listed = _runs(tenant)
    (run,) = [r for r in listed if r["summary"].get("experiment", {}).get("id") == first["session"]]
    assert run["suite"] == f"experiments: {dataset.name}"
    assert run["status"] == "passed"
    assert run["summary"]["items"] == 4
    assert run["summary"]["evaluators"]["accuracy"]["mean"] == 0.75
    assert run["summary"]["evaluators"]["safety"]["pass_rate"] == 1.0
    assert run["summary"]["experiment"]["name"] == first["experiment"]

    results = client.get(f"/api/v1/runs/{run['id']}/results")
    assert results.status_code == 200, results.content
    rows = results.json()["items"]
    assert len(rows) == 4
    by_input = {row["input"]["prompt"]: row for row in rows}
    drift = by_input["What is drift?"]
    assert drift["output"] == {"output": "no idea"}
    assert drift["verdicts"]["accuracy"]["score"] == 0.0
    assert drift["verdicts"]["safety"]["passed"] is True
    assert drift["verdicts"]["safety"]["reason"] == "no harmful content"
    assert by_input["What is MLOps?"]["verdicts"]["accuracy"]["score"] == 1.0

    second = langsmith.run(EVALUATE, WRONG="What is MLOps?", PREFIX="candidate")
    listed = _runs(tenant)
    (other,) = [
        r for r in listed if r["summary"].get("experiment", {}).get("id") == second["session"]
    ]
    compared = client.get(f"/api/v1/runs/{run['id']}/compare/{other['id']}")
    assert compared.status_code == 200, compared.content
    comparison = compared.json()
    assert comparison["evaluators"] == ["accuracy", "safety"]
    # The candidate got MLOps wrong (the baseline drift): one regression, one improvement.
    regressions = [row["item_key"] for row in comparison["items"] if row["regression"]]
    assert regressions == [by_input["What is MLOps?"]["item_key"]]


@pytest.mark.django_db(transaction=True)
def test_aevaluate_is_an_evaluation_run_too(langsmith: LangSmithClient, tenant: Tenant) -> None:
    _dataset(langsmith)
    done = langsmith.run(AEVALUATE)
    assert done["rows"] == 4
    (run,) = _runs(tenant)
    assert run["summary"]["experiment"]["name"] == done["experiment"]
    assert run["summary"]["items"] == 4
    # Booleans are pass/fail verdicts: one of four answers is right.
    assert run["summary"]["evaluators"]["accuracy"]["pass_rate"] == 0.25


@pytest.mark.django_db(transaction=True)
def test_create_feedback_on_a_traced_run_is_a_score_on_its_span(
    langsmith: LangSmithClient, tenant: Tenant
) -> None:
    import uuid

    ids = langsmith.run(FEEDBACK)
    trace_id = trace_id_of(uuid.UUID(ids["trace"]))
    span_id = span_id_of(uuid.UUID(ids["run"]))
    scores = tenant.client().get("/api/v1/scores", {"trace_id": trace_id}).json()
    rows = scores["items"] if isinstance(scores, dict) else scores
    by_name = {row["name"]: row for row in rows}
    assert by_name["helpfulness"]["value"] == 0.8
    assert by_name["helpfulness"]["span_id"] == span_id
    assert by_name["helpfulness"]["comment"] == "clear"
    assert by_name["tone"]["string_value"] == "friendly"
    assert by_name["tone"]["span_id"] == span_id
    # Read back as feedback: the run named by the reader, the trace its root run.
    assert [tuple(f) for f in ids["listed"]] == [
        (ids["run"], "helpfulness", 0.8, None),
        (ids["run"], "tone", None, "friendly"),
    ]
    assert ids["read"] == ["tone", "friendly", ids["trace"]]
