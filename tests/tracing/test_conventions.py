"""Each convention's attributes land on the same span fields; nothing unknown is dropped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from llmops.tracing.conventions.mapping import map_span
from llmops.tracing.otlp import RawSpan

START_NS = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z
CALL = "llm.output_messages.0.message.tool_calls.0.tool_call"


def raw(
    attributes: dict[str, Any],
    *,
    name: str = "span",
    events: list[dict[str, Any]] | None = None,
    resource: dict[str, Any] | None = None,
    status_code: int = 0,
    parent: str = "",
) -> RawSpan:
    return RawSpan(
        trace_id="0af7651916cd43dd8448eb211c80319c",
        span_id="b7ad6b7169203331",
        parent_span_id=parent,
        name=name,
        otel_kind=3,
        start_ns=START_NS,
        end_ns=START_NS + 1_500_000_000,
        attributes=attributes,
        events=events or [],
        status_code=status_code,
        status_message="",
        resource=resource or {},
        scope="test",
    )


def test_otel_genai_current_names() -> None:
    span = map_span(
        raw(
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
                "gen_ai.request.temperature": 0.2,
                "gen_ai.request.max_tokens": 256,
                "gen_ai.usage.input_tokens": 1000,
                "gen_ai.usage.output_tokens": 200,
                "gen_ai.usage.cache_read.input_tokens": 400,
                "gen_ai.usage.cache_write.input_tokens": 10,
                "gen_ai.usage.reasoning.output_tokens": 50,
                "gen_ai.system_instructions": json.dumps(
                    [{"type": "text", "content": "Be brief."}]
                ),
                "gen_ai.input.messages": json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}]
                ),
                "gen_ai.output.messages": json.dumps(
                    [
                        {
                            "role": "assistant",
                            "parts": [
                                {
                                    "type": "tool_call",
                                    "id": "call_1",
                                    "name": "get_weather",
                                    "arguments": {"city": "Paris"},
                                }
                            ],
                            "finish_reason": "tool_call",
                        }
                    ]
                ),
                "gen_ai.conversation.id": "conv-7",
                "gen_ai.prompt.name": "weather-bot",
                "gen_ai.prompt.version": "3",
                "gen_ai.prompt.variable.city": "Paris",
                "server.address": "api.internal",
            },
            name="chat gpt-4o-mini",
        )
    )
    assert span.kind == "llm"
    assert (span.provider, span.model_requested, span.model_answered) == (
        "openai",
        "gpt-4o-mini",
        "gpt-4o-mini-2024-07-18",
    )
    assert span.invocation_params == {"temperature": 0.2, "max_tokens": 256}
    assert (
        span.input_tokens,
        span.output_tokens,
        span.cache_read_tokens,
        span.cache_write_tokens,
        span.reasoning_tokens,
    ) == (1000, 200, 400, 10, 50)
    assert span.input == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
    ]
    assert span.output == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}
            ],
            "finish_reason": "tool_call",
        }
    ]
    assert span.tool_calls == [
        {"id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}
    ]
    assert span.session_id == "conv-7"
    assert (span.prompt_name, span.prompt_version) == ("weather-bot", "3")
    assert span.metadata == {"prompt_variables": {"city": "Paris"}}
    assert span.attributes == {"server.address": "api.internal"}
    assert span.start_time == datetime(2026, 1, 1, tzinfo=UTC)
    assert span.duration_ms == 1500.0


def test_otel_genai_older_names() -> None:
    span = map_span(
        raw(
            {
                "gen_ai.system": "anthropic",
                "gen_ai.request.model": "claude-3-5-sonnet",
                "gen_ai.usage.prompt_tokens": 30,
                "gen_ai.usage.completion_tokens": 7,
                "gen_ai.usage.cache_creation.input_tokens": 12,
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "You are terse.",
                "gen_ai.prompt.1.role": "user",
                "gen_ai.prompt.1.content": "Hi",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "Hello.",
                "gen_ai.completion.0.finish_reason": "stop",
                "llm.request.type": "chat",
            }
        )
    )
    assert span.kind == "llm"
    assert span.provider == "anthropic"
    assert (span.input_tokens, span.output_tokens, span.cache_write_tokens) == (30, 7, 12)
    assert span.input == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Hi"},
    ]
    assert span.output == [{"role": "assistant", "content": "Hello.", "finish_reason": "stop"}]
    assert span.attributes == {}


def test_openinference_llm_span() -> None:
    span = map_span(
        raw(
            {
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o",
                "llm.provider": "openai",
                "llm.invocation_parameters": json.dumps({"temperature": 0.7}),
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "2+2?",
                "llm.output_messages.0.message.role": "assistant",
                f"{CALL}.id": "t1",
                f"{CALL}.function.name": "calc",
                f"{CALL}.function.arguments": '{"x":"2+2"}',
                "llm.token_count.prompt": 12,
                "llm.token_count.completion": 5,
                "llm.token_count.total": 17,
                "llm.token_count.prompt_details.cache_read": 4,
                "llm.token_count.completion_details.reasoning": 2,
                "llm.cost.total": 0.0012,
                "input.value": "2+2?",
                "input.mime_type": "text/plain",
                "session.id": "s-1",
                "user.id": "u-1",
                "tag.tags": ["beta", "math"],
                "metadata": json.dumps({"team": "core"}),
                "llm.prompt_template.version": "v7",
            },
            resource={"service.version": "1.4.2", "deployment.environment.name": "prod"},
        )
    )
    assert span.kind == "llm"
    assert (span.model_requested, span.model_answered, span.provider) == (
        "gpt-4o",
        "gpt-4o",
        "openai",
    )
    assert span.invocation_params == {"temperature": 0.7}
    assert span.input == [{"role": "user", "content": "2+2?"}]
    assert span.output == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "t1", "name": "calc", "arguments": '{"x":"2+2"}'}],
        }
    ]
    assert (span.input_tokens, span.output_tokens, span.total_tokens) == (12, 5, 17)
    assert (span.cache_read_tokens, span.reasoning_tokens) == (4, 2)
    assert span.cost_sent is not None
    assert str(span.cost_sent.total) == "0.0012"
    assert (span.user_id, span.session_id) == ("u-1", "s-1")
    assert span.tags == ["beta", "math"]
    assert span.metadata == {"team": "core"}
    assert (span.environment, span.release) == ("prod", "1.4.2")
    assert span.prompt_version == "v7"
    assert span.attributes == {}


def test_openinference_retriever_documents() -> None:
    span = map_span(
        raw(
            {
                "openinference.span.kind": "RETRIEVER",
                "input.value": "refund policy",
                "retrieval.documents.0.document.id": "doc-1",
                "retrieval.documents.0.document.content": "Refunds within 30 days.",
                "retrieval.documents.0.document.score": 0.91,
                "retrieval.documents.0.document.metadata": json.dumps({"source": "faq"}),
                "retrieval.documents.1.document.id": "doc-2",
                "retrieval.documents.1.document.content": "Shipping is free.",
                "retrieval.documents.1.document.score": 0.42,
            }
        )
    )
    assert span.kind == "retriever"
    assert span.input == "refund policy"
    assert span.documents == [
        {
            "id": "doc-1",
            "content": "Refunds within 30 days.",
            "score": 0.91,
            "metadata": {"source": "faq"},
        },
        {"id": "doc-2", "content": "Shipping is free.", "score": 0.42},
    ]


def test_otel_genai_retrieval_and_tool_spans() -> None:
    retrieval = map_span(
        raw(
            {
                "gen_ai.operation.name": "retrieval",
                "gen_ai.data_source.id": "kb",
                "gen_ai.retrieval.query.text": "reset password",
                "gen_ai.retrieval.documents": json.dumps([{"id": "a", "score": 0.5}]),
            }
        )
    )
    assert retrieval.kind == "retriever"
    assert retrieval.input == "reset password"
    assert retrieval.documents == [{"id": "a", "content": "", "score": 0.5}]
    assert retrieval.attributes == {"gen_ai.data_source.id": "kb"}

    tool = map_span(
        raw(
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "get_weather",
                "gen_ai.tool.call.id": "call_1",
                "gen_ai.tool.call.arguments": '{"city": "Paris"}',
                "gen_ai.tool.call.result": '{"temp": 21}',
            }
        )
    )
    assert tool.kind == "tool"
    assert tool.input == {"city": "Paris"}
    assert tool.output == {"temp": 21}
    assert tool.metadata == {"tool": {"name": "get_weather", "call_id": "call_1"}}


def test_openllmetry_workflow_and_association_properties() -> None:
    span = map_span(
        raw(
            {
                "traceloop.span.kind": "workflow",
                "traceloop.entity.name": "answer_question",
                "traceloop.entity.input": json.dumps({"question": "why?"}),
                "traceloop.entity.output": json.dumps("because"),
                "traceloop.association.properties.user_id": "alice",
                "traceloop.association.properties.session_id": "sess-9",
                "traceloop.association.properties.tenant": "acme",
                "traceloop.prompt.key": "qa",
                "traceloop.prompt.version": 4,
            }
        )
    )
    assert span.kind == "chain"
    assert span.input == {"question": "why?"}
    assert span.output == "because"
    assert (span.user_id, span.session_id) == ("alice", "sess-9")
    assert span.metadata == {"tenant": "acme"}
    assert (span.prompt_name, span.prompt_version) == ("qa", "4")
    assert span.attributes == {"traceloop.entity.name": "answer_question"}


def test_details_event_carries_messages() -> None:
    span = map_span(
        raw(
            {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"},
            events=[
                {
                    "name": "gen_ai.client.inference.operation.details",
                    "time_unix_nano": START_NS,
                    "attributes": {
                        "gen_ai.input.messages": json.dumps(
                            [{"role": "user", "parts": [{"type": "text", "content": "hey"}]}]
                        ),
                        "gen_ai.output.messages": json.dumps(
                            [{"role": "assistant", "parts": [{"type": "text", "content": "yo"}]}]
                        ),
                    },
                }
            ],
        )
    )
    assert span.input == [{"role": "user", "content": "hey"}]
    assert span.output == [{"role": "assistant", "content": "yo"}]


def test_errors_from_status_and_exception_event() -> None:
    span = map_span(
        raw(
            {"gen_ai.request.model": "gpt-4o"},
            status_code=2,
            events=[
                {
                    "name": "exception",
                    "time_unix_nano": START_NS,
                    "attributes": {
                        "exception.type": "openai.RateLimitError",
                        "exception.message": "429 Too Many Requests",
                    },
                }
            ],
        )
    )
    assert span.status == "error"
    assert span.error_type == "openai.RateLimitError"
    assert span.status_message == "429 Too Many Requests"
    implicit = map_span(raw({"error.type": "timeout"}))
    assert (implicit.status, implicit.error_type) == ("error", "timeout")


def test_platform_own_attributes_win() -> None:
    span = map_span(
        raw(
            {
                "llmops.span.kind": "guardrail",
                "openinference.span.kind": "CHAIN",
                "llmops.user.id": "u-own",
                "user.id": "u-oi",
                "llmops.tags": ["a", "b"],
                "llmops.metadata.region": "eu",
                "llmops.environment": "staging",
                "llmops.release": "2026.11",
                "llmops.input": json.dumps({"text": "x"}),
            },
            resource={"deployment.environment.name": "prod"},
        )
    )
    assert span.kind == "guardrail"
    assert span.user_id == "u-own"
    assert span.tags == ["a", "b"]
    assert span.metadata == {"region": "eu"}
    assert (span.environment, span.release) == ("staging", "2026.11")
    assert span.input == {"text": "x"}
    assert span.attributes == {}


def test_unknown_attributes_are_kept_verbatim() -> None:
    span = map_span(raw({"http.route": "/chat", "custom.nested": {"a": [1, 2]}, "n": 3}))
    assert span.kind == "span"
    assert span.attributes == {"http.route": "/chat", "custom.nested": {"a": [1, 2]}, "n": 3}


def test_openinference_embedding_and_reranker() -> None:
    embedding = map_span(
        raw(
            {
                "openinference.span.kind": "EMBEDDING",
                "embedding.model_name": "text-embedding-3-small",
                "embedding.embeddings.0.embedding.text": "hello",
                "llm.token_count.prompt": 1,
            }
        )
    )
    assert embedding.kind == "embedding"
    assert embedding.model_requested == "text-embedding-3-small"
    assert embedding.input_tokens == 1
    reranker = map_span(
        raw(
            {
                "openinference.span.kind": "RERANKER",
                "reranker.query": "q",
                "reranker.model_name": "rerank-1",
                "reranker.input_documents.0.document.id": "x",
                "reranker.output_documents.0.document.id": "x",
                "reranker.output_documents.0.document.score": 0.9,
            }
        )
    )
    assert reranker.kind == "reranker"
    assert reranker.model_requested == "rerank-1"
    assert reranker.documents == [{"id": "x", "content": "", "score": 0.9}]
    assert reranker.input == {
        "query": "q",
        "documents": [{"id": "x", "content": "", "score": None}],
    }
