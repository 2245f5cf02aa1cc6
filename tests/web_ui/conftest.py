"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Every browser test module uses these; the web UI must be built (bin/test builds it, and
LLMOPS_WEB_UI_DIST can point at another build)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect, sync_playwright

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
    # Every request the app makes, so each browser test also proves the UI needs nothing from
    # the internet (no fonts, scripts or images from elsewhere).
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()
    elsewhere = [url for url in requested if not _is_local(url)]
    assert not elsewhere, f"the web UI requested something outside this server: {elsewhere}"


def _is_local(url: str) -> bool:
    parsed = urlsplit(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return parsed.hostname in ("127.0.0.1", "localhost")


def sign_in(page: Page, live_server: Any, username: str) -> None:
    page.goto(live_server.url + "/prompts")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
