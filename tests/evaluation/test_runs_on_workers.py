"""Runs end to end: the API starts them, a real Celery worker process runs them against the
local OpenAI-compatible server over HTTP, the results land in the database."""

from __future__ import annotations

import time

import pytest

from llmops.evaluation.models import Run, RunResult, RunStatus
from llmops.lineage.models import EdgeKind, LineageEdge, NodeKind
from llmops.tracing.models import Span
from tests.conftest import wait_for
from tests.evaluation.conftest import BAD_TEMPLATE, QUESTIONS, Setup, Workers, ok, wait_run

pytestmark = pytest.mark.worker


def test_a_suite_runs_on_a_worker_with_a_target_and_a_judge(setup: Setup, workers: Workers) -> None:
    setup.standard()
    setup.suite()
    workers.start()
    started = ok(
        setup.client.post(
            "/api/v1/runs", {"suite": "faq-gate", "label": "production"}, format="json"
        ),
        202,
    )
    assert started["status"] in ("queued", "running")
    assert started["prompt_version"] == {"prompt": "support/answer", "version": 1}
    run = wait_run(started["id"])
    assert run.status == RunStatus.PASSED, run.error

    detail = ok(setup.client.get(f"/api/v1/runs/{run.pk}"), 200)
    assert detail["progress"] == {"done": 5, "total": 5}
    assert detail["summary"]["evaluators"]["correct"]["pass_rate"] == 1.0
    assert detail["summary"]["evaluators"]["correct"]["mean"] == 1.0
    assert detail["summary"]["evaluators"]["mentions"]["pass_rate"] == 1.0
    assert detail["thresholds"][0]["passed"] is True
    assert detail["thresholds"][0]["actual"] == 1.0

    results = ok(setup.client.get(f"/api/v1/runs/{run.pk}/results"), 200)["items"]
    assert sorted(r["output"] for r in results) == sorted(f"Answer: {q}" for q in QUESTIONS)
    for result in results:
        assert result["verdicts"]["correct"]["label"] == "5"
        assert result["verdicts"]["correct"]["passed"] is True
        assert result["verdicts"]["mentions"]["passed"] is True
        assert result["total_tokens"] > 0

    # One target call and one judge call per item, over HTTP.
    assert setup.llm.requests == 10
    # Each item's two calls are in a trace of its own, which its result names.
    traces = {r["trace_id"] for r in results}
    assert len(traces) == 5
    assert "" not in traces
    item_spans = Span.objects.filter(project=setup.tenant.project, trace_id__in=traces)
    assert wait_for(lambda: item_spans.exclude(model_requested="").count() == 10, 10)
    assert set(item_spans.values_list("model_requested", flat=True)) == {
        "",  # the item's own span, parent of the two calls
        "local-model",
        "local-judge",
    }
    # The judge's calls are traced into the project with their token usage.
    judge_spans = Span.objects.filter(project=setup.tenant.project, model_requested="local-judge")
    assert wait_for(lambda: judge_spans.count() == 5, 10)
    assert all(span.total_tokens > 0 for span in judge_spans)
    # The run is in the lineage graph: it evaluated the version and used the dataset version.
    kinds = set(
        LineageEdge.objects.filter(
            target__kind=NodeKind.EVAL_RUN, target__ref=str(run.pk)
        ).values_list("source__kind", "kind")
    )
    assert (NodeKind.PROMPT_VERSION, EdgeKind.EVALUATED) in kinds
    assert (NodeKind.DATASET_VERSION, EdgeKind.USED) in kinds
    assert (NodeKind.PROMPT_VERSION, EdgeKind.USED) in kinds  # the judge's rubric


def test_an_item_that_errors_is_recorded_and_the_run_goes_on(
    setup: Setup, workers: Workers
) -> None:
    setup.dataset(questions=[*QUESTIONS[:4], "JUDGE_OUT_OF_FORMAT please"])
    setup.connection()
    setup.prompt("support/answer", "{{question}}", ["production"])
    setup.prompt("judges/correct", "<output>{{output}}</output><expected>{{expected}}</expected>")
    setup.suite()
    workers.start()
    started = ok(setup.client.post("/api/v1/runs", {"suite": "faq-gate"}, format="json"), 202)
    run = wait_run(started["id"])
    assert run.status == RunStatus.PASSED  # 4 of 5 pass: the 0.8 pass rate holds
    correct = run.summary["evaluators"]["correct"]
    assert correct["errored"] == 1
    assert correct["count"] == 5
    assert correct["pass_rate"] == 0.8
    failed = ok(setup.client.get(f"/api/v1/runs/{run.pk}/results", {"failed": "true"}), 200)
    [item] = failed["items"]
    assert "did not answer with a JSON object" in item["verdicts"]["correct"]["error"]
    assert item["verdicts"]["mentions"]["passed"] is True


