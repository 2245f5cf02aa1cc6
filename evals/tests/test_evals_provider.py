"""Provider calls against the local server: retries, Retry-After, timeouts, concurrency limits."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from evals_local_llm import LocalLLM

from llmops_evals import Provider, ProviderConfig, ProviderError
from llmops_evals.provider import limiter, retry_after_seconds

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture
def llm() -> Iterator[LocalLLM]:
    with LocalLLM() as server:
        yield server


def provider_for(
    llm: LocalLLM, sleep: Callable[[float], None] = time.sleep, **options: Any
) -> Provider:
    # Short backoffs keep the tests fast; Retry-After is honoured regardless (up to the cap).
    settings: dict[str, Any] = {"max_backoff_seconds": 0.05, "timeout_seconds": 5.0}
    settings.update(options)
    return Provider(ProviderConfig(base_url=llm.base_url, api_key="local", **settings), sleep=sleep)


def eventually(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` holds within a generous bound (a server thread may lag behind)."""
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class HeldInGroups:
    """The local server's delay for concurrency tests: answers go out in groups of ``size``.

    Every chat request waits on a barrier of ``size`` parties, so no answer comes back until
    ``size`` requests are held at the same time; a limit below ``size`` breaks the barrier after
    its timeout and the calls fail. ``most_held`` is the most requests held at once: a request
    stops counting before its answer is written, so it is bounded by the client's limit exactly
    (the server's ``max_in_flight`` also counts a handler that has answered but not yet returned).
    The clients' timeout must outlast the barrier's, or a request given up on would stay held
    while its retry comes in.
    """

    def __init__(self, size: int) -> None:
        self.barrier = threading.Barrier(size, timeout=30)
        self.lock = threading.Lock()
        self.held = 0
        self.most_held = 0

    def __call__(self, _seconds: float) -> None:
        with self.lock:
            self.held += 1
            self.most_held = max(self.most_held, self.held)
        try:
            self.barrier.wait()
        finally:
            with self.lock:
                self.held -= 1


# Longer than the barrier of HeldInGroups waits.
PATIENT = 60.0


def test_a_call_returns_text_usage_and_latency(llm: LocalLLM) -> None:
    completion = provider_for(llm).chat(model="local-model", messages=MESSAGES)
    assert completion.text == "Answer: What is the capital of France?"
    assert completion.model == "local-model"
    # The local server counts words: 6 in, 7 out.
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (6, 7)
    assert completion.usage.total_tokens == 13
    assert completion.attempts == 1
    assert completion.latency_ms > 0
    assert completion.raw_message["content"] == completion.text
    assert llm.requests == 1


def test_params_reach_the_request(llm: LocalLLM) -> None:
    # Tools are a parameter like any other: the local model then calls the first tool.
    tool = {"type": "function", "function": {"name": "search", "parameters": {"type": "object"}}}
    completion = provider_for(llm).chat(
        model="local-model", messages=MESSAGES, params={"tools": [tool], "temperature": 0}
    )
    assert completion.text == ""
    assert completion.raw_message["tool_calls"][0]["function"]["name"] == "search"


def test_429_is_retried_after_the_retry_after_delay(llm: LocalLLM) -> None:
    llm.fail_next(429, retry_after="1")
    slept: list[float] = []
    provider = provider_for(llm, sleep=slept.append, max_backoff_seconds=30.0)
    completion = provider.chat(model="local-model", messages=MESSAGES)
    assert completion.attempts == 2
    assert llm.requests == 2
    # Without the header the first backoff would be drawn between 0.25 and 0.5 s.
    assert slept == [1.0]


def test_retry_after_is_capped_by_max_backoff(llm: LocalLLM) -> None:
    llm.fail_next(429, retry_after="30")
    slept: list[float] = []
    provider = provider_for(llm, sleep=slept.append, max_backoff_seconds=0.2)
    completion = provider.chat(model="m", messages=MESSAGES)
    assert completion.attempts == 2
    assert slept == [0.2]


def test_500_is_retried_then_succeeds(llm: LocalLLM) -> None:
    llm.fail_next(500, count=2)
    completion = provider_for(llm, max_attempts=4).chat(model="local-model", messages=MESSAGES)
    assert completion.attempts == 3
    assert completion.text.startswith("Answer:")
    assert llm.requests == 3


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_other_4xx_is_not_retried(llm: LocalLLM, status: int) -> None:
    llm.fail_next(status)
    with pytest.raises(ProviderError) as caught:
        provider_for(llm).chat(model="local-model", messages=MESSAGES)
    assert caught.value.status == status
    assert caught.value.attempts == 1
    assert llm.requests == 1


def test_gives_up_after_max_attempts(llm: LocalLLM) -> None:
    llm.fail_next(503, count=10)
    with pytest.raises(ProviderError) as caught:
        provider_for(llm, max_attempts=3).chat(model="local-model", messages=MESSAGES)
    assert caught.value.status == 503
    assert caught.value.attempts == 3
    assert "503" in str(caught.value)
    assert llm.requests == 3


