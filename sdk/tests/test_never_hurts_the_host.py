"""The SDK never raises into, blocks or slows the application."""

from __future__ import annotations

import time
from collections.abc import Iterator

import llmops_sdk as llmops
import pytest
from llmops_sdk import safety, state
from misbehaving import MisbehavingPlatform


def test_without_configuration_everything_is_a_cheap_no_op() -> None:
    assert state.client().settings.active is False

    @llmops.observe
    def add(a: int, b: int) -> int:
        return a + b

    started = time.perf_counter()
    for _ in range(10_000):
        assert add(1, 2) == 3
    per_call = (time.perf_counter() - started) / 10_000
    assert per_call < 50e-6, f"{per_call * 1e6:.1f} µs per unconfigured call"
    with llmops.span("block") as s:
        s.set_output({"fine": True})
    assert llmops.flush() is True
    prompt = llmops.get_prompt("anything", fallback="Hi {{name}}")
    assert prompt.is_fallback
    assert prompt.compile(name="Ann") == "Hi Ann"
    with pytest.raises(llmops.PromptNotAvailable):
        llmops.get_prompt("anything-else")


def test_bad_settings_never_raise() -> None:
    llmops.init(host="not a url", secret_key="sk-lo-x", sample_rate=5.0, max_queue_size=10)

    @llmops.observe
    def work() -> str:
        return "done"

    assert work() == "done"
    llmops.flush(timeout_seconds=1)
    # Export to an unusable host fails in the background; the app saw nothing of it.


@pytest.fixture(params=["hang", "500", "429"])
def platform(request: pytest.FixtureRequest) -> Iterator[MisbehavingPlatform]:
    server = MisbehavingPlatform(request.param)
    llmops.init(
        host=server.url, secret_key="sk-lo-test", max_queue_size=200, export_timeout_seconds=2
    )
    yield server
    server.close()


def test_a_misbehaving_platform_does_not_slow_the_app(platform: MisbehavingPlatform) -> None:
    @llmops.observe(kind="tool")
    def step(index: int) -> int:
        return index * 2

    slowest = 0.0
    started = time.perf_counter()
    for index in range(3000):
        call_started = time.perf_counter()
        assert step(index) == index * 2
        slowest = max(slowest, time.perf_counter() - call_started)
    total = time.perf_counter() - started
    assert total < 3.0, f"3000 calls took {total:.2f}s"
    assert slowest < 0.25, f"one call took {slowest * 1000:.0f} ms"
    # 3000 spans into a 200-span queue that cannot drain: the excess is dropped and counted.
    assert state.client().dropped_spans > 1000
    flush_started = time.perf_counter()
    llmops.flush(timeout_seconds=1)
    assert time.perf_counter() - flush_started < 5
    assert platform.requests >= 1


def test_scores_neither_slow_the_app_nor_hammer_a_failing_platform(
    platform: MisbehavingPlatform,
) -> None:
    started = time.perf_counter()
    for index in range(2000):
        assert llmops.score("feedback", index % 5, trace_id=f"{index + 1:032x}") is not None
    assert time.perf_counter() - started < 1.0
    time.sleep(3)
    posts = [path for path in platform.paths if path == "/api/v1/scores"]
    assert posts, "the sender never tried"
    # Backing off (0.5 s, 1 s, 2 s, ...) or stuck on a hung request: a handful of tries in 3 s,
    # each with a batch of at most 100, not a tight loop over the 20 batches.
    assert len(posts) <= 6, posts
    sender = state.client().scores
    assert sender is not None
    assert len(sender.queue) >= 2000 - 6 * 100
    flush_started = time.perf_counter()
    assert llmops.flush(timeout_seconds=1) is False
    assert time.perf_counter() - flush_started < 5


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