def test_outputs_from_the_client_are_evaluated(setup: Setup, workers: Workers) -> None:
    setup.dataset()
    setup.connection()
    setup.prompt("judges/correct", "<output>{{output}}</output><expected>{{expected}}</expected>")
    setup.suite(
        name="offline",
        target={"type": "outputs"},
        thresholds=[{"evaluator": "mentions", "min_mean": 0.5}],
    )
    workers.start()
    outputs = [
        {"key": "q0", "output": "our refund policy is generous", "latency_ms": 120},
        {"key": "q1", "output": "we never close", "latency_ms": 80},
        {"key": "q2", "output": "shipping cost is 5 EUR"},
        {"key": "q3", "output": "the return window is 30 days"},
    ]
    started = ok(
        setup.client.post(
            "/api/v1/runs", {"suite": "offline", "outputs": outputs, "trigger": "ci"}, format="json"
        ),
        202,
    )
    run = wait_run(started["id"])
    assert run.status == RunStatus.PASSED
    assert run.trigger == "ci"
    mentions = run.summary["evaluators"]["mentions"]
    assert mentions["mean"] == 0.75  # q1 misses; q4 has no output and errs
    assert mentions["errored"] == 1
    missing = RunResult.objects.get(run=run, item_key="q4")
    assert missing.error == "no output was supplied for this item"
    assert setup.llm.requests == 4  # judge calls only: the client produced the outputs

    bad = setup.client.post(
        "/api/v1/runs",
        {"suite": "offline", "outputs": [{"key": "nope", "output": "x"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert list(bad.json()["fields"]) == ["outputs[0].key"]


def test_two_runs_compare_item_by_item_with_regressions_first(
    setup: Setup, workers: Workers
) -> None:
    setup.standard()
    bad = setup.version("support/answer", BAD_TEMPLATE)
    # One item the bad version still gets right: it must sort after the regressions.
    ok(
        setup.client.post(
            "/api/v1/datasets/faq/items",
            {
                "items": [
                    {"key": "cannot", "input": {"question": "help"}, "expected": "cannot help"}
                ]
            },
            format="json",
        )
    )
    setup.suite()
    workers.start()
    first = ok(
        setup.client.post("/api/v1/runs", {"suite": "faq-gate", "version": 1}, format="json"), 202
    )
    second = ok(
        setup.client.post("/api/v1/runs", {"suite": "faq-gate", "version": bad}, format="json"), 202
    )
    assert wait_run(first["id"]).status == RunStatus.PASSED
    assert wait_run(second["id"]).status == RunStatus.FAILED
    compared = ok(setup.client.get(f"/api/v1/runs/{first['id']}/compare/{second['id']}"), 200)
    assert compared["evaluators"] == ["mentions", "correct"]
    keys = [row["item_key"] for row in compared["items"]]
    assert set(keys[:5]) == {f"q{i}" for i in range(5)}
    for row in compared["items"][:5]:
        assert row["regression"] is True
        assert row["deltas"]["correct"] == -1.0
        assert row["base"]["output"].startswith("Answer: ")
        assert row["target"]["output"] == f"Answer: {BAD_TEMPLATE}"
    # v1 answers "Answer: help", which lacks "cannot help"; the bad version's answer has it.
    last = compared["items"][-1]
    assert last["item_key"] == "cannot"
    assert last["regression"] is False
    assert last["deltas"]["mentions"] == 1.0
    assert compared["summary"]["regressed_items"] == 5


def test_a_run_can_be_cancelled_and_stops(setup: Setup, workers: Workers) -> None:
    setup.llm.delay_ms = 300
    setup.dataset(questions=[f"question {i}" for i in range(40)])
    setup.connection(concurrency=2)
    setup.prompt("support/answer", "{{question}}", ["production"])
    setup.suite(evaluators=[{"type": "contains", "name": "mentions"}], thresholds=[])
    workers.start()
    started = ok(setup.client.post("/api/v1/runs", {"suite": "faq-gate"}, format="json"), 202)
    assert wait_for(lambda: RunResult.objects.filter(run_id=started["id"]).count() >= 2, 60)
    cancelled = ok(setup.client.post(f"/api/v1/runs/{started['id']}/cancel"), 200)
    assert cancelled["status"] == "cancelled"
    time.sleep(3)  # the lane notices at its next write and stops
    done = RunResult.objects.filter(run_id=started["id"]).count()
    time.sleep(2)
    assert RunResult.objects.filter(run_id=started["id"]).count() == done < 40
    assert Run.objects.get(pk=started["id"]).status == RunStatus.CANCELLED
    again = setup.client.post(f"/api/v1/runs/{started['id']}/cancel")
    assert again.status_code == 409


def test_a_killed_worker_loses_no_finished_item_and_counts_nothing_twice(
    setup: Setup, workers: Workers
) -> None:
    setup.llm.delay_ms = 100
    total = 60
    setup.dataset(questions=[f"question {i}" for i in range(total)])
    setup.connection(concurrency=2)
    setup.prompt("support/answer", "{{question}}", ["production"])
    setup.suite(
        evaluators=[{"type": "contains", "name": "mentions"}],
        thresholds=[{"evaluator": "mentions", "min_pass_rate": 1.0}],
    )
    first = workers.start(LLMOPS_EVAL_STALL_SECONDS="3")
    started = ok(setup.client.post("/api/v1/runs", {"suite": "faq-gate"}, format="json"), 202)
    results = RunResult.objects.filter(run_id=started["id"])
    assert wait_for(lambda: results.count() >= 10, 60)
    workers.kill(first)
    before = dict(results.values_list("item_id", "pk"))
    assert 10 <= len(before) < total

    workers.start(LLMOPS_EVAL_STALL_SECONDS="3")
    run = wait_run(started["id"], 120)
    assert run.status == RunStatus.PASSED, run.error
    after = dict(results.values_list("item_id", "pk"))
    assert len(after) == total
    # Every item stored before the kill is still there, as the very same row.
    assert all(after[item] == pk for item, pk in before.items())
    assert run.summary["evaluators"]["mentions"]["count"] == total
    assert run.summary["evaluators"]["mentions"]["pass_rate"] == 1.0
    assert run.lane_rows.filter(attempts__gte=1).exists()  # a lane was resumed
