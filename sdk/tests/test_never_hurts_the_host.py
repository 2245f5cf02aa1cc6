"""The SDK never raises into, blocks or slows the application.

These tests assert behaviour, never durations: calls that return while the platform holds a
request open, which thread touched the network, the timeouts handed to the HTTP layer, and what
was counted as dropped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import llmops_sdk as llmops
import pytest
from llmops_sdk import safety, state, transport
from llmops_sdk.client import SpanSender
from llmops_sdk.config import from_environment
from misbehaving import MisbehavingPlatform, refusing_url
from opentelemetry import trace

SDK_SOURCE = Path(llmops.__file__).resolve().parents[1]


@pytest.fixture
def network_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every request the SDK makes: on which thread, with what timeout."""
    calls: list[dict[str, Any]] = []
    real = transport.request

    def recording(method: str, url: str, **options: Any) -> transport.Response:
        calls.append(
            {"thread": threading.current_thread().name, "timeout": options["timeout"], "url": url}
        )
        return real(method, url, **options)

    monkeypatch.setattr(transport, "request", recording)
    return calls


def on_this_thread(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [call for call in calls if call["thread"] == threading.current_thread().name]


def span_sender() -> SpanSender:
    export = state.client().export
    assert export is not None
    return export.sender


def test_without_configuration_everything_is_a_no_op() -> None:
    client = state.client()
    assert client.settings.active is False
    assert isinstance(client.tracer, trace.NoOpTracer)
    assert (client.export, client.scores) == (None, None)

    @llmops.observe
    def add(a: int, b: int) -> int:
        return a + b

    assert add(1, 2) == 3
    with llmops.span("block") as s:
        s.set_output({"fine": True})
    assert llmops.flush() is True
    prompt = llmops.get_prompt("anything", fallback="Hi {{name}}")
    assert prompt.is_fallback
    assert prompt.compile(name="Ann") == "Hi Ann"
    with pytest.raises(llmops.PromptNotAvailable):
        llmops.get_prompt("anything-else")
    assert not [t for t in threading.enumerate() if t.name.startswith("llmops-")]


def test_bad_settings_never_raise() -> None:
    llmops.init(host="not a url", secret_key="sk-lo-x", sample_rate=5.0, max_queue_size=10)

    @llmops.observe
    def work() -> str:
        return "done"

    assert work() == "done"
    assert llmops.flush(timeout_seconds=1) is False
    # Export to an unusable host fails in the background; the app saw nothing of it.


def test_the_flush_and_prompt_timeouts_come_from_the_environment_or_init(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = from_environment()
    assert (defaults.flush_timeout_seconds, defaults.prompt_timeout_seconds) == (2.0, 2.0)
    monkeypatch.setenv("LLMOPS_FLUSH_TIMEOUT", "0.5")
    monkeypatch.setenv("LLMOPS_PROMPT_TIMEOUT", "nonsense")
    settings = from_environment()
    assert (settings.flush_timeout_seconds, settings.prompt_timeout_seconds) == (0.5, 2.0)
    overridden = from_environment(flush_timeout_seconds=0, prompt_timeout_seconds=0.3)
    assert (overridden.flush_timeout_seconds, overridden.prompt_timeout_seconds) == (0.0, 0.3)


def test_calls_return_while_the_platform_holds_the_export_open(
    network_calls: list[dict[str, Any]],
) -> None:
    platform = MisbehavingPlatform("hang", hang_seconds=120)
    # The sender waits on the hung request far longer than this test runs.
    llmops.init(
        host=platform.url, secret_key="sk-lo-test", max_queue_size=200, export_timeout_seconds=120
    )
    try:

        @llmops.observe(kind="tool")
        def step(index: int) -> int:
            return index * 2

        for index in range(200):  # a full batch wakes the sender, which then hangs on it
            step(index)
        assert platform.received.wait(60)
        sender = span_sender()
        free = sender.max_queue - len(sender.queue)
        for index in range(3000):
            assert step(index) == index * 2
        # Every call returned while the platform still held the export: none waited for it.
        assert (platform.open_requests, platform.release.is_set()) == (1, False)
        assert len(sender.queue) == 200
        assert sender.dropped_full == 3000 - free
        assert state.client().dropped_spans == 3000 - free
        assert on_this_thread(network_calls) == []
    finally:
        platform.close()


@pytest.mark.parametrize("mode", ["429", "500"])
def test_a_failing_platform_is_only_called_from_the_sender_thread(
    mode: str, network_calls: list[dict[str, Any]]
) -> None:
    # Retry-After: 120 keeps the sender backing off for the rest of the test, even through a
    # flush that may wait less than that, so what it holds can be read without a race.
    platform = MisbehavingPlatform(mode, retry_after="120")
    llmops.init(host=platform.url, secret_key="sk-lo-test", max_queue_size=200)
    try:

        @llmops.observe(kind="tool")
        def step(index: int) -> int:
            return index * 2

        for index in range(3000):
            assert step(index) == index * 2
        assert llmops.flush(timeout_seconds=30) is False
        assert platform.paths == ["/v1/traces"]
        assert [call["thread"] for call in network_calls] == ["llmops-spans"]
        sender = span_sender()
        # Nothing was sent: each span is still pending (the queue and the batch kept for a
        # retry) or counted as dropped.
        assert sender.sent == 0
        assert len(sender.queue) == 200
        assert sender.pending + sender.dropped_full == 3000
        assert state.client().dropped_spans == sender.dropped_full
    finally:
        platform.close()


@pytest.mark.parametrize("mode", ["hang", "500", "429"])
def test_scores_are_only_sent_from_their_thread_and_counted(
    mode: str, network_calls: list[dict[str, Any]]
) -> None:
    # Held or told to retry after 120 s, the sender is still for the rest of the test.
    platform = MisbehavingPlatform(mode, hang_seconds=120, retry_after="120")
    llmops.init(host=platform.url, secret_key="sk-lo-test", export_timeout_seconds=120)
    try:
        for index in range(2000):
            assert llmops.score("feedback", index % 5, trace_id=f"{index + 1:032x}") is not None
        assert llmops.flush(timeout_seconds=1) is False
        sender = state.client().scores
        assert sender is not None
        # One try (held, or answered with Retry-After: 120), then nothing, however many wait.
        assert platform.paths == ["/api/v1/scores"]
        assert [call["thread"] for call in network_calls] == ["llmops-scores"]
        assert sender.sent == 0
        assert sender.pending + sender.dropped == 2000
    finally:
        platform.close()


def test_score_without_a_current_span_or_configuration_is_a_quiet_no_op(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert llmops.score("feedback", 1.0, trace_id="ab" * 16) is None  # not configured
    llmops.init(host="http://127.0.0.1:9", secret_key="sk-lo-test")
    with caplog.at_level("WARNING", logger="llmops_sdk"):
        assert llmops.score("feedback", 1.0) is None
    assert "pass trace_id or span_id" in caplog.text


def test_internal_errors_are_swallowed_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    safety.STRICT = False  # this test provokes an internal error on purpose
    before = safety.internal_error_count
    span = llmops.ObservedSpan(span=None)  # type: ignore[arg-type]
    span.set_output("x")  # the SDK fails internally (no span): logged and counted, not raised
    assert safety.internal_error_count == before + 1
    safety.STRICT = True


def test_every_request_of_the_exit_flush_gets_at_most_the_time_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    llmops.init(
        host=refusing_url(),
        secret_key="sk-lo-test",
        export_timeout_seconds=120,
        flush_timeout_seconds=1.5,
    )
    sender = span_sender()
    final_flush: list[float] = []
    real = transport.request

    def recording(method: str, url: str, **options: Any) -> transport.Response:
        if sender._closed:  # the exit flush has begun
            final_flush.append(options["timeout"])
        return real(method, url, **options)

    monkeypatch.setattr(transport, "request", recording)
    for index in range(10):
        with llmops.span(f"step {index}"):
            pass
    state.client().shutdown()
    # Refused at once, retried after a back-off that fits in the budget, then given up: each
    # try's timeout was what was left of 1.5 s, never the 120 s export timeout.
    assert final_flush, "the exit flush never tried"
    assert all(0 < timeout <= 1.5 for timeout in final_flush), final_flush
    assert state.client().dropped_spans == 10
    assert sender.pending == 0


# An app making 2,000 observed calls, then exiting without a flush. Its own exit hooks, one
# registered before init (runs after the SDK's) and one after (runs before), report what the
# SDK did at exit: the dropped count and the timeouts of the requests made during the flush.
EXITING_APP = textwrap.dedent(
    """
    import atexit, json, sys, threading
    import llmops_sdk as llmops
    from llmops_sdk import state, transport

    calls, exiting = [], []
    real = transport.request

    def recording(method, url, **options):
        calls.append({"timeout": options["timeout"], "at_exit": bool(exiting)})
        return real(method, url, **options)

    transport.request = recording
    atexit.register(
        lambda: print(json.dumps({"dropped": state.client().dropped_spans, "calls": calls}))
    )
    llmops.init(host=sys.argv[1], secret_key="sk-lo-test")
    atexit.register(lambda: exiting.append(True))

    @llmops.observe(kind="tool")
    def step(index):
        return index

    for index in range(2000):
        step(index)
    """
)


@pytest.mark.parametrize(
    ("mode", "flush_timeout"), [("refused", None), ("hang", None), ("500", "0.5")]
)
def test_exit_waits_at_most_the_flush_timeout_then_drops_and_counts(
    mode: str, flush_timeout: str | None
) -> None:
    platform = None if mode == "refused" else MisbehavingPlatform(mode, hang_seconds=120)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LLMOPS_")}
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(SDK_SOURCE), environment.get("PYTHONPATH", "")]
    )
    if flush_timeout is not None:
        environment["LLMOPS_FLUSH_TIMEOUT"] = flush_timeout
    budget = float(flush_timeout or 2.0)
    try:
        host = platform.url if platform else refusing_url()
        # The timeout is only a safety net for a broken build; nothing here measures time.
        result = subprocess.run(  # noqa: S603 — this interpreter, a fixed program
            [sys.executable, "-c", EXITING_APP, host],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout.strip().splitlines()[-1])
        assert report["dropped"] == 2000
        assert "exit flush (LLMOPS_FLUSH_TIMEOUT)" in result.stderr
        at_exit = [call["timeout"] for call in report["calls"] if call["at_exit"]]
        assert all(0 < timeout <= budget for timeout in at_exit), at_exit
        if platform is not None and mode == "hang":
            # The app is gone while the platform still holds its export open.
            assert platform.open_requests >= 1
            assert not platform.release.is_set()
    finally:
        if platform is not None:
            platform.close()
