"""An app instrumented with the SDK, talking to the local LLM, traced into the platform."""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
from decimal import Decimal
from typing import Any

import llmops_sdk as llmops
import openai
import pytest

from llmops.local_llm.server import LocalLLM
from llmops.prompts.domain import prompt_create
from llmops.tracing.models import Span, Trace
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENTS = [
    {"id": "faq-1", "score": 0.92, "content": "Refunds are paid within 30 days."},
    {"id": "faq-2", "score": 0.41, "content": "Shipping is free over 50 euros."},
]


def spans_of(trace_id: str) -> dict[str, Span]:
    return {span.name: span for span in Span.objects.filter(trace_id=trace_id)}


def test_rag_app_trace_with_documents_prompt_link_usage_and_cost(
    platform: Tenant, llm: LocalLLM
) -> None:
    prompt_create(
        project=platform.project,
        name="rag/answer",
        prompt_type="chat",
        template=[
            {"role": "system", "content": "Use these facts: {{facts}}"},
            {"role": "user", "content": "{{question}}"},
        ],
        labels=["production"],
    )
    client = llmops.instrument_openai(openai.OpenAI(base_url=llm.base_url, api_key="local"))

    @llmops.observe(kind="retriever")
    def retrieve(question: str) -> list[dict[str, Any]]:
        with llmops.span("vector search", kind="retriever") as search:
            search.set_input(question)
            search.set_documents(DOCUMENTS)
        return DOCUMENTS

    @llmops.observe(kind="chain")
    def answer(question: str) -> str:
        documents = retrieve(question)
        prompt = llmops.get_prompt("rag/answer")
        messages = prompt.compile(
            facts=" ".join(d["content"] for d in documents), question=question
        )
        completion = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        return str(completion.choices[0].message.content)

    with llmops.propagate_attributes(user_id="ann", session_id="chat-7", tags=["rag"]):
        result = answer("How long do refunds take?")
    assert result == "Answer: How long do refunds take?"
    assert llmops.flush()

    trace = Trace.objects.get(project=platform.project)
    spans = spans_of(trace.trace_id)
    assert set(spans) == {"answer", "retrieve", "vector search", "chat gpt-4o-mini"}
    assert spans["answer"].parent_span_id == ""
    assert spans["retrieve"].parent_span_id == spans["answer"].span_id
    assert spans["vector search"].parent_span_id == spans["retrieve"].span_id
    assert spans["chat gpt-4o-mini"].parent_span_id == spans["answer"].span_id
    assert {name: s.kind for name, s in spans.items()} == {
        "answer": "chain",
        "retrieve": "retriever",
        "vector search": "retriever",
        "chat gpt-4o-mini": "llm",
    }
    assert spans["vector search"].documents == [
        {"id": "faq-1", "content": "Refunds are paid within 30 days.", "score": 0.92},
        {"id": "faq-2", "content": "Shipping is free over 50 euros.", "score": 0.41},
    ]
    llm_span = spans["chat gpt-4o-mini"]
    assert (llm_span.prompt_name, llm_span.prompt_version) == ("rag/answer", "1")
    assert llm_span.input is not None
    assert llm_span.input[0]["content"].startswith("Use these facts: Refunds are paid")
    assert llm_span.output == [
        {"role": "assistant", "content": "Answer: How long do refunds take?"}
    ]
    # The local server counts words: 15 in the system message + 5 in the question; 6 out.
    assert (llm_span.input_tokens, llm_span.output_tokens, llm_span.usage_estimated) == (
        20,
        6,
        False,
    )
    # gpt-4o-mini: $0.15 / M input, $0.60 / M output.
    assert llm_span.cost_total == Decimal(20 * 15 + 6 * 60) / Decimal(100_000_000)
    assert (trace.user_id, trace.session_id, trace.tags) == ("ann", "chat-7", ["rag"])
    assert (trace.environment, trace.release) == ("test", "1.2.3")
    assert spans["answer"].output == "Answer: How long do refunds take?"


def test_tool_calling_agent(platform: Tenant, llm: LocalLLM) -> None:
    client = llmops.instrument_openai(openai.OpenAI(base_url=llm.base_url, api_key="local"))
    tools = [
        {
            "type": "function",
            "function": {
                "name": "lookup_order",
                "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
            },
        }
    ]

    @llmops.observe(kind="tool")
    def lookup_order(query: str) -> dict[str, str]:
        return {"status": "shipped", "query": query}

    @llmops.observe(kind="agent")
    def agent(question: str) -> str:
        messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
        first = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)
        call = first.choices[0].message.tool_calls[0]
        result = lookup_order(**json.loads(call.function.arguments))
        messages += [
            first.choices[0].message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": str(result)},
        ]
        final = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)
        return str(final.choices[0].message.content)

    assert agent("where is order 42") == "Answer: where is order 42"
    assert llmops.flush()
    trace = Trace.objects.get(project=platform.project)
    spans = list(Span.objects.filter(trace_id=trace.trace_id).order_by("start_time"))
    assert [(s.name, s.kind) for s in spans] == [
        ("agent", "agent"),
        ("chat gpt-4o", "llm"),
        ("lookup_order", "tool"),
        ("chat gpt-4o", "llm"),
    ]
    first_call = spans[1]
    assert first_call.tool_calls is not None
    assert first_call.tool_calls[0]["name"] == "lookup_order"
    assert first_call.tool_calls[0]["arguments"] == '{"query": "where is order 42"}'
    assert spans[2].output == {"status": "shipped", "query": "where is order 42"}
    assert trace.span_count == 4
    assert trace.cost_total > 0


