"""The evaluation pages in real headless Chromium against a live server: compare two runs,
regressions first."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from llmops.evaluation.datasets import ItemInput, dataset_create, items_change
from llmops.evaluation.execution import run_start
from llmops.evaluation.models import DatasetItem, Run, RunResult, RunStatus, Trigger
from llmops.evaluation.suites import suite_save
from llmops.tenancy.models import Role
from tests.conftest import MakeUser, Tenant
from tests.web_ui.conftest import sign_in


def test_compare_two_evaluation_runs_with_regressions_first(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("carol", tenant.organization, Role.VIEWER)
    dataset = dataset_create(project=tenant.project, name="faq")
    items_change(
        dataset=dataset,
        upsert=[
            ItemInput(key="kept", input={"q": "hours"}, expected="9 to 5"),
            ItemInput(key="broke", input={"q": "refunds"}, expected="30 days"),
        ],
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
    outputs = {
        "before": {"kept": "9 to 5", "broke": "within 30 days"},
        "after": {"kept": "9 to 5", "broke": "ask support"},
    }
    runs = {}
    for name, answers in outputs.items():
        run = run_start(
            suite=suite,
            prompt_version=None,
            trigger=Trigger.CI,
            created_by="ci",
            outputs=[{"key": k, "output": v} for k, v in answers.items()],
        )
        for item in DatasetItem.objects.filter(dataset=dataset):
            passed = str(item.expected) in answers[item.key]
            RunResult.objects.create(
                run=run,
                item=item,
                item_key=item.key,
                output=answers[item.key],
                verdicts={"mentions": {"score": 1.0 if passed else 0.0, "passed": passed}},
            )
        Run.objects.filter(pk=run.pk).update(status=RunStatus.PASSED)
        runs[name] = run
    sign_in(page, live_server, "carol")
    expect(page.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/evaluations/compare/{runs['before'].pk}/{runs['after'].pk}")
    rows = page.locator("table.compare tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("broke")
    expect(rows.first).to_contain_text("regression")
    expect(rows.first).to_contain_text("ask support")
    expect(rows.nth(1)).to_contain_text("kept")
    expect(page.get_by_text("regressed of 2 items")).to_be_visible()
