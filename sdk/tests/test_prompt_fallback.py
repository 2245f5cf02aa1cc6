"""``get_prompt`` against a platform that hangs: one bounded wait, then answers at once.

No durations are measured: the tests record which thread made each request and with what
timeout, while a server holds every request open.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import llmops_sdk as llmops
import pytest
from llmops_sdk import prompts, transport
from misbehaving import PROMPT, MisbehavingPlatform


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    real = transport.request

    def recording(method: str, url: str, **options: Any) -> transport.Response:
        calls.append({"thread": threading.current_thread(), "timeout": options["timeout"]})
        return real(method, url, **options)

    monkeypatch.setattr(transport, "request", recording)
    return calls


@pytest.fixture
def hung() -> Iterator[MisbehavingPlatform]:
    server = MisbehavingPlatform("hang", hang_seconds=120)
    yield server
    server.close()


def from_this_thread(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [call for call in calls if call["thread"] is threading.current_thread()]


def wait_until(check: Any) -> None:
    # A safety net for a broken build only; the tests assert what happened, not how fast.
    deadline = time.monotonic() + 60
    while not check():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.02)


def test_after_one_bounded_wait_the_fallback_is_served_without_the_network(
    hung: MisbehavingPlatform, requests: list[dict[str, Any]]
) -> None:
    llmops.init(host=hung.url, secret_key="sk-lo-test", prompt_timeout_seconds=0.3)
    first = llmops.get_prompt("greet", fallback="Hello {{name}}")
    assert (first.is_fallback, first.compile(name="Ann")) == (True, "Hello Ann")
    # The only request on the app's thread: the first fetch, with the prompt timeout.
    assert [call["timeout"] for call in from_this_thread(requests)] == [0.3]
    for _ in range(50):
        again = llmops.get_prompt("greet", fallback="Hello {{name}}")
        assert (again.is_fallback, again.template) == (True, "Hello {{name}}")
    # Without a fallback it says so at once, again without asking the hung server.
    with pytest.raises(llmops.PromptNotAvailable, match="greet"):
        llmops.get_prompt("greet")
    assert len(from_this_thread(requests)) == 1
    assert hung.open_requests >= 1  # the server still holds the first request


def test_the_first_fetch_waits_at_most_the_default_prompt_timeout(
    hung: MisbehavingPlatform, requests: list[dict[str, Any]]
) -> None:
    llmops.init(host=hung.url, secret_key="sk-lo-test", export_timeout_seconds=30)
    assert llmops.get_prompt("greet", fallback="Hi").is_fallback
    assert [call["timeout"] for call in requests] == [2.0]


def test_a_failed_prompt_is_fetched_in_the_background_once_the_platform_recovers(
    hung: MisbehavingPlatform,
    requests: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prompts, "FIRST_RETRY_SECONDS", 0.05)
    llmops.init(host=hung.url, secret_key="sk-lo-test", prompt_timeout_seconds=0.3)
    assert llmops.get_prompt("greet", fallback="Hello").is_fallback
    hung.mode = "ok"  # new requests are answered; the first one stays held
    wait_until(lambda: not llmops.get_prompt("greet", fallback="Hello").is_fallback)
    fetched = llmops.get_prompt("greet", fallback="Hello")
    assert (fetched.version, fetched.template) == (PROMPT["version"], PROMPT["template"])
    assert len(from_this_thread(requests)) == 1
    assert all(call["thread"].name == "llmops-prompt" for call in requests[1:])


def test_a_cached_prompt_is_served_while_the_platform_hangs(
    hung: MisbehavingPlatform, requests: list[dict[str, Any]]
) -> None:
    hung.mode = "ok"
    llmops.init(host=hung.url, secret_key="sk-lo-test", prompt_timeout_seconds=0.3)
    cached = llmops.get_prompt("greet", ttl_seconds=0)
    assert cached.version == PROMPT["version"]
    hung.mode = "hang"
    for _ in range(50):  # always stale: each call may start a revalidation, none waits for it
        assert llmops.get_prompt("greet", ttl_seconds=0) is cached
    assert len(from_this_thread(requests)) == 1
    # One revalidation at a time, however many calls found the copy stale.
    wait_until(lambda: hung.open_requests == 1)
    assert len(requests) == 2
