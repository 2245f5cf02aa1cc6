"""LangChain traced with ``LANGSMITH_TRACING=true`` against the platform: a prompt, a chat
model (``ChatOpenAI`` against the local OpenAI-compatible server) and a parser; a tool-calling
agent; retrievers. The platform's own API then shows the trees, the kinds, the model, the
tokens, the genai-prices cost, the conversation and the documents."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from genai_prices import Usage, calc_price

from llmops.local_llm.server import LocalLLM
from llmops.tracing.models import Span
from llmops.tracing.run_ids import span_id_of, trace_id_of
from tests.conftest import Tenant
from tests.langsmith.clients import LangSmithClient

CHAIN = """
    import json, os, uuid
    from langchain_core.callbacks import UsageMetadataCallbackHandler
    from langchain_core.documents import Document
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.tools import tool
    from langchain_core.tracers.langchain import wait_for_all_tracers
    from langchain_openai import ChatOpenAI
    from langsmith import traceable
    from langsmith.run_trees import get_cached_client

    llm = ChatOpenAI(base_url=os.environ["LLM_BASE_URL"], api_key="x", model="gpt-4o-mini",
                     temperature=0)
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer briefly."), ("human", "{question}")])
    chain = prompt | llm | StrOutputParser()
    usage = UsageMetadataCallbackHandler()
    chain_id = uuid.uuid4()
    answer = chain.invoke(
        {"question": "What is MLOps?"},
        config={"run_id": chain_id, "callbacks": [usage], "tags": ["faq"],
                "metadata": {"thread_id": "thread-7", "user_id": "user-3"}},
    )

    @tool
    def search(query: str) -> str:
        \"\"\"Search the knowledge base.\"\"\"
        return "found: " + query

    @traceable(run_type="chain", name="agent")
    def agent(question):
        message = llm.bind_tools([search]).invoke(question)
        result = search.invoke(message.tool_calls[0])
        return {"answer": result.content}

    agent_id = uuid.uuid4()
    agent("find cats", langsmith_extra={"run_id": agent_id})

    class Faq(BaseRetriever):
        def _get_relevant_documents(self, query, *, run_manager):
            return [Document(page_content="MLOps is ML plus operations",
                             metadata={"source": "faq.md"}, id="doc-1")]

    Faq().invoke("what is mlops")

    @traceable(run_type="retriever", name="lookup")
    def lookup(query):
        return [{"page_content": "Pipelines ship models", "metadata": {"score": 0.9},
                 "type": "Document"}]

    lookup_id = uuid.uuid4()
    lookup("pipelines", langsmith_extra={"run_id": lookup_id})

    stream_id = uuid.uuid4()
    streamed = "".join(
        chunk.content for chunk in llm.stream("Stream this", stream_usage=True,
                                                config={"run_id": stream_id})
    )

    wait_for_all_tracers()
    get_cached_client().flush()
    print(json.dumps({
        "answer": answer, "usage": usage.usage_metadata, "chain": str(chain_id),
        "agent": str(agent_id), "lookup": str(lookup_id),
        "stream": str(stream_id), "streamed": streamed,
    }))
