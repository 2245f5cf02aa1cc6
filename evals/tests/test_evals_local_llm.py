"""The local server's test hooks: scripted faults, delay, counters, deterministic judge answers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from evals_local_llm import LocalLLM

from llmops_evals import LabelSet, Scale


@pytest.fixture
def llm() -> Iterator[LocalLLM]:
    with LocalLLM() as server:
        yield server


def client_for(llm: LocalLLM, timeout: float = 5) -> openai.OpenAI:
    return openai.OpenAI(base_url=llm.base_url, api_key="local", max_retries=0, timeout=timeout)


def ask(llm: LocalLLM, *contents: str) -> str:
    messages: list[Any] = [{"role": "user", "content": content} for content in contents]
    response = client_for(llm).chat.completions.create(model="m", messages=messages)
    return response.choices[0].message.content or ""


def test_fail_next_answers_with_status_body_and_retry_after(llm: LocalLLM) -> None:
    llm.fail_next(429, count=2, retry_after="7")
    llm.fail_next(503)
    for status, retry_after in ((429, "7"), (429, "7"), (503, None)):
        with pytest.raises(openai.APIStatusError) as caught:
            ask(llm, "hello")
        assert caught.value.status_code == status
        assert caught.value.response.headers.get("retry-after") == retry_after
        body = caught.value.response.json()
        assert body["error"]["type"] == ("rate_limit_exceeded" if status == 429 else "server_error")
    assert ask(llm, "hello") == "Answer: hello"
    assert llm.requests == 4
    with pytest.raises(ValueError, match="status"):
        llm.fail_next(200)


def test_delay_applies_to_chat_only() -> None:
    slept: list[float] = []
    with LocalLLM(delay_ms=300, sleep=slept.append) as llm:
        client = client_for(llm)
        client.embeddings.create(model="e", input="fast")
        client.responses.create(model="m", input="fast")
        assert (slept, llm.delayed_requests) == ([], 0)
        assert ask(llm, "slow") == "Answer: slow"
        assert (slept, llm.delayed_requests) == ([0.3], 1)
        # Scripted failures are answered at once, without the delay.
        llm.fail_next(503)
        with pytest.raises(openai.APIStatusError):
            ask(llm, "fails")
        assert (slept, llm.delayed_requests) == ([0.3], 1)
        llm.delay_ms = 0
        assert llm.delay_ms == 0
        assert ask(llm, "fast again") == "Answer: fast again"
        assert (slept, llm.delayed_requests) == ([0.3], 1)
    # Without a test's own sleep the delay is a real one, and counted the same way.
    with LocalLLM(delay_ms=10) as llm:
        assert llm.server.sleep is time.sleep
        assert ask(llm, "slow") == "Answer: slow"
        assert llm.delayed_requests == 1
    with pytest.raises(ValueError, match="negative"):
        LocalLLM(delay_ms=-1)


def test_judge_scale_answers(llm: LocalLLM) -> None:
    instruction = Scale(1, 10, 7).instruction()
    matched = json.loads(
        ask(llm, "<output>Paris!</output><expected> PARIS </expected>", instruction)
    )
    assert matched["score"] == 10
    assert isinstance(matched["reasoning"], str)
    missed = json.loads(ask(llm, "<output>Lyon</output><expected>Paris</expected>", instruction))
    assert missed["score"] == 1
    assert json.loads(ask(llm, "<output>x</output>", instruction))["score"] == 10
    assert json.loads(ask(llm, "<output> </output>", instruction))["score"] == 1


def test_judge_label_answers(llm: LocalLLM) -> None:
    instruction = LabelSet(('say "yes"', "maybe", "no"), ("yes",)).instruction()
    good = json.loads(ask(llm, "<output>a</output><expected>a</expected>", instruction))
    assert good["label"] == 'say "yes"'
    bad = json.loads(ask(llm, "<output>a</output><expected>b</expected>", instruction))
    assert bad["label"] == "no"


def test_judge_out_of_format_and_plain_answers(llm: LocalLLM) -> None:
    prose = ask(llm, "<output>JUDGE_OUT_OF_FORMAT</output>", Scale(1, 5, 4).instruction())
    with pytest.raises(ValueError, match="Expecting value"):
        json.loads(prose)
    # Tags without an answer format: the usual reply.
    assert ask(llm, "<output>x</output> what now?") == "Answer: <output>x</output> what now?"


def test_judge_pairwise_answers(llm: LocalLLM) -> None:
    def winner(a: str, b: str, expected: str | None = "Paris") -> str:
        tags = f"<output_a>{a}</output_a><output_b>{b}</output_b>"
        if expected is not None:
            tags += f"<expected>{expected}</expected>"
        return str(json.loads(ask(llm, tags, "Which is better?"))["winner"])

    assert winner("Paris", "Lyon") == "A"
    assert winner("Lyon", "paris") == "B"
    assert winner("Paris", "Paris too") == "tie"
    assert winner("Lyon", "Nice") == "tie"
    assert winner("", "something", expected=None) == "B"


def test_judge_answers_stream_and_count_words(llm: LocalLLM) -> None:
    messages: list[Any] = [
        {"role": "user", "content": "<output>Paris</output><expected>Paris</expected>"},
        {"role": "user", "content": Scale(1, 5, 4).instruction()},
    ]
    stream = client_for(llm).chat.completions.create(
        model="m",
        messages=messages,
        stream=True,
        stream_options={"include_usage": True},
    )
    text, usage = "", None
    for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
        if chunk.usage is not None:
            usage = chunk.usage
    assert json.loads(text)["score"] == 5
    assert usage is not None
    assert usage.completion_tokens == len(text.split())
