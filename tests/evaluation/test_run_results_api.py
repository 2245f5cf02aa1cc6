"""A run's detail and its per-item results, filtered to failed (or passed) items, page by page."""

from __future__ import annotations

import pytest

from llmops.evaluation.domain import ItemInput, dataset_create, items_change, run_start, suite_save
from llmops.evaluation.models import DatasetItem, RunLane, RunResult, Trigger
from tests.conftest import Tenant
from tests.evaluation.conftest import ok

pytestmark = pytest.mark.django_db


def _run_with_results(tenant: Tenant, failing: set[int], count: int) -> str:
    dataset = dataset_create(project=tenant.project, name="faq")
    items_change(
        dataset=dataset,
        upsert=[ItemInput(key=f"k{i:02d}", input={"q": i}, expected="x") for i in range(count)],
    )
    suite, _ = suite_save(
        project=tenant.project,
        name="offline",
        dataset_name="faq",
        target={"type": "outputs"},
        evaluators=[{"type": "contains", "name": "mentions"}],
        thresholds=[],
        baseline_label="production",
    )
    run = run_start(
        suite=suite,
        prompt_version=None,
        trigger=Trigger.CI,
        created_by="ci",
        outputs=[{"key": f"k{i:02d}", "output": "x"} for i in range(count)],
    )
    for item in DatasetItem.objects.filter(dataset=dataset).order_by("key"):
        index = int(item.key[1:])
        passed = index not in failing
        RunResult.objects.create(
            run=run,
            item=item,
            item_key=item.key,
            output="x" if passed else "y",
            verdicts={"mentions": {"score": float(passed), "passed": passed}},
        )
    return str(run.pk)


def test_failed_only_fills_pages_across_passing_items(tenant: Tenant) -> None:
    # Failures are sparse and far apart: a page of 2 must still hold 2 failed items, and the
    # cursor must lead to the next failures without repeating or skipping one.
    run_id = _run_with_results(tenant, failing={3, 11, 12, 25, 29}, count=30)
    client = tenant.client()
    seen: list[str] = []
    query: dict[str, str] = {"failed": "true", "limit": "2"}
    pages = 0
    while True:
        page = ok(client.get(f"/api/v1/runs/{run_id}/results", query), 200)
        pages += 1
        seen += [item["item_key"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        query["cursor"] = page["next_cursor"]
    assert seen == ["k03", "k11", "k12", "k25", "k29"]
    assert pages == 3

    passed = ok(
        client.get(f"/api/v1/runs/{run_id}/results", {"failed": "false", "limit": "3"}), 200
    )
    assert [item["item_key"] for item in passed["items"]] == ["k00", "k01", "k02"]
    everything = ok(client.get(f"/api/v1/runs/{run_id}/results", {"limit": "100"}), 200)
    assert len(everything["items"]) == 30
    assert everything["next_cursor"] is None


def test_a_run_shows_its_lanes_and_their_share_of_items(tenant: Tenant) -> None:
    run_id = _run_with_results(tenant, failing=set(), count=5)
    RunLane.objects.filter(run_id=run_id, lane=1).update(done=True, attempts=2)
    detail = ok(tenant.client().get(f"/api/v1/runs/{run_id}"), 200)
    assert detail["progress"] == {"done": 5, "total": 5}
    lanes = [
        {k: lane[k] for k in ("lane", "items", "done", "attempts")} for lane in detail["lanes"]
    ]
    assert lanes == [
        {"lane": 0, "items": 3, "done": False, "attempts": 0},
        {"lane": 1, "items": 2, "done": True, "attempts": 2},
    ]
    # The list stays lean: lanes are on the detail only.
    listed = ok(tenant.client().get("/api/v1/runs"), 200)["items"][0]
    assert "lanes" not in listed
