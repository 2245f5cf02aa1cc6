"""The prompts pages in real headless Chromium against a live server: sign in, edit a
prompt twice, diff versions 1 and 3."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from llmops.prompts.domain import prompt_create
from llmops.prompts.models import PromptVersion
from llmops.tenancy.models import Role
from tests.conftest import MakeUser, Tenant
from tests.web_ui.conftest import sign_in


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

    sign_in(page, live_server, "alice")
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