"""


def _tree(nodes: list[dict[str, Any]], depth: int = 0) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    for node in nodes:
        out.append((depth, node["span"]["name"], node["span"]["kind"]))
        out.extend(_tree(node.get("children") or [], depth + 1))
    return out


def _spans(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for node in nodes:
        found[node["span"]["name"]] = node["span"]
        found.update(_spans(node.get("children") or []))
    return found


@pytest.mark.django_db(transaction=True)
def test_a_langchain_chain_agent_and_retrievers(
    langsmith: LangSmithClient, tenant: Tenant, llm: LocalLLM
) -> None:
    result = langsmith.run(CHAIN, LLM_BASE_URL=llm.base_url)
    assert result["answer"] == "Answer: What is MLOps?"
    client = tenant.client()

    # The chain: its tree and kinds (a prompt template and a parser are chain steps).
    trace_id = trace_id_of(uuid.UUID(result["chain"]))
    response = client.get(f"/api/v1/traces/{trace_id}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert _tree(body["spans"]) == [
        (0, "RunnableSequence", "chain"),
        (1, "ChatPromptTemplate", "chain"),
        (1, "ChatOpenAI", "llm"),
        (1, "StrOutputParser", "chain"),
    ]
    spans = _spans(body["spans"])
    assert spans["ChatPromptTemplate"]["attributes"]["langsmith.run_type"] == "prompt"
    assert spans["StrOutputParser"]["attributes"]["langsmith.run_type"] == "parser"
    call = spans["ChatOpenAI"]
    assert (call["provider"], call["model_requested"]) == ("openai", "gpt-4o-mini")
    assert call["invocation_params"]["temperature"] == 0
    assert call["input"] == [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What is MLOps?"},
    ]
    assert call["output"] == [
        {"role": "assistant", "content": "Answer: What is MLOps?", "finish_reason": "stop"}
    ]
    assert spans["ChatPromptTemplate"]["output"] == call["input"]
    # The tokens the client counted; the cost genai-prices gives for them, as an OTLP span's.
    (counted,) = result["usage"].values()
    assert call["usage"]["input_tokens"] == counted["input_tokens"] > 0
    assert call["usage"]["output_tokens"] == counted["output_tokens"] > 0
    assert call["usage"]["estimated"] is False
    stored = Span.objects.get(project=tenant.project, trace_id=trace_id, name="ChatOpenAI")
    expected = calc_price(
        Usage(input_tokens=counted["input_tokens"], output_tokens=counted["output_tokens"]),
        model_ref="gpt-4o-mini",
        genai_request_timestamp=stored.start_time,
    ).total_price
    assert stored.cost_source == "default"
    assert stored.cost_total == expected
    assert Decimal(str(call["cost"]["total"])) == expected
    # Only the model call has tokens: the trace's sums are the call's.
    assert body["total_tokens"] == counted["total_tokens"]
    assert Decimal(str(body["cost_total"])) == expected
    # Threads, users and tags of LangChain's config.
    assert (body["session_id"], body["user_id"]) == ("thread-7", "user-3")
    assert "faq" in body["tags"]

    # The LangSmith project is a filter of the trace list.
    listed = client.get(
        "/api/v1/traces", {"metadata_key": "langsmith_project", "metadata_value": "support-bot"}
    )
    assert listed.status_code == 200, listed.content
    assert trace_id in {item["trace_id"] for item in listed.json()["items"]}
    other = client.get(
        "/api/v1/traces", {"metadata_key": "langsmith_project", "metadata_value": "elsewhere"}
    )
    assert other.json()["items"] == []

    # The agent: the model's tool call, then the tool's run.
    agent = client.get(f"/api/v1/traces/{trace_id_of(uuid.UUID(result['agent']))}").json()
    assert _tree(agent["spans"]) == [
        (0, "agent", "chain"),
        (1, "ChatOpenAI", "llm"),
        (1, "search", "tool"),
    ]
    agent_spans = _spans(agent["spans"])
    (call_made,) = agent_spans["ChatOpenAI"]["tool_calls"]
    assert (call_made["name"], call_made["arguments"]) == ("search", '{"query": "find cats"}')
    tool = agent_spans["search"]
    assert tool["input"] == {"query": "find cats"}
    assert tool["output"] == [
        {
            "role": "tool",
            "content": "found: find cats",
            "name": "search",
            "tool_call_id": call_made["id"],
        }
    ]
    assert tool["metadata"]["tool"] == {"name": "search", "call_id": call_made["id"]}

    # Retrievers: LangChain's and a @traceable one, their documents.
    stored_retriever = Span.objects.get(project=tenant.project, name="Faq")
    assert stored_retriever.kind == "retriever"
    assert stored_retriever.documents == [
        {
            "id": "doc-1",
            "content": "MLOps is ML plus operations",
            "score": None,
            "metadata": {"source": "faq.md"},
        }
    ]
    assert stored_retriever.input == {"query": "what is mlops"}
    lookup = Span.objects.get(
        project=tenant.project, span_id=span_id_of(uuid.UUID(result["lookup"]))
    )
    assert lookup.kind == "retriever"
    assert lookup.documents == [
        {"id": "", "content": "Pipelines ship models", "score": 0.9, "metadata": {"score": 0.9}}
    ]

    # A streamed call: the message the chunks made, its usage, the first token's time.
    streamed = Span.objects.get(
        project=tenant.project, span_id=span_id_of(uuid.UUID(result["stream"]))
    )
    assert streamed.kind == "llm"
    assert streamed.input == [{"role": "user", "content": "Stream this"}]
    assert streamed.output == [
        {"role": "assistant", "content": result["streamed"], "finish_reason": "stop"}
    ]
    assert streamed.input_tokens > 0
    assert streamed.output_tokens > 0
    assert not streamed.usage_estimated
    assert streamed.cost_source == "default"
    assert "completion_start_time" in streamed.metadata
    assert "time_to_first_token_ms" in streamed.metadata
