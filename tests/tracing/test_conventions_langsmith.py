"""LangSmith runs land on the same span fields as the other conventions'. Runs are shaped as
the ``langsmith`` client 0.15 and LangChain's tracer (langchain-core 1.8, langchain-openai 1.8)
send them, then converted by ``run_to_raw_span`` (the ingest's conversion contract)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from genai_prices import Usage, calc_price

from llmops.tracing.conventions.mapping import MappedSpan, map_span
from llmops.tracing.experiments import ExperimentItem, experiment_item
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.langsmith_runs import run_to_raw_span
from llmops.tracing.models import Span, Trace
from llmops.tracing.otlp import RawSpan
from llmops.tracing.run_ids import span_id_of, trace_id_of
from llmops.tracing.signals import traces_ingested
from tests.conftest import Tenant

ROOT = uuid.UUID("01a23d59-05ec-7761-a5d5-946b32961fa0")
START = "2026-12-03T19:19:34.124631+00:00"
END = "2026-12-03T19:19:35.124631+00:00"


def run(run_type: str = "chain", **fields: Any) -> dict[str, Any]:
    """A run as the client posts it (the root of its trace unless ``parent_run_id`` says)."""
    run_id = fields.pop("id", ROOT)
    return {
        "id": str(run_id),
        "trace_id": str(ROOT),
        "name": fields.pop("name", run_type),
        "run_type": run_type,
        "start_time": START,
        "end_time": END,
        "session_name": "support-bot",
        **fields,
    }


def mapped(run_type: str = "chain", **fields: Any) -> MappedSpan:
    raw = run(run_type, **fields)
    return map_span(run_to_raw_span(raw, project_name=raw.get("session_name") or "default"))


def constructor(cls: str, **kwargs: Any) -> dict[str, Any]:
    """A LangChain message in the constructor form (``dumpd``)."""
    return {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "messages", cls],
        "kwargs": kwargs,
    }


USAGE = {
    "input_tokens": 120,
    "output_tokens": 30,
    "total_tokens": 150,
    "input_token_details": {"cache_read": 100},
    "output_token_details": {"reasoning": 10},
}
TOKEN_USAGE = {
    "completion_tokens": 30,
    "prompt_tokens": 120,
    "total_tokens": 150,
    "completion_tokens_details": None,
    "prompt_tokens_details": None,
}


def chat_model_run(**overrides: Any) -> dict[str, Any]:
    """``ChatOpenAI(model="gpt-4o-mini", temperature=0)`` as LangChain's tracer sends it."""
    ai = constructor(
        "AIMessage",
        content="Answer: What is MLOps?",
        type="ai",
        response_metadata={
            "token_usage": TOKEN_USAGE,
            "model_provider": "openai",
            "model_name": "gpt-4o-mini-2024-07-18",
            "finish_reason": "stop",
        },
        usage_metadata=USAGE,
        tool_calls=[],
        invalid_tool_calls=[],
    )
    fields: dict[str, Any] = {
        "name": "ChatOpenAI",
        "inputs": {
            "messages": [
                [
                    constructor("SystemMessage", content="Answer briefly.", type="system"),
                    constructor("HumanMessage", content="What is MLOps?", type="human"),
                ]
            ]
        },
        "outputs": {
            "generations": [
                [
                    {
                        "text": "Answer: What is MLOps?",
                        "generation_info": {"finish_reason": "stop", "logprobs": None},
                        "type": "ChatGeneration",
                        "message": ai,
                    }
                ]
            ],
            "llm_output": {
                "token_usage": TOKEN_USAGE,
                "model_provider": "openai",
                "model_name": "gpt-4o-mini-2024-07-18",
            },
            "run": None,
            "type": "LLMResult",
        },
        "extra": {
            "invocation_params": {
                "model": "gpt-4o-mini",
                "model_name": "gpt-4o-mini",
                "stream": False,
                "temperature": 0.0,
                "_type": "openai-chat",
            },
            "options": {"stop": None},
            "batch_size": 1,
            "metadata": {
                "thread_id": "th-1",
                "ls_provider": "openai",
                "ls_model_name": "gpt-4o-mini",
                "ls_model_type": "chat",
                "ls_temperature": 0.0,
                "ls_max_tokens": 64,
                "usage_metadata": USAGE,
            },
            "runtime": {"sdk": "langsmith-py", "sdk_version": "0.15.1"},
        },
        "serialized": {
            "lc": 1,
            "type": "constructor",
            "id": ["langchain", "chat_models", "openai", "ChatOpenAI"],
            "kwargs": {"model_name": "gpt-4o-mini"},
        },
        "tags": ["seq:step:2", "t1"],
        "events": [
            {"name": "start", "time": START},
            {"name": "new_token", "time": "2026-12-03T19:19:34.374631+00:00", "kwargs": {}},
            {"name": "new_token", "time": "2026-12-03T19:19:34.474631+00:00", "kwargs": {}},
            {"name": "end", "time": END},
        ],
    }
    fields.update(overrides)
    return fields