def test_streaming_with_and_without_usage(platform: Tenant, llm: LocalLLM) -> None:
    client = llmops.instrument_openai(openai.OpenAI(base_url=llm.base_url, api_key="local"))
    with_usage = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "stream me"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text = "".join(c.choices[0].delta.content or "" for c in with_usage if c.choices)
    assert text == "Answer: stream me"
    without = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "no usage please"}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in without if c.choices) == (
        "Answer: no usage please"
    )
    assert llmops.flush()
    reported, estimated = sorted(
        Span.objects.filter(project=platform.project), key=lambda s: s.usage_estimated
    )
    assert (reported.input_tokens, reported.output_tokens, reported.usage_estimated) == (
        2,
        3,
        False,
    )
    assert reported.output == [{"role": "assistant", "content": "Answer: stream me"}]
    # No usage in the stream: the platform counted with the model's tokenizer.
    assert estimated.usage_estimated is True
    assert estimated.output_tokens > 0


def test_responses_api_and_embeddings(platform: Tenant, llm: LocalLLM) -> None:
    client = llmops.instrument_openai(openai.OpenAI(base_url=llm.base_url, api_key="local"))
    response = client.responses.create(model="gpt-4o-mini", input="hello there")
    assert response.output_text == "Answer: hello there"
    vectors = client.embeddings.create(model="text-embedding-3-small", input=["a b c", "d"])
    assert len(vectors.data) == 2
    assert llmops.flush()
    spans = {s.kind: s for s in Span.objects.filter(project=platform.project)}
    assert (spans["llm"].input_tokens, spans["llm"].output_tokens) == (2, 3)
    assert spans["embedding"].input_tokens == 4
    assert spans["embedding"].cost_source == "default"


def test_async_client_and_async_observe(platform: Tenant, llm: LocalLLM) -> None:
    client = llmops.instrument_openai(openai.AsyncOpenAI(base_url=llm.base_url, api_key="local"))

    @llmops.observe(kind="agent")
    async def run() -> list[str]:
        async def ask(question: str) -> str:
            reply = await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
            )
            return str(reply.choices[0].message.content)

        return list(await asyncio.gather(ask("one"), ask("two")))

    with llmops.propagate_attributes(user_id="bo"):
        assert asyncio.run(run()) == ["Answer: one", "Answer: two"]
    assert llmops.flush()
    trace = Trace.objects.get(project=platform.project)
    assert trace.span_count == 3
    assert set(Span.objects.values_list("user_id", flat=True)) == {"bo"}


def test_exceptions_are_recorded_and_reraised_unchanged(platform: Tenant) -> None:
    failure = ValueError("bad input from the app")

    @llmops.observe
    def fails() -> None:
        raise failure

    with pytest.raises(ValueError, match="bad input from the app") as raised:
        fails()
    assert raised.value is failure
    assert llmops.flush()
    span = Span.objects.get(project=platform.project)
    assert (span.status, span.error_type, span.status_message) == (
        "error",
        "ValueError",
        "bad input from the app",
    )


def test_generators_and_trace_attributes_across_threads(platform: Tenant) -> None:
    @llmops.observe(kind="chain")
    def words() -> Any:
        yield "a"
        yield "b"

    @llmops.observe
    def in_thread() -> str:
        return "thread"

    @llmops.observe(kind="agent")
    def root() -> str:
        text = "".join(words())
        context = contextvars.copy_context()
        thread = threading.Thread(target=context.run, args=(in_thread,))
        thread.start()
        thread.join()
        return text

    with llmops.propagate_attributes(user_id="cy", metadata={"team": "core"}):
        assert root() == "ab"
    assert llmops.flush()
    spans = {s.name: s for s in Span.objects.filter(project=platform.project)}
    assert spans["words"].output == "ab"
    assert spans["in_thread"].parent_span_id == spans["root"].span_id
    assert {s.user_id for s in spans.values()} == {"cy"}
    assert spans["in_thread"].metadata == {"team": "core"}


def test_masking_and_opt_out(platform: Tenant, live_server: Any) -> None:
    llmops.init(
        host=live_server.url,
        secret_key=platform.secret_key,
        mask=lambda value: "***" if "secret" in str(value).lower() else value,
    )

    @llmops.observe
    def handle(text: str) -> str:
        return text.upper()

    @llmops.observe(capture_input=False, capture_output=False)
    def private(text: str) -> str:
        return text

    handle("my secret")
    private("hidden")
    assert llmops.flush()
    spans = {s.name: s for s in Span.objects.filter(project=platform.project)}
    assert (spans["handle"].input, spans["handle"].output) == ("***", "***")
    assert (spans["private"].input, spans["private"].output) == (None, None)

    llmops.init(host=live_server.url, secret_key=platform.secret_key, mask=lambda value: 1 / 0)
    handle("anything")
    assert llmops.flush()
    broken = Span.objects.filter(name="handle").order_by("-start_time").first()
    assert broken is not None
    assert broken.input == "<masking failed: value withheld>"
