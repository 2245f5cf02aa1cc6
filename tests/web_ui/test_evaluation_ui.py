"""The evaluation pages in real headless Chromium against a live server: compare two runs,
regressions first; create a dataset and import a file; start a run on real workers and watch it
finish; schedules with their last result; a suite made in the JSON editor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from llmops.celery import app as celery_app
from llmops.evaluation.domain import (
    ItemInput,
    dataset_create,
    items_change,
    run_start,
    schedule_create,
    suite_save,
)
from llmops.evaluation.models import (
    Dataset,
    DatasetItem,
    Run,
    RunResult,
    RunStatus,
    Schedule,
    Suite,
    Trigger,
)
from llmops.local_llm.server import LocalLLM
from llmops.tenancy.models import Role
from tests.conftest import MakeUser, Tenant
from tests.evaluation.conftest import (
    GOOD_TEMPLATE,
    JUDGE_RUBRIC,
    Setup,
    Workers,
    ok,
)
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
    # Pick the two runs in the list, the baseline first.
    page.goto(f"{live_server.url}/evaluations")
    expect(page.locator("table.runs tbody tr")).to_have_count(2)
    compare = page.get_by_role("button", name="Compare selected")
    expect(compare).to_be_disabled()
    page.get_by_label(f"Pick run {runs['before'].pk}").check()
    page.get_by_label(f"Pick run {runs['after'].pk}").check()
    compare.click()
    expect(page).to_have_url(
        f"{live_server.url}/evaluations/compare/{runs['before'].pk}/{runs['after'].pk}"
    )
    rows = page.locator("table.compare tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("broke")
    expect(rows.first).to_contain_text("regression")
    expect(rows.first).to_contain_text("ask support")
    expect(rows.first).to_contain_text("within 30 days")
    expect(rows.nth(1)).to_contain_text("kept")
    expect(page.get_by_text("regressed of 2 items")).to_be_visible()


# --- datasets, runs on workers, schedules ------------------------------------------------------


@pytest.fixture
def llm() -> Iterator[LocalLLM]:
    # Every chat answer waits, so a run lasts long enough for its progress to be watched.
    with LocalLLM(delay_ms=600) as server:
        yield server


@pytest.fixture
def workers(transactional_db: None, tmp_path: Path) -> Iterator[Workers]:
    celery_app.control.purge()
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


def test_create_a_dataset_and_import_a_jsonl_file(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page, tmp_path: Path
) -> None:
    make_user("dora", tenant.organization, Role.MEMBER)
    upload = tmp_path / "faq.jsonl"
    upload.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {"key": "hours", "input": {"question": "opening hours"}, "expected": "9 to 5"},
                {"key": "refund", "input": {"question": "refund policy"}, "expected": "30 days"},
                {"input": {"question": "gift cards"}, "expected": "yes"},
            ]
        )
    )
    sign_in(page, live_server, "dora")
    expect(page.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/evaluations/datasets")
    expect(page.get_by_text("No datasets yet")).to_be_visible()
    page.get_by_label("Dataset name").fill("support-faq")
    page.get_by_label("Description").fill("questions customers ask")
    page.get_by_role("button", name="Create dataset").click()

    expect(page.get_by_role("heading", name="support-faq", exact=True)).to_be_visible()
    expect(page.get_by_text("No items yet")).to_be_visible()
    page.get_by_label("Import file (JSONL or CSV)").set_input_files(str(upload))
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("version 1 has 3 items")
    rows = page.locator("table.items tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("table.items")).to_contain_text("refund policy")
    expect(page.locator("table.items")).to_contain_text("30 days")
    versions = page.get_by_role("complementary")
    expect(versions).to_contain_text("v1")
    expect(versions).to_contain_text("import (jsonl)")

    # Deleting an item makes version 2; version 1 still shows all three.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete item hours").click()
    expect(page.get_by_role("status")).to_contain_text("version 2 has 2 items")
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="v1 · 3 items").click()
    expect(rows).to_have_count(3)
    expect(page.locator("table.items")).to_contain_text("opening hours")

    # Editing an item replaces it by key in a new version.
    page.get_by_role("button", name="Show the latest").click()
    page.get_by_role("button", name="Edit item refund").click()
    page.get_by_label("Expected (JSON, optional)").fill('"within 30 days"')
    page.get_by_role("button", name="Save item").click()
    expect(page.get_by_role("status")).to_contain_text("version 3 has 2 items")
    expect(rows.filter(has_text="refund")).to_contain_text("within 30 days")

    dataset = Dataset.objects.get(project=tenant.project, name="support-faq")
    assert dataset.description == "questions customers ask"
    assert dataset.latest_version == 3
    assert dict(dataset.versions.values_list("number", "item_count")) == {1: 3, 2: 2, 3: 2}
    refund = DatasetItem.objects.get(dataset=dataset, key="refund", removed_in__isnull=True)
    assert refund.expected == "within 30 days"
    assert refund.added_in == 3


@pytest.mark.worker
def test_run_now_shows_live_progress_summary_and_failed_items(
    live_server: Any,
    tenant: Tenant,
    make_user: MakeUser,
    page: Page,
    llm: LocalLLM,
    workers: Workers,
) -> None:
    make_user("erin", tenant.organization, Role.MEMBER)
    setup = Setup(tenant.client("admin"), tenant, llm)
    # The last item expects a word the answer never contains: it fails both evaluators.
    setup.dataset()
    ok(
        setup.client.post(
            "/api/v1/datasets/faq/items",
            {"items": [{"key": "q5", "input": {"question": "teleport"}, "expected": "warp"}]},
            format="json",
        )
    )
    setup.connection()
    setup.prompt("support/answer", GOOD_TEMPLATE, ["production"])
    setup.prompt("judges/correct", JUDGE_RUBRIC)
    setup.suite(thresholds=[{"evaluator": "mentions", "min_pass_rate": 1.0}])
    workers.start()

    sign_in(page, live_server, "erin")
    expect(page.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/evaluations/suites/faq-gate")
    page.get_by_label("Prompt version to run").select_option("label:production")
    page.get_by_role("button", name="Run now").click()

    expect(page.get_by_role("heading", name="Run of faq-gate")).to_be_visible()
    bar = page.get_by_role("progressbar", name="Items done")
    expect(bar).to_have_attribute("aria-valuemax", "6")
    # Record every value the bar shows while the page polls the running run.
    page.evaluate(
        """() => {
            window.__seen = [];
            const bar = document.querySelector('[role=progressbar]');
            window.__seen.push(bar.getAttribute('aria-valuenow'));
            new MutationObserver(() => window.__seen.push(bar.getAttribute('aria-valuenow')))
                .observe(bar, {attributes: true, attributeFilter: ['aria-valuenow']});
        }"""
    )
    expect(page.get_by_text("6 / 6 items done")).to_be_visible(timeout=90_000)
    expect(page.locator(".run-progress .run-status")).to_have_text("failed")
    seen = [int(v) for v in page.evaluate("window.__seen")]
    # The page showed the run unfinished first, then only ever more items done.
    assert seen[0] < 6, seen
    assert seen == sorted(seen)
    assert seen[-1] == 6
    expect(page.get_by_role("button", name="Cancel run")).to_have_count(0)
    lanes = page.get_by_role("list", name="Lanes")
    expect(lanes).to_contain_text("Lane 1: done, 3 items")
    expect(lanes).to_contain_text("Lane 2: done, 3 items")

    summary = page.locator("table.summary")
    mentions = summary.locator("tr", has_text="mentions")
    expect(mentions).to_contain_text("83.3%")
    expect(mentions).to_contain_text("failed")
    expect(summary.locator("tr", has_text="correct")).to_contain_text("83.3%")
    expect(page.get_by_text("Failed: at least one threshold does not hold.")).to_be_visible()

    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.filter(has_text="Answer: refund policy")).to_contain_text("pass")
    page.get_by_label("Failed only").check()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("q5")
    expect(rows.first).to_contain_text("warp")
    expect(rows.first).to_contain_text("Answer: teleport")
    expect(rows.first).to_contain_text("fail")
    # The item's calls to the prompt's model and the judge are in its trace.
    rows.first.get_by_role("link", name="Trace of item q5").click()
    expect(page.get_by_text("evaluation item q5").first).to_be_visible()
    expect(page.get_by_text("local-judge").first).to_be_visible()

    [run] = Run.objects.filter(project=tenant.project)
    assert run.status == RunStatus.FAILED
    assert run.created_by == "erin"
    failed = RunResult.objects.get(run=run, item_key="q5")
    assert page.url.endswith(f"/traces/{failed.trace_id}")


def test_schedules_list_their_last_result(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("finn", tenant.organization, Role.MEMBER)
    with LocalLLM() as server:
        setup = Setup(tenant.client("admin"), tenant, server)
        setup.dataset()
        setup.connection()
        setup.prompt("support/answer", GOOD_TEMPLATE, ["production"])
        setup.prompt("judges/correct", JUDGE_RUBRIC)
        setup.suite()
    nightly = schedule_create(
        project=tenant.project,
        suite_name="faq-gate",
        label="production",
        cron="0 3 * * *",
        every_seconds=None,
    )
    suite = Suite.objects.get(project=tenant.project, name="faq-gate")
    last = Run.objects.create(
        project=tenant.project,
        suite=suite,
        dataset_version=1,
        status=RunStatus.FAILED,
        trigger=Trigger.SCHEDULE,
        schedule=nightly,
        total_items=5,
        finished_at=timezone.now(),
    )
    Schedule.objects.filter(pk=nightly.pk).update(last_run=last)

    sign_in(page, live_server, "finn")
    expect(page.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/evaluations/schedules")
    rows = page.locator("table.schedules tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("faq-gate")
    expect(rows.first).to_contain_text("cron 0 3 * * *")
    expect(rows.first.get_by_role("link", name="Last run: failed")).to_be_visible()

    # A second schedule made in the page: every hour, not run yet.
    page.get_by_label("Suite").select_option("faq-gate")
    page.get_by_label("Label").fill("staging")
    page.get_by_label("When").select_option("interval")
    page.get_by_label("Every (seconds)").fill("3600")
    page.get_by_role("button", name="Create schedule").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("every 1 h")
    expect(rows.nth(1)).to_contain_text("not run yet")
    assert Schedule.objects.filter(
        project=tenant.project, label="staging", every_seconds=3600
    ).exists()

    rows.first.get_by_role("link", name="Last run: failed").click()
    expect(page.get_by_role("heading", name="Run of faq-gate")).to_be_visible()
    expect(page.locator(".run-progress .run-status")).to_have_text("failed")


def test_create_a_suite_in_the_json_editor_with_field_errors(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("gus", tenant.organization, Role.MEMBER)
    with LocalLLM() as server:
        setup = Setup(tenant.client("admin"), tenant, server)
        setup.dataset()
        setup.connection()
        setup.prompt("support/answer", GOOD_TEMPLATE, ["production"])
    sign_in(page, live_server, "gus")
    expect(page.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/evaluations/suites")
    expect(page.get_by_text("No suites yet")).to_be_visible()
    page.get_by_role("button", name="New suite").click()
    page.get_by_label("Suite name").fill("smoke")
    page.get_by_label("Dataset").select_option("faq")
    target = page.get_by_label("Target (JSON)")
    target.fill(
        '{"type": "prompt", "prompt": "support/answer", "connection": "nowhere", "model": "m"}'
    )
    evaluators = page.get_by_label("Evaluators (JSON)")
    thresholds = page.get_by_label("Thresholds (JSON)")

    # Caught in the browser: a threshold naming no evaluator of the suite.
    evaluators.fill('[{"type": "contains", "name": "mentions"}]')
    thresholds.fill('[{"evaluator": "relevance", "min_mean": 0.5}]')
    page.get_by_role("button", name="Create suite").click()
    expect(thresholds).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("names no evaluator of the suite (mentions)")).to_be_visible()

    # Caught by the server: the connection does not exist; the message sits by the target.
    thresholds.fill('[{"evaluator": "mentions", "min_pass_rate": 0.8}]')
    page.get_by_role("button", name="Create suite").click()
    expect(target).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".json-field .field-error")).to_contain_text(
        "target.connection: no provider connection named 'nowhere'"
    )
    assert not Suite.objects.filter(project=tenant.project).exists()

    target.fill(
        '{"type": "prompt", "prompt": "support/answer", "connection": "local", "model": "m"}'
    )
    page.get_by_role("button", name="Create suite").click()
    expect(page.get_by_role("heading", name="smoke", exact=True)).to_be_visible()
    expect(page.get_by_text("prompt support/answer · m via local")).to_be_visible()
    expect(page.get_by_label("Prompt version to run")).to_contain_text("label production (v1)")
    suite = Suite.objects.get(project=tenant.project, name="smoke")
    assert suite.thresholds == [{"evaluator": "mentions", "min_pass_rate": 0.8}]
    assert suite.dataset.name == "faq"