def test_a_chat_model_run_is_an_llm_call_with_messages_usage_and_model() -> None:
    span = mapped("llm", **chat_model_run())
    assert span.kind == "llm"
    assert span.scope == "langsmith"
    assert (span.provider, span.model_requested) == ("openai", "gpt-4o-mini")
    assert span.model_answered == "gpt-4o-mini-2024-07-18"
    assert span.input == [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What is MLOps?"},
    ]
    assert span.output == [
        {"role": "assistant", "content": "Answer: What is MLOps?", "finish_reason": "stop"}
    ]
    assert span.tool_calls is None
    # LangChain's counts include their cached and reasoning parts, as the platform's do.
    assert (span.input_tokens, span.output_tokens, span.total_tokens) == (120, 30, 150)
    assert (span.cache_read_tokens, span.reasoning_tokens) == (100, 10)
    assert span.cost_sent is None  # priced from the table at ingest
    assert span.invocation_params == {
        "model": "gpt-4o-mini",
        "model_name": "gpt-4o-mini",
        "stream": False,
        "temperature": 0.0,
        "_type": "openai-chat",
        "max_tokens": 64,  # ls_max_tokens, where the parameters lack it
    }
    assert span.session_id == "th-1"
    assert span.tags == ["seq:step:2", "t1"]
    assert span.metadata["ls_model_type"] == "chat"
    assert span.metadata["langsmith_project"] == "support-bot"
    assert "usage_metadata" not in span.metadata  # in the token columns
    # The first streamed token, as the Langfuse mapping records it.
    assert span.metadata["time_to_first_token_ms"] == pytest.approx(250.0)
    # Nothing read stays; what no field holds does, with the ids the LangSmith reads need.
    assert span.attributes["langsmith.extra"] == {
        "options": {"stop": None},
        "batch_size": 1,
        "runtime": {"sdk": "langsmith-py", "sdk_version": "0.15.1"},
    }
    assert span.attributes["langsmith.run_id"] == str(ROOT)
    assert span.attributes["langsmith.run_type"] == "llm"
    assert "langsmith.serialized" in span.attributes
    for read in ("inputs", "outputs", "events", "tags", "session_name", "error"):
        assert f"langsmith.{read}" not in span.attributes


@pytest.mark.parametrize(
    ("run_type", "kind"),
    [
        ("llm", "llm"),
        ("chain", "chain"),
        ("tool", "tool"),
        ("retriever", "retriever"),
        ("prompt", "chain"),
        ("embedding", "embedding"),
        ("parser", "chain"),
        ("chat_model", "llm"),
        ("custom", "span"),
    ],
)
def test_run_types_are_span_kinds(run_type: str, kind: str) -> None:
    span = mapped(run_type, inputs={"x": 1})
    assert span.kind == kind
    assert span.attributes["langsmith.run_type"] == run_type  # prompt and parser told apart


def test_an_unknown_run_type_with_a_model_is_an_llm_call() -> None:
    span = mapped("custom", extra={"metadata": {"ls_model_name": "gpt-4o"}})
    assert (span.kind, span.model_requested) == ("llm", "gpt-4o")