def test_timeouts_are_retried_then_error() -> None:
    # The server answers nothing until the call has failed: only the client's timeout can end
    # each attempt (without it the call would wait up to a minute and then succeed).
    answer = threading.Event()
    with LocalLLM(delay_ms=1, sleep=lambda _seconds: answer.wait(60)) as slow:
        slept: list[float] = []
        provider = provider_for(slow, sleep=slept.append, timeout_seconds=0.3, max_attempts=2)
        assert provider.client.timeout == 0.3
        try:
            with pytest.raises(ProviderError) as caught:
                provider.chat(model="local-model", messages=MESSAGES)
        finally:
            answer.set()
        assert caught.value.status is None
        assert caught.value.attempts == 2
        assert "timed out" in str(caught.value)
        assert len(slept) == 1  # one backoff, between the two attempts
        assert eventually(lambda: slow.requests == 2)


def test_a_timeout_then_a_fast_answer_succeeds() -> None:
    with LocalLLM(delay_ms=1000) as llm:
        provider = provider_for(llm, timeout_seconds=0.3, max_attempts=3)

        def speed_up(seconds: float) -> None:
            llm.delay_ms = 0  # the provider recovers while we back off

        provider._sleep = speed_up
        completion = provider.chat(model="local-model", messages=MESSAGES)
        assert completion.attempts == 2
        assert llm.requests == 2


def test_unreachable_provider_is_retried_then_errors() -> None:
    with LocalLLM() as llm:
        base_url = llm.base_url
    provider = Provider(
        ProviderConfig(base_url=base_url, api_key="local", max_attempts=2, max_backoff_seconds=0.01)
    )
    with pytest.raises(ProviderError) as caught:
        provider.chat(model="local-model", messages=MESSAGES)
    assert caught.value.status is None
    assert caught.value.attempts == 2


def _call_in_threads(providers: list[Provider], calls_each: int) -> None:
    errors: list[BaseException] = []

    def call(provider: Provider) -> None:
        try:
            provider.chat(model="local-model", messages=MESSAGES)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=call, args=(provider,))
        for provider in providers
        for _ in range(calls_each)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * PATIENT)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []


def test_concurrency_limit_holds_per_base_url() -> None:
    groups = HeldInGroups(3)
    with LocalLLM(delay_ms=1, sleep=groups) as llm:
        # Two providers for one base URL share one limit of 3: 12 calls, answered 3 at a time.
        first = provider_for(llm, concurrency=3, timeout_seconds=PATIENT)
        second = provider_for(llm, concurrency=3, timeout_seconds=PATIENT)
        _call_in_threads([first, second], calls_each=6)
        assert llm.requests == 12
        assert groups.most_held == 3
        assert first.limit is second.limit
        assert first.limit.in_flight == 0


def test_limits_of_different_base_urls_are_independent() -> None:
    two, four = HeldInGroups(2), HeldInGroups(4)
    with LocalLLM(delay_ms=1, sleep=two) as one, LocalLLM(delay_ms=1, sleep=four) as other:
        _call_in_threads(
            [
                provider_for(one, concurrency=2, timeout_seconds=PATIENT),
                provider_for(other, concurrency=4, timeout_seconds=PATIENT),
            ],
            calls_each=8,
        )
        assert (one.requests, two.most_held) == (8, 2)
        assert (other.requests, four.most_held) == (8, 4)


def test_a_new_concurrency_resizes_the_shared_limit() -> None:
    groups = HeldInGroups(2)
    with LocalLLM(delay_ms=1, sleep=groups) as llm:
        old = provider_for(llm, concurrency=6, timeout_seconds=PATIENT)
        new = provider_for(llm, concurrency=2, timeout_seconds=PATIENT)
        assert old.limit is new.limit
        assert old.limit.capacity == 2
        _call_in_threads([old, new], calls_each=4)
        assert (llm.requests, groups.most_held) == (8, 2)


def test_64_concurrent_calls_are_served_together() -> None:
    # No answer comes back until all 64 requests are in flight at once, however slowly the
    # threads start: a limit below 64 (or a serial server) breaks the barrier and the calls fail.
    groups = HeldInGroups(64)
    with LocalLLM(delay_ms=1, sleep=groups) as llm:
        provider = provider_for(llm, concurrency=64, timeout_seconds=PATIENT)
        _call_in_threads([provider], calls_each=64)
        assert llm.requests == 64
        assert (llm.max_in_flight, groups.most_held) == (64, 64)
        assert provider.limit.in_flight == 0


def test_limiter_keys_ignore_a_trailing_slash() -> None:
    assert limiter("http://127.0.0.1:9/v1/", 2) is limiter("http://127.0.0.1:9/v1", 2)


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds(" 0.5 ") == 0.5
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("") is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("inf") is None
    now = 1_700_000_000.0
    in_ten = email.utils.formatdate(now + 10, usegmt=True)
    assert retry_after_seconds(in_ten, now=now) == pytest.approx(10.0)
    past = email.utils.formatdate(now - 10, usegmt=True)
    assert retry_after_seconds(past, now=now) == 0.0


def test_provider_error_pickles_with_status() -> None:
    import pickle

    error = ProviderError("HTTP 503", status=503, attempts=3)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 — our own object
    assert (str(copy), copy.status, copy.attempts) == ("HTTP 503", 503, 3)
