"""The prompts pages in real headless Chromium against a live server: create a prompt in the
UI, edit it twice and diff versions 1 and 3; promote onto a protected label through the release
gate on real workers (refused, then passed); run a version in the playground against the local
OpenAI-compatible server and follow the trace it stored."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from llmops.local_llm.server import LocalLLM
from llmops.prompts.domain import prompt_create
from llmops.prompts.models import LabelMove, Prompt, PromptLabel, PromptVersion
from llmops.tenancy.models import Role
from llmops.tracing.models import Span, Trace
from tests.conftest import MakeUser, Tenant
from tests.evaluation.conftest import BAD_TEMPLATE, GOOD_TEMPLATE, Setup, Workers, llm, ok, workers
from tests.web_ui.conftest import sign_in

__all__ = ["llm", "workers"]

# A gate run makes real calls on a worker; generous, since the machine may be busy.
GATE_TIMEOUT_MS = 120_000


def _version_heading(page: Page, number: int) -> Any:
    return page.get_by_role("heading", name=re.compile(rf"^Version {number}\b"))


def _open_prompt(page: Page, live_server: Any, name: str) -> None:
    sign_in(page, live_server, "alice")
    expect(page.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/prompts/{name}")


def _save_version(page: Page, template: str, message: str) -> None:
    page.get_by_role("button", name="New version").click()
    page.get_by_label("Template", exact=True).fill(template)
    page.get_by_label("Commit message").fill(message)
    page.get_by_role("button", name="Save new version").click()


def test_create_a_prompt_in_the_ui_edit_it_twice_and_diff_versions_1_and_3(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("alice", tenant.organization, Role.MEMBER)
    page.goto(live_server.url + "/prompts")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()

    sign_in(page, live_server, "alice")
    expect(page.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()
    expect(page.get_by_text("No prompts in this project yet")).to_be_visible()
    page.get_by_role("button", name="New prompt").click()
    page.get_by_label("Name", exact=True).fill("support/answer")
    page.get_by_label("Tags").fill("support")
    page.get_by_label("Labels").fill("production")
    page.get_by_label("Template", exact=True).fill("Hello {{name}}.\nHow can I help?")
    expect(page.get_by_role("list", name="Variables")).to_have_text("name")
    config = page.get_by_label("Config (JSON object)")
    config.fill('{"model": 5}')
    expect(page.get_by_text('"model" must be a non-empty string')).to_be_visible()
    expect(page.get_by_role("button", name="Create prompt")).to_be_disabled()
    config.fill('{"model": "local-model", "parameters": {"temperature": 0.2}}')
    page.get_by_label("Commit message").fill("first")
    page.get_by_role("button", name="Create prompt").click()

    expect(page).to_have_url(re.compile(r"/prompts/support/answer$"))
    expect(_version_heading(page, 1)).to_be_visible()
    prompt = Prompt.objects.get(project=tenant.project, name="support/answer")
    assert (prompt.type, prompt.tags) == ("text", ["support"])
    first = PromptVersion.objects.get(prompt=prompt, number=1)
    assert first.config == {"model": "local-model", "parameters": {"temperature": 0.2}}
    assert PromptLabel.objects.get(prompt=prompt, name="production").version == first

    _save_version(page, "Hello {{name}}.\nHow can I help you today?", "friendlier")
    expect(_version_heading(page, 2)).to_be_visible()
    page.get_by_role("button", name="Close editor").click()
    _save_version(page, "Hi {{name}}!\nHow can I help you today?\nAsk about {{topic}}.", "topic")
    expect(_version_heading(page, 3)).to_be_visible()
    versions = PromptVersion.objects.filter(prompt=prompt).order_by("number")
    assert [v.commit_message for v in versions] == ["first", "friendlier", "topic"]
    # The editor starts from the newest version's config, so saving keeps it.
    assert all(v.config == first.config for v in versions)

    page.get_by_label("Base").select_option("1")
    page.get_by_label("Target").select_option("3")
    page.get_by_role("button", name="Show diff").click()
    removed = page.locator("[data-op='removed']")
    added = page.locator("[data-op='added']")
    expect(removed.filter(has_text="Hello {{name}}.")).to_have_count(1)
    expect(added.filter(has_text="Ask about {{topic}}.")).to_have_count(1)

    # The list groups the name under its folder.
    page.get_by_role("link", name="Prompts").first.click()
    page.get_by_role("button", name="support/").click()
    expect(page).to_have_url(re.compile(r"folder=support"))
    expect(page.get_by_role("link", name="support/answer")).to_be_visible()


def test_edit_a_chat_prompt_with_the_keyboard_and_diff_its_messages_and_config(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    prompt, _ = prompt_create(
        project=tenant.project,
        name="bot/chat",
        prompt_type="chat",
        template=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi {{name}}"},
        ],
        config={"model": "m1"},
    )
    make_user("alice", tenant.organization, Role.MEMBER)
    _open_prompt(page, live_server, "bot/chat")
    expect(_version_heading(page, 1)).to_be_visible()
    page.get_by_role("button", name="New version").click()
    page.get_by_label("Content of message 2").fill("Hello {{name}}\nHow are you?")
    page.get_by_role("button", name="Add placeholder").click()
    expect(page.get_by_label("Placeholder name of message 3")).to_be_focused()
    page.get_by_label("Placeholder name of message 3").fill("history")
    move = page.get_by_role("button", name="Move message 3 up")
    move.focus()
    page.keyboard.press("Enter")
    # Focus follows the message to its new place, so pressing again keeps moving it.
    expect(page.get_by_role("button", name="Move message 2 up")).to_be_focused()
    expect(page.get_by_label("Placeholder name of message 2")).to_have_value("history")
    page.get_by_label("Config (JSON object)").fill('{"model": "m2", "tools": []}')
    page.get_by_label("Commit message").fill("history and a greeting")
    page.get_by_role("button", name="Save new version").click()
    expect(_version_heading(page, 2)).to_be_visible()
    saved = PromptVersion.objects.get(prompt=prompt, number=2)
    assert saved.template == [
        {"role": "system", "content": "Be brief."},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "Hello {{name}}\nHow are you?"},
    ]
    assert saved.config == {"model": "m2", "tools": []}

    page.get_by_label("Base").select_option("1")
    page.get_by_label("Target").select_option("2")
    page.get_by_role("button", name="Show diff").click()
    diff = page.get_by_role("region", name="Diff of version 1 and version 2")
    expect(diff.locator("li[data-op='added']")).to_contain_text("placeholder history")
    changed = diff.locator("li[data-op='changed']")
    expect(changed.locator("[data-op='removed']")).to_have_text("removed: Hi {{name}}")
    expect(changed.locator("[data-op='added']")).to_have_text(
        ["added: Hello {{name}}", "added: How are you?"]
    )
    config_rows = diff.locator("table.config-diff tbody tr")
    expect(config_rows.filter(has_text="model")).to_contain_text('"m1" → "m2"')
    expect(config_rows.filter(has_text="tools")).to_contain_text("added")


@pytest.mark.worker
def test_promoting_onto_a_protected_label_is_refused_by_the_gate_then_passes(
    live_server: Any,
    tenant: Tenant,
    make_user: MakeUser,
    page: Page,
    llm: LocalLLM,
    workers: Workers,
) -> None:
    setup = Setup(tenant.client("admin"), tenant, llm)
    setup.standard()
    bad = setup.version("support/answer", BAD_TEMPLATE)
    good = setup.version("support/answer", GOOD_TEMPLATE + " (v3)")
    setup.suite()
    ok(
        setup.client.put(
            "/api/v1/gates",
            {"prompt": "support/answer", "label": "production", "suites": ["faq-gate"]},
            format="json",
        ),
        200,
    )
    workers.start()
    make_user("alice", tenant.organization, Role.MEMBER)
    _open_prompt(page, live_server, "support/answer")
    labels = page.get_by_role("region", name="Labels", exact=True)
    expect(labels.get_by_text("gate: faq-gate")).to_be_visible()

    page.get_by_role("button", name=re.compile(rf"^v{bad}\b")).click()
    expect(_version_heading(page, bad)).to_be_visible()
    page.get_by_role("button", name=f"Promote v{bad}").click()
    page.get_by_label("Label", exact=True).fill("production")
    expect(page.get_by_text("is protected: promoting runs its release gate first")).to_be_visible()
    page.get_by_role("button", name="Promote", exact=True).click()
    refused = page.get_by_role("alert").filter(has_text="Gate refused")
    expect(refused).to_be_visible(timeout=GATE_TIMEOUT_MS)
    expect(refused).to_contain_text("production did not move (still v1)")
    failure = refused.get_by_role("region", name="Failed threshold 1")
    expect(failure.get_by_role("heading")).to_contain_text("pass rate of correct >= 0.8")
    expect(failure.locator("tbody tr")).to_have_count(5)
    expect(failure.locator("tbody tr").first).to_contain_text("q")
    attempts = labels.get_by_role("table", name="Recent promotions through a release gate")
    expect(attempts.locator("tbody tr")).to_have_count(1)
    expect(attempts.locator("tbody tr").first).to_contain_text(f"v{bad} → production")
    expect(attempts.locator("tbody tr").first).to_contain_text("refused")
    assert (
        PromptLabel.objects.get(prompt__name="support/answer", name="production").version.number
        == 1
    )

    page.get_by_role("button", name=re.compile(rf"^v{good}\b")).click()
    expect(_version_heading(page, good)).to_be_visible()
    # The promote panel stays open and now belongs to the selected version.
    expect(page.get_by_role("button", name=f"Promote v{good}")).to_have_attribute(
        "aria-expanded", "true"
    )
    page.get_by_label("Label", exact=True).fill("production")
    page.get_by_role("button", name="Promote", exact=True).click()
    expect(page.get_by_text(f"Gate passed: production moved to v{good}.")).to_be_visible(
        timeout=GATE_TIMEOUT_MS
    )
    label = PromptLabel.objects.get(prompt__name="support/answer", name="production")
    assert label.version.number == good
    assert (
        LabelMove.objects.filter(label="production").latest("moved_at").to_version == label.version
    )
    # The page reloads its labels: the table now has production on the good version, and its
    # history lists the gated move.
    expect(attempts.locator("tbody tr")).to_have_count(2)
    expect(attempts.locator("tbody tr").first).to_contain_text("passed")
    row = labels.get_by_role("table").first.get_by_role("row").filter(has_text="production")
    expect(row).to_contain_text(f"v{good}")
    row.get_by_role("button", name="History").click()
    expect(
        labels.get_by_role("list", name="History of production").get_by_role("listitem").first
    ).to_contain_text(f"v1 → v{good}")


def test_playground_runs_a_version_on_the_local_llm_and_links_its_trace(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page, llm: LocalLLM
) -> None:
    setup = Setup(tenant.client("admin"), tenant, llm)
    setup.connection()
    setup.prompt("support/answer", "Tell me about {{topic}}", ["production"])
    make_user("alice", tenant.organization, Role.MEMBER)
    _open_prompt(page, live_server, "support/answer")
    expect(_version_heading(page, 1)).to_be_visible()
    page.get_by_role("button", name="Playground").click()
    panel = page.get_by_role("form", name="Playground for version 1")
    panel.get_by_label("topic").fill("refunds")
    panel.get_by_role("button", name="Render").click()
    expect(panel.get_by_role("region", name="Rendered prompt")).to_contain_text(
        "Tell me about refunds"
    )
    expect(panel.get_by_label("Connection")).to_have_value("local")
    panel.get_by_role("button", name="Run", exact=True).click()
    expect(panel.get_by_test_id("playground-output")).to_have_text("Answer: Tell me about refunds")
    link = panel.get_by_role("link", name=re.compile(r"^Open trace"))
    href = link.get_attribute("href") or ""
    trace_id = href.rsplit("/", 1)[-1]
    assert re.fullmatch(r"[0-9a-f]{32}", trace_id), href
    trace = Trace.objects.get(project=tenant.project, trace_id=trace_id)
    assert trace.name == "playground support/answer"
    span = Span.objects.get(project=tenant.project, trace_id=trace_id, kind="llm")
    assert (span.prompt_name, span.prompt_version, span.input_tokens) == ("support/answer", "1", 4)
    assert llm.requests == 1
    # The run counts in the version's usage at once.
    usage_row = page.get_by_role("region", name="Usage").locator("tbody tr")
    expect(usage_row).to_have_count(1)
    expect(usage_row.locator("td").nth(0)).to_have_text("v1")
    expect(usage_row.locator("td").nth(1)).to_have_text("1")

    link.click()
    expect(page).to_have_url(re.compile(rf"/traces/{trace_id}$"))
    expect(page.get_by_text("playground support/answer").first).to_be_visible()