@pytest.mark.parametrize(
    "message",
    [
        constructor("HumanMessage", content="Hi", type="human"),
        constructor("HumanMessageChunk", content="Hi"),
        {"content": "Hi", "type": "human", "additional_kwargs": {}, "response_metadata": {}},
        {"role": "user", "content": "Hi"},
        constructor("ChatMessage", content="Hi", role="user"),
        {"type": "chat", "role": "user", "content": "Hi"},
        {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
    ],
)
def test_every_serialized_form_of_a_user_message(message: dict[str, Any]) -> None:
    span = mapped("llm", inputs={"messages": [[message]]})
    assert span.input == [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    ("cls", "kind", "role"),
    [
        ("SystemMessage", "system", "system"),
        ("AIMessage", "ai", "assistant"),
        ("AIMessageChunk", "AIMessageChunk", "assistant"),
        ("ToolMessage", "tool", "tool"),
        ("FunctionMessage", "function", "function"),
    ],
)
def test_message_classes_and_types_are_roles(cls: str, kind: str, role: str) -> None:
    by_class = mapped("llm", inputs={"messages": [[constructor(cls, content="x")]]})
    by_type = mapped("llm", inputs={"messages": [[{"type": kind, "content": "x"}]]})
    assert by_class.input == by_type.input == [{"role": role, "content": "x"}]


def test_tool_calls_of_an_ai_message_and_the_tool_answer() -> None:
    call = {"name": "search", "args": {"query": "cats"}, "id": "call_1", "type": "tool_call"}
    ai = constructor("AIMessage", content="", type="ai", tool_calls=[call])
    answer = constructor("ToolMessage", content="found cats", tool_call_id="call_1", name="search")
    span = mapped(
        "llm",
        inputs={"messages": [[constructor("HumanMessage", content="find cats"), ai, answer]]},
        outputs={"generations": [[{"text": "", "message": ai}]]},
    )
    expected = [{"id": "call_1", "name": "search", "arguments": '{"query": "cats"}'}]
    assert span.tool_calls == expected
    assert span.output == [{"role": "assistant", "content": "", "tool_calls": expected}]
    assert span.input[1]["tool_calls"] == expected
    assert span.input[2] == {
        "role": "tool",
        "content": "found cats",
        "name": "search",
        "tool_call_id": "call_1",
    }


def test_openai_tool_calls_in_additional_kwargs_of_an_older_dump() -> None:
    ai = {
        "type": "ai",
        "content": None,
        "additional_kwargs": {
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
            "reasoning_content": "thinking",
        },
    }
    span = mapped("llm", outputs={"generations": [[{"text": "", "message": ai}]]})
    assert span.output == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "name": "f", "arguments": "{}"}],
            "reasoning": "thinking",
        }
    ]
    assert span.tool_calls == [{"id": "c1", "name": "f", "arguments": "{}"}]


def test_a_completion_model_prompts_and_text_generations() -> None:
    span = mapped(
        "llm",
        inputs={"prompts": ["Say hi"]},
        outputs={
            "generations": [[{"text": "hi", "generation_info": {"finish_reason": "length"}}]],
            "llm_output": {"token_usage": {"prompt_tokens": 2, "completion_tokens": 1}},
        },
        extra={"invocation_params": {"model_name": "gpt-3.5-turbo-instruct"}},
    )
    assert span.input == [{"role": "user", "content": "Say hi"}]
    assert span.output == [{"role": "assistant", "content": "hi", "finish_reason": "length"}]
    # llm_output.token_usage, OpenAI's names
    assert (span.input_tokens, span.output_tokens) == (2, 1)
    assert span.model_requested == "gpt-3.5-turbo-instruct"


def test_prompt_and_parser_runs_show_their_messages() -> None:
    prompt = mapped(
        "prompt",
        inputs={"question": "What is MLOps?"},
        outputs={
            "output": {
                "messages": [
                    {"content": "Answer briefly.", "type": "system", "additional_kwargs": {}},
                    {"content": "What is MLOps?", "type": "human", "additional_kwargs": {}},
                ]
            }
        },
    )
    assert prompt.input == {"question": "What is MLOps?"}  # not a chat: as sent
    assert prompt.output == [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What is MLOps?"},
    ]
    parser = mapped(
        "parser",
        inputs={"input": {"content": "Answer", "type": "ai", "usage_metadata": USAGE}},
        outputs={"output": "Answer"},
    )
    assert parser.input == [{"role": "assistant", "content": "Answer"}]
    assert parser.output == {"output": "Answer"}
    # A parser is no model call: its input message's usage is not counted again.
    assert parser.kind == "chain"


