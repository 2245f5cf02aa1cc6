"""Provider calls against the local server: retries, Retry-After, timeouts, concurrency limits."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Iterator
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


def provider_for(llm: LocalLLM, **options: Any) -> Provider:
    # Short backoffs keep the tests fast; Retry-After is honoured regardless (up to the cap).
    settings: dict[str, Any] = {"max_backoff_seconds": 0.05, "timeout_seconds": 5.0}
    settings.update(options)
    return Provider(ProviderConfig(base_url=llm.base_url, api_key="local", **settings))


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
    provider = provider_for(llm, max_backoff_seconds=30.0)
    started = time.monotonic()
    completion = provider.chat(model="local-model", messages=MESSAGES)
    waited = time.monotonic() - started
    assert completion.attempts == 2
    assert llm.requests == 2
    # Without the header the first backoff would be at most 0.5 s.
    assert waited >= 1.0


def test_retry_after_is_capped_by_max_backoff(llm: LocalLLM) -> None:
    llm.fail_next(429, retry_after="30")
    started = time.monotonic()
    completion = provider_for(llm, max_backoff_seconds=0.2).chat(model="m", messages=MESSAGES)
    assert completion.attempts == 2
    assert time.monotonic() - started < 5


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
    with LocalLLM(delay_ms=1500) as slow:
        provider = provider_for(slow, timeout_seconds=0.3, max_attempts=2)
        started = time.monotonic()
        with pytest.raises(ProviderError) as caught:
            provider.chat(model="local-model", messages=MESSAGES)
        elapsed = time.monotonic() - started
        assert caught.value.status is None
        assert caught.value.attempts == 2
        assert "timed out" in str(caught.value)
        assert slow.requests == 2
        assert 0.6 <= elapsed < 1.5  # two timeouts, not one full server delay


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
        thread.join(timeout=30)
    assert errors == []


def test_concurrency_limit_holds_per_base_url() -> None:
    with LocalLLM(delay_ms=150) as llm:
        # Two providers for one base URL share one limit of 3.
        first, second = provider_for(llm, concurrency=3), provider_for(llm, concurrency=3)
        started = time.monotonic()
        _call_in_threads([first, second], calls_each=6)
        elapsed = time.monotonic() - started
        assert llm.requests == 12
        assert llm.max_in_flight == 3
        assert elapsed >= 4 * 0.15  # 12 calls, 3 at a time
        assert first.limit is second.limit
        assert first.limit.in_flight == 0


def test_limits_of_different_base_urls_are_independent() -> None:
    with LocalLLM(delay_ms=150) as one, LocalLLM(delay_ms=150) as other:
        _call_in_threads(
            [provider_for(one, concurrency=2), provider_for(other, concurrency=4)], calls_each=8
        )
        assert one.max_in_flight == 2
        assert other.max_in_flight == 4


def test_a_new_concurrency_resizes_the_shared_limit() -> None:
    with LocalLLM(delay_ms=150) as llm:
        old = provider_for(llm, concurrency=6)
        new = provider_for(llm, concurrency=2)
        assert old.limit is new.limit
        assert old.limit.capacity == 2
        _call_in_threads([old, new], calls_each=4)
        assert llm.max_in_flight == 2


def test_64_concurrent_calls_are_served_together() -> None:
    # A long answer time, so every thread has connected before the first answer comes back even
    # on a loaded machine: the test is about the limit, not about how fast threads start.
    with LocalLLM(delay_ms=1500) as llm:
        provider = provider_for(llm, concurrency=64)
        started = time.monotonic()
        _call_in_threads([provider], calls_each=64)
        elapsed = time.monotonic() - started
        assert llm.requests == 64
        assert llm.max_in_flight == 64
        assert elapsed < 64 * 1.5 / 4  # far from serial


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
