"""The web UI in a real headless Chromium (Debian's /usr/bin/chromium through Playwright)
against a live server with real data: sign in, edit a prompt twice, diff versions 1 and 3."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect, sync_playwright

from llmops.evaluation.datasets import ItemInput, dataset_create, items_change
from llmops.evaluation.execution import run_start
from llmops.evaluation.models import DatasetItem, Run, RunResult, RunStatus, Trigger
from llmops.evaluation.suites import suite_save
from llmops.prompts.domain import prompt_create
from llmops.prompts.models import PromptVersion
from llmops.tenancy.models import Role
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans
from tests.conftest import MakeUser, Tenant
from tests.tracing import otlp_payloads as p

CHROMIUM = os.environ.get("LLMOPS_CHROMIUM", "/usr/bin/chromium")
# A loaded CI machine renders more slowly than a laptop; waits are generous, not fixed sleeps.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM), (
        f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)"
    )
    assert (settings.WEB_UI_DIST / "index.html").is_file(), (
        "the web UI is not built: cd frontend && npm ci && npm run build (bin/test does it)"
    )
    # Playwright's sync API keeps an event loop in this thread, which makes Django refuse ORM
    # calls from the test itself; the test's own queries are synchronous and safe.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def _sign_in(page: Page, live_server: Any, username: str) -> None:
    page.goto(live_server.url + "/prompts")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()


def _save_version(page: Page, template: str, message: str) -> None:
    page.get_by_role("button", name="New version").click()
    page.get_by_label("Template").fill(template)
    page.get_by_label("Commit message").fill(message)
    page.get_by_role("button", name="Save new version").click()


def test_sign_in_edit_a_prompt_twice_and_diff_versions_1_and_3(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("alice", tenant.organization, Role.MEMBER)
    prompt, _ = prompt_create(
        project=tenant.project,
        name="support/answer",
        prompt_type="text",
        template="Hello {{name}}.\nHow can I help?",
        labels=["production"],
    )
    page.goto(live_server.url + "/prompts")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()

    _sign_in(page, live_server, "alice")
    expect(page.get_by_role("heading", name="Prompts")).to_be_visible()
    page.get_by_role("link", name="support/answer").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Version 1\b"))).to_be_visible()

    _save_version(page, "Hello {{name}}.\nHow can I help you today?", "friendlier")
    expect(page.get_by_role("heading", name=re.compile(r"^Version 2\b"))).to_be_visible()
    page.get_by_role("button", name="Close editor").click()
    _save_version(page, "Hi {{name}}!\nHow can I help you today?\nAsk about {{topic}}.", "topic")
    expect(page.get_by_role("heading", name=re.compile(r"^Version 3\b"))).to_be_visible()
    assert list(
        PromptVersion.objects.filter(prompt=prompt)
        .order_by("number")
        .values_list("commit_message", flat=True)
    ) == ["", "friendlier", "topic"]

    page.get_by_label("Base").select_option("1")
    page.get_by_label("Target").select_option("3")
    page.get_by_role("button", name="Show diff").click()
    removed = page.locator("tr[data-op='removed']")
    added = page.locator("tr[data-op='added']")
    expect(removed.filter(has_text="Hello {{name}}.")).to_have_count(1)
    expect(added.filter(has_text="Ask about {{topic}}.")).to_have_count(1)


def test_open_a_trace_and_inspect_an_llm_spans_messages_and_cost(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("bob", tenant.organization, Role.VIEWER)
    trace_id = "5" * 32
    raw, _ = iter_spans(
        p.request(
            [
                p.span(
                    trace_id=trace_id,
                    span_id="1" * 16,
                    name="support-agent",
                    duration_ns=900_000_000,
                    attributes={"user.id": "customer-42"},
                ),
                p.span(
                    trace_id=trace_id,
                    span_id="2" * 16,
                    parent="1" * 16,
                    name="chat gpt-4o-mini",
                    duration_ns=700_000_000,
                    attributes={
                        "gen_ai.operation.name": "chat",
                        "gen_ai.system": "openai",
                        "gen_ai.request.model": "gpt-4o-mini",
                        "gen_ai.usage.input_tokens": 1000,
                        "gen_ai.usage.output_tokens": 500,
                        "llm.input_messages.0.message.role": "user",
                        "llm.input_messages.0.message.content": "Where is my parcel?",
                        "llm.output_messages.0.message.role": "assistant",
                        "llm.output_messages.0.message.content": "It ships tomorrow.",
                    },
                ),
            ]
        )
    )
    spans_ingest(project=tenant.project, raw_spans=raw)
    _sign_in(page, live_server, "bob")
    page.get_by_role("link", name="Traces").click()
    page.get_by_role("link", name="support-agent").click()
    expect(page.get_by_role("heading", name="support-agent", level=1)).to_be_visible()
    page.get_by_role("button", name="chat gpt-4o-mini").click()
    span = page.get_by_role("region", name="Span chat gpt-4o-mini")
    conversation = span.get_by_role("list", name="Conversation").first
    expect(conversation).to_contain_text("Where is my parcel?")
    expect(span).to_contain_text("It ships tomorrow.")
    # gpt-4o-mini: 1000 input tokens at $0.15/M and 500 output at $0.60/M.
    expect(span).to_contain_text("$0.00045")


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
    _sign_in(page, live_server, "carol")
    expect(page.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/evaluations/compare/{runs['before'].pk}/{runs['after'].pk}")
    rows = page.locator("table.compare tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("broke")
    expect(rows.first).to_contain_text("regression")
    expect(rows.first).to_contain_text("ask support")
    expect(rows.nth(1)).to_contain_text("kept")
    expect(page.get_by_text("regressed of 2 items")).to_be_visible()