CALL = {"id": "c1", "name": "f", "arguments": "{}"}


def test_a_chain_returning_the_model_message_counts_no_tokens_of_its_own() -> None:
    """The trace sums its spans' tokens: the chat model's run has them, its caller not."""
    ai = {
        "type": "ai",
        "content": "Answer",
        "usage_metadata": USAGE,
        "response_metadata": {"model_name": "gpt-4o-mini"},
        "tool_calls": [{"name": "f", "args": {}, "id": "c1", "type": "tool_call"}],
    }
    span = mapped(
        "chain",
        inputs={"question": "q"},
        outputs={"output": ai},
        extra={"metadata": {"model": "gpt-4", "ls_model_name": "gpt-4o-mini", "tokens": 12}},
    )
    assert span.output == [
        {"role": "assistant", "content": "Answer", "tool_calls": [CALL]},
    ]
    assert span.tool_calls is None  # the model's run has them
    assert (span.input_tokens, span.output_tokens, span.total_tokens) == (None, None, None)
    assert (span.model_requested, span.model_answered) == ("", "")


def test_other_inputs_and_outputs_are_kept_as_sent() -> None:
    span = mapped(
        "chain",
        inputs={"question": "q", "history": [1, 2]},
        outputs={"output": "Answer: q", "score": 1.5},
    )
    assert span.input == {"question": "q", "history": [1, 2]}
    assert span.output == {"output": "Answer: q", "score": 1.5}
    assert span.documents is None
    assert span.tool_calls is None


def test_wrap_openai_chat_completion() -> None:
    """``langsmith.wrappers.wrap_openai``: the request's kwargs in, the completion out."""
    span = mapped(
        "llm",
        inputs={"messages": [{"role": "user", "content": "Hi"}], "model": "gpt-4o-mini"},
        outputs={
            "id": "chatcmpl-1",
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "Hello"},
                }
            ],
            "usage": {"prompt_tokens": 8, "completion_tokens": 2, "total_tokens": 10},
            "usage_metadata": {"input_tokens": 8, "output_tokens": 2, "total_tokens": 10},
        },
        extra={"metadata": {"ls_provider": "openai", "ls_model_name": "gpt-4o-mini"}},
    )
    assert span.input == [{"role": "user", "content": "Hi"}]
    assert span.output == [{"role": "assistant", "content": "Hello", "finish_reason": "stop"}]
    assert (span.input_tokens, span.output_tokens, span.total_tokens) == (8, 2, 10)
    assert (span.model_requested, span.model_answered) == ("gpt-4o-mini", "gpt-4o-mini-2024-07-18")


@pytest.mark.parametrize(
    ("outputs", "extra", "expected"),
    [
        # outputs.usage_metadata (a @traceable LLM function's)
        ({"usage_metadata": USAGE}, {}, (120, 30, 150, 100, 10)),
        # extra.metadata.usage_metadata, where LangChain also puts it
        ({"output": "x"}, {"metadata": {"usage_metadata": USAGE}}, (120, 30, 150, 100, 10)),
        # llm_output.token_usage with OpenAI's details
        (
            {
                "llm_output": {
                    "token_usage": {
                        "prompt_tokens": 120,
                        "completion_tokens": 30,
                        "total_tokens": 150,
                        "prompt_tokens_details": {"cached_tokens": 100},
                        "completion_tokens_details": {"reasoning_tokens": 10},
                    }
                }
            },
            {},
            (120, 30, 150, 100, 10),
        ),
        # Anthropic's llm_output.usage: disjoint counts, added up
        (
            {
                "llm_output": {
                    "usage": {
                        "input_tokens": 20,
                        "output_tokens": 30,
                        "cache_read_input_tokens": 100,
                    }
                }
            },
            {},
            (120, 30, None, 100, None),
        ),
        # The seed code's metadata "tokens": a total, nothing better said
        ({"response": "MLOps is..."}, {"metadata": {"tokens": 125}}, (None, None, 125, None, None)),
    ],
)
def test_usage_sources(
    outputs: dict[str, Any], extra: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    span = mapped("llm", outputs=outputs, extra=extra)
    assert (
        span.input_tokens,
        span.output_tokens,
        span.total_tokens,
        span.cache_read_tokens,
        span.reasoning_tokens,
    ) == expected


def test_usage_metadata_wins_over_the_metadata_tokens_total() -> None:
    span = mapped(
        "llm",
        outputs={"usage_metadata": {"input_tokens": 5, "output_tokens": 4, "total_tokens": 9}},
        extra={"metadata": {"tokens": 125}},
    )
    assert span.total_tokens == 9
    assert span.metadata["tokens"] == 125  # the user's metadata, kept


def test_a_cost_in_usage_metadata_is_the_span_cost() -> None:
    span = mapped(
        "llm",
        outputs={
            "usage_metadata": {
                "input_tokens": 10,
                "output_tokens": 5,
                "total_tokens": 15,
                "input_cost": 0.001,
                "output_cost": 0.002,
                "total_cost": 0.003,
            }
        },
    )
    assert span.cost_sent is not None
    assert span.cost_sent.total == Decimal("0.003")
    assert (span.cost_sent.input, span.cost_sent.output) == (Decimal("0.001"), Decimal("0.002"))


def test_the_issue_seed_run() -> None:
    """``client.create_run(name="chat_completion", run_type="llm", ...)`` of the issue."""
    span = mapped(
        "llm",
        name="chat_completion",
        inputs={"prompt": "What is MLOps?"},
        outputs={"response": "MLOps is..."},
        extra={"metadata": {"model": "gpt-4", "tokens": 125}},
    )
    assert (span.kind, span.model_requested, span.provider) == ("llm", "gpt-4", "")
    assert span.input == {"prompt": "What is MLOps?"}
    assert span.output == {"response": "MLOps is..."}
    assert span.total_tokens == 125
    assert not span.has_usage  # so ingest estimates the split (usage_estimated)


def test_the_provider_from_the_constructor_path_when_metadata_lacks_it() -> None:
    span = mapped(
        "llm",
        extra={"invocation_params": {"model": "claude-3-5-haiku-latest"}},
        serialized={"lc": 1, "id": ["langchain", "chat_models", "anthropic", "ChatAnthropic"]},
    )
    assert (span.provider, span.model_requested) == ("anthropic", "claude-3-5-haiku-latest")


@pytest.mark.parametrize(
    "outputs",
    [
        {
            "documents": [
                {"page_content": "doc one", "metadata": {"source": "a.txt"}, "type": "Document"},
                {"page_content": "doc two", "metadata": {"score": 0.5}, "id": "d2"},
            ]
        },
        {
            "output": [
                {"page_content": "doc one", "metadata": {"source": "a.txt"}, "type": "Document"},
                {"page_content": "doc two", "metadata": {"score": 0.5}, "id": "d2"},
            ]
        },
    ],
)
def test_retriever_documents(outputs: dict[str, Any]) -> None:
    span = mapped("retriever", inputs={"query": "what"}, outputs=outputs)
    assert span.kind == "retriever"
    assert span.documents == [
        {"id": "", "content": "doc one", "score": None, "metadata": {"source": "a.txt"}},
        {"id": "d2", "content": "doc two", "score": 0.5, "metadata": {"score": 0.5}},
    ]
    assert span.input == {"query": "what"}


def test_a_tool_run() -> None:
    span = mapped(
        "tool",
        name="search",
        inputs={"query": "find cats"},
        outputs={
            "output": {
                "content": "found cats",
                "type": "tool",
                "name": "search",
                "tool_call_id": "call_1",
                "status": "success",
            }
        },
        extra={"color": "green", "tool_call_id": "call_1"},
    )
    assert span.kind == "tool"
    assert span.input == {"query": "find cats"}
    assert span.output == [
        {"role": "tool", "content": "found cats", "name": "search", "tool_call_id": "call_1"}
    ]
    assert span.metadata["tool"] == {"name": "search", "call_id": "call_1"}


def test_an_error_fails_the_span_with_its_type() -> None:
    error = "ValueError('boom')\n\nTraceback (most recent call last):\n  ..."
    span = mapped("chain", error=error)
    assert span.status == "error"
    assert span.status_message == error
    assert span.error_type == "ValueError"
    assert "langsmith.error" not in span.attributes


def test_threads_users_tags_release_and_project() -> None:
    span = mapped(
        "chain",
        tags=["prod", "v2"],
        session_id=str(uuid.UUID(int=7)),
        extra={
            "metadata": {
                "conversation_id": "conv-9",
                "user_id": "u-1",
                "revision_id": "abc123",
                "ls_run_depth": 0,
            }
        },
    )
    assert (span.session_id, span.user_id, span.release) == ("conv-9", "u-1", "abc123")
    assert span.tags == ["prod", "v2"]
    assert span.metadata["ls_run_depth"] == 0
    assert span.metadata["langsmith_project"] == "support-bot"
    assert span.metadata["langsmith_project_id"] == str(uuid.UUID(int=7))


def test_a_root_run_with_a_reference_example_is_an_experiment_item() -> None:
    example = uuid.UUID(int=42)
    span = mapped(
        "chain",
        name="Target",
        session_name="mlops-questions-1a2b",
        reference_example_id=str(example),
        inputs={"prompt": "What is MLOps?"},
        outputs={"output": "MLOps is..."},
    )
    assert span.experiment == {
        "id": "mlops-questions-1a2b",  # the session's name: evaluate() names it so
        "name": "mlops-questions-1a2b",
        "item_id": str(example),
        "dataset_id": "",
        "item_root_observation_id": span_id_of(ROOT),
    }
    assert experiment_item(span) == ExperimentItem(
        trace_id=trace_id_of(ROOT),
        span_id=span_id_of(ROOT),
        experiment_id="mlops-questions-1a2b",
        experiment_name="mlops-questions-1a2b",
        description="",
        dataset_id="",
        item_id=str(example),
        input={"prompt": "What is MLOps?"},
        output={"output": "MLOps is..."},
        expected_output=None,
        metadata={},
        error="",
        latency_ms=1000.0,
    )
    # As sent too, for the LangSmith reads (read_run answers it).
    assert span.attributes["langsmith.reference_example_id"] == str(example)


def test_an_experiment_session_named_by_id() -> None:
    session = uuid.UUID(int=9)
    span = mapped("chain", reference_example_id=str(uuid.UUID(int=1)), session_id=str(session))
    assert span.experiment is not None
    assert span.experiment["id"] == str(session)


def test_a_failed_experiment_item_carries_its_error() -> None:
    span = mapped("chain", reference_example_id=str(uuid.UUID(int=1)), error="KeyError('x')")
    item = experiment_item(span)
    assert item is not None
    assert item.error == "KeyError('x')"


def test_a_run_without_a_reference_example_is_no_item() -> None:
    assert mapped("chain").experiment is None


@pytest.mark.django_db
def test_ingest_prices_a_chat_model_run_like_an_otlp_span(tenant: Tenant) -> None:
    received: list[dict[str, Any]] = []

    def listener(**kwargs: Any) -> None:
        received.append(kwargs)

    child = uuid.UUID("01a23d59-05fa-7100-89eb-8574e2c44549")
    runs = [
        run("chain", name="RunnableSequence", inputs={"question": "What is MLOps?"}),
        run("llm", id=child, parent_run_id=str(ROOT), **chat_model_run()),
        run(
            "retriever",
            id=uuid.UUID(int=5),
            trace_id=str(uuid.UUID(int=5)),
            name="retrieve",
            reference_example_id=str(uuid.UUID(int=6)),
            outputs={"documents": [{"page_content": "doc", "metadata": {}}]},
        ),
    ]
    traces_ingested.connect(listener)
    try:
        result = spans_ingest(
            project=tenant.project,
            raw_spans=[run_to_raw_span(r, project_name="support-bot") for r in runs],
        )
    finally:
        traces_ingested.disconnect(listener)
    assert result.rejected == []
    call = Span.objects.get(project=tenant.project, span_id=span_id_of(child))
    assert call.parent_span_id == span_id_of(ROOT)
    assert call.trace_id == trace_id_of(ROOT)
    expected = calc_price(
        Usage(input_tokens=120, output_tokens=30, cache_read_tokens=100),
        model_ref="gpt-4o-mini-2024-07-18",
        provider_id="openai",
        genai_request_timestamp=call.start_time,
    ).total_price
    assert call.cost_source == "default"
    assert call.cost_total == expected
    assert not call.usage_estimated
    # The project is a filter of the trace list (metadata_key / metadata_value).
    trace = Trace.objects.get(project=tenant.project, trace_id=trace_id_of(ROOT))
    assert trace.metadata["langsmith_project"] == "support-bot"
    ours = [r for r in received if r["project"] == tenant.project]
    items = [item for r in ours for item in r["experiment_items"]]
    assert [(i.item_id, i.span_id) for i in items] == [
        (str(uuid.UUID(int=6)), span_id_of(uuid.UUID(int=5)))
    ]


@pytest.mark.parametrize(
    "attributes",
    [
        {"langsmith.inputs": "not json {", "langsmith.outputs": "[1, 2", "langsmith.extra": "x"},
        {"langsmith.extra": "[1, 2]", "langsmith.events": '{"a": 1}', "langsmith.tags": "{}"},
        {
            "langsmith.run_type": "llm",
            "langsmith.outputs": '{"generations": [[1, "x", null]], "llm_output": [3]}',
            "langsmith.extra": '{"metadata": {"thread_id": {"a": 1}, "usage_metadata": "x",'
            ' "tool": "mine"}, "invocation_params": [1]}',
        },
        {
            "langsmith.run_type": "tool",
            "langsmith.extra": '{"metadata": {"tool": "mine", "user_id": 7}}',
            "langsmith.events": '[{"name": "new_token", "time": "yesterday"}, 5]',
        },
        {
            "langsmith.run_type": 5,
            "langsmith.inputs": '{"messages": [[{"lc": 1, "id": "x", "kwargs": []}]]}',
            "langsmith.outputs": '{"documents": [{"page_content": 1, "metadata": "m"}]}',
            "langsmith.error": 3,
            "langsmith.reference_example_id": "",
        },
    ],
)
def test_odd_shapes_are_kept_not_fatal(attributes: dict[str, Any]) -> None:
    """Runs may also arrive as OTLP spans: a value of any shape maps without failing."""
    span = map_span(
        RawSpan(
            trace_id=trace_id_of(ROOT),
            span_id=span_id_of(ROOT),
            parent_span_id="",
            name="odd",
            otel_kind=1,
            start_ns=1,
            end_ns=2,
            attributes={"langsmith.run_id": str(ROOT), **attributes},
            events=[],
            status_code=0,
            status_message="",
            resource={},
            scope="langsmith",
        )
    )
    assert span.name == "odd"
    assert span.experiment is None
    assert isinstance(span.metadata, dict)


@pytest.mark.django_db
def test_the_seed_run_is_priced_from_an_estimate_keeping_its_total(tenant: Tenant) -> None:
    raw = run(
        "llm",
        name="chat_completion",
        inputs={"prompt": "What is MLOps?"},
        outputs={"response": "MLOps is..."},
        extra={"metadata": {"model": "gpt-4", "tokens": 125}},
    )
    result = spans_ingest(
        project=tenant.project, raw_spans=[run_to_raw_span(raw, project_name="support-bot")]
    )
    assert result.rejected == []
    span = Span.objects.get(project=tenant.project, span_id=span_id_of(ROOT))
    assert span.usage_estimated
    assert span.total_tokens == 125
    assert span.input_tokens > 0
    assert span.output_tokens > 0
    assert span.cost_source == "default"
    assert (
        span.cost_total
        == calc_price(
            Usage(input_tokens=span.input_tokens, output_tokens=span.output_tokens),
            model_ref="gpt-4",
            genai_request_timestamp=span.start_time,
        ).total_price
    )
