"""Tracing with the real Langfuse SDKs: ``@observe``, the drop-in OpenAI wrapper and the trace
attributes arrive as the platform's own spans and traces (kinds, model, tokens, cost, user,
session, tags), read back through the platform's REST API."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from genai_prices import Usage, calc_price

from llmops.local_llm.server import LocalLLM
from llmops.tracing.experiments import ExperimentItem
from llmops.tracing.models import Span, Trace
from llmops.tracing.signals import traces_ingested
from tests.conftest import Tenant
from tests.langfuse.clients import LangfuseClient

OBSERVED = """
    import json
    from langfuse import get_client, observe

    langfuse = get_client()

    @observe(as_type="generation", name="priced-call")
    def priced_call():
        langfuse.update_current_generation(
            model="gpt-4o-mini",
            input=[{"role": "user", "content": "What is 6 x 7?"}],
            usage_details={"input": 100, "output": 20},
            cost_details={"total": 0.125},
        )
        return "42"

    @observe(as_type="tool", name="lookup")
    def lookup(query):
        langfuse.update_current_span(level="ERROR", status_message="index offline")
        return None

    @observe(name="inner")
    def inner(query):
        lookup(query)
        return priced_call()

    @observe(name="handle")
    def handle(query):
        trace = dict(
            user_id="user-7", session_id="session-7", tags=["beta", "web"],
            metadata={"team": "search"},
        )
        if hasattr(langfuse, "update_current_trace"):  # 3.x
            langfuse.update_current_trace(name="checkout", **trace)
            answer = inner(query)
        else:  # 5.x sets trace attributes on every span opened inside the block
            from langfuse import propagate_attributes
            with propagate_attributes(trace_name="checkout", **trace):
                answer = inner(query)
        return {"trace_id": langfuse.get_current_trace_id(), "answer": answer}

    result = handle("6 x 7")
    langfuse.flush()
    langfuse.shutdown()
    print(json.dumps(result))
"""

WRAPPED_OPENAI = """
    import json, os
    from langfuse import get_client, observe
    from langfuse.openai import openai

    client = openai.OpenAI(base_url=os.environ["LLM_BASE_URL"], api_key="local")

    @observe(name="ask")
    def ask():
        reply = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "system", "content": "Answer briefly."},
                {"role": "user", "content": "What is the capital of France?"},
            ],
            temperature=0,
        )
        streamed = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "And of Italy?"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(streamed)
        embedded = client.embeddings.create(model="text-embedding-3-small", input="Paris")
        return {
            "trace_id": get_client().get_current_trace_id(),
            "usage": reply.usage.model_dump(),
            "content": reply.choices[0].message.content,
            "streamed_usage": [c.usage.model_dump() for c in chunks if c.usage][-1],
            "embedded_tokens": embedded.usage.prompt_tokens,
        }

    result = ask()
    get_client().flush()
    get_client().shutdown()
    print(json.dumps(result))
"""


def _tree(nodes: list[dict[str, Any]], depth: int = 0) -> list[tuple[int, str, str]]:
    """(depth, name, kind) in tree order, from the API's nested spans."""
    out: list[tuple[int, str, str]] = []
    for node in nodes:
        out.append((depth, node["span"]["name"], node["span"]["kind"]))
        out.extend(_tree(node.get("children") or [], depth + 1))
    return out


@pytest.mark.django_db(transaction=True)
def test_observe_gives_the_same_tree_kinds_and_trace_attributes(
    langfuse: LangfuseClient, tenant: Tenant
) -> None:
    result = langfuse.run(OBSERVED)
    trace_id = result["trace_id"]
    response = tenant.client().get(f"/api/v1/traces/{trace_id}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert _tree(body["spans"]) == [
        (0, "handle", "span"),
        (1, "inner", "span"),
        (2, "lookup", "tool"),
        (2, "priced-call", "llm"),
    ]
    assert body["name"] == "checkout"
    assert body["user_id"] == "user-7"
    assert body["session_id"] == "session-7"
    assert body["tags"] == ["beta", "web"]
    assert body["status"] == "error"  # the lookup logged at level ERROR
    trace = Trace.objects.get(project=tenant.project, trace_id=trace_id)
    assert trace.metadata["team"] == "search"
    assert trace.environment == "test"  # LANGFUSE_TRACING_ENVIRONMENT of the client

    spans = {s.name: s for s in Span.objects.filter(project=tenant.project, trace_id=trace_id)}
    lookup = spans["lookup"]
    assert (lookup.status, lookup.status_message) == ("error", "index offline")
    call = spans["priced-call"]
    assert call.model_requested == "gpt-4o-mini"
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (100, 20, 120)
    # The sent cost wins over the price table, as for any convention's sent cost.
    assert call.cost_source == "span"
    assert call.cost_total == Decimal("0.125")
    assert call.input == [{"role": "user", "content": "What is 6 x 7?"}]
    assert call.output == "42"  # @observe records the return value
    assert spans["handle"].output == {"trace_id": trace_id, "answer": "42"}


@pytest.mark.django_db(transaction=True)
def test_the_openai_wrapper_records_a_priced_generation(
    langfuse: LangfuseClient, tenant: Tenant, llm: LocalLLM
) -> None:
    result = langfuse.run(WRAPPED_OPENAI, LLM_BASE_URL=llm.base_url)
    trace_id = result["trace_id"]
    usage = result["usage"]
    response = tenant.client().get(f"/api/v1/traces/{trace_id}")
    assert response.status_code == 200, response.content
    tree = _tree(response.json()["spans"])
    assert tree[0] == (0, "ask", "span")
    assert sorted((depth, kind) for depth, _, kind in tree[1:]) == [
        (1, "embedding"),
        (1, "llm"),
        (1, "llm"),
    ]

    calls = Span.objects.filter(project=tenant.project, trace_id=trace_id, kind="llm")
    call, streamed = sorted(calls, key=lambda span: span.start_time)
    assert call.model_requested == "gpt-4o-mini"
    assert call.input_tokens == usage["prompt_tokens"]
    assert call.output_tokens == usage["completion_tokens"]
    assert call.total_tokens == usage["total_tokens"]
    assert call.input_tokens > 0
    expected = calc_price(
        Usage(input_tokens=usage["prompt_tokens"], output_tokens=usage["completion_tokens"]),
        model_ref="gpt-4o-mini",
        genai_request_timestamp=call.start_time,
    ).total_price
    assert call.cost_source == "default"
    assert call.cost_total == expected
    assert call.invocation_params["temperature"] == 0
    assert call.input == [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    assert call.output == [{"role": "assistant", "content": result["content"]}]

    # Streamed: the wrapper reports when the first chunk came, and the usage of the last one.
    assert streamed.input_tokens == result["streamed_usage"]["prompt_tokens"]
    assert streamed.output_tokens == result["streamed_usage"]["completion_tokens"]
    assert streamed.cost_source == "default"
    assert (
        streamed.cost_total
        == calc_price(
            Usage(
                input_tokens=streamed.input_tokens or 0,
                output_tokens=streamed.output_tokens or 0,
            ),
            model_ref="gpt-4o-mini",
            genai_request_timestamp=streamed.start_time,
        ).total_price
    )
    assert "completion_start_time" in streamed.metadata
    assert "time_to_first_token_ms" in streamed.metadata

    embedding = Span.objects.get(project=tenant.project, trace_id=trace_id, kind="embedding")
    assert embedding.model_requested == "text-embedding-3-small"
    assert embedding.input_tokens == result["embedded_tokens"] > 0
    # Langfuse sends no provider: the price is what genai-prices finds from the model name
    # alone (for OpenAI's embedding models, nothing: the span is marked unpriced, and a project
    # price for the model prices it).
    try:
        embedding_cost: Decimal | None = calc_price(
            Usage(input_tokens=result["embedded_tokens"], output_tokens=0),
            model_ref="text-embedding-3-small",
            genai_request_timestamp=embedding.start_time,
        ).total_price
    except LookupError:
        embedding_cost = None
    assert embedding.cost_total == embedding_cost
    assert embedding.cost_source == ("unpriced" if embedding_cost is None else "default")

    trace = Trace.objects.get(project=tenant.project, trace_id=trace_id)
    assert set(trace.model_names) == {"gpt-4o-mini", "text-embedding-3-small"}
    assert trace.cost_total == expected + streamed.cost_total + (embedding_cost or 0)


EXPERIMENT = """
    import json
    from langfuse import get_client

    langfuse = get_client()

    def task(*, item, **kwargs):
        if item["input"] == "fail":
            raise ValueError("cannot answer")
        return item["input"].upper()

    def exact(*, output, expected_output, **kwargs):
        from langfuse import Evaluation
        return Evaluation(name="exact", value=float(output == expected_output))

    result = langfuse.run_experiment(
        name="capitals",
        run_name="capitals run 1",
        description="upper-casing",
        data=[
            {"input": "paris", "expected_output": "PARIS"},
            {"input": "rome", "expected_output": {"answer": "ROME"}},
            {"input": "fail", "expected_output": "FAIL"},
        ],
        task=task,
        evaluators=[exact],
        metadata={"model": "gpt-4o-mini"},
    )
    langfuse.flush()
    langfuse.shutdown()
    print(json.dumps({"traces": [r.trace_id for r in result.item_results]}))
"""


@pytest.mark.django_db(transaction=True)
def test_an_experiment_run_arrives_as_experiment_items(
    langfuse: LangfuseClient, tenant: Tenant
) -> None:
    received: list[ExperimentItem] = []

    def listener(**kwargs: Any) -> None:
        if kwargs["project"] == tenant.project:
            received.extend(kwargs.get("experiment_items", []))

    traces_ingested.connect(listener)
    try:
        result = langfuse.run(EXPERIMENT)
    finally:
        traces_ingested.disconnect(listener)
    by_expected = {json.dumps(item.expected_output): item for item in received}
    assert len(received) == 3  # one per item: its root observation only
    paris = by_expected['"PARIS"']
    rome = by_expected['{"answer": "ROME"}']
    failed = by_expected['"FAIL"']
    assert {item.trace_id for item in received} <= set(result["traces"]) | {failed.trace_id}
    assert (paris.input, paris.output, paris.error) == ("paris", "PARIS", "")
    assert (rome.input, rome.output) == ("rome", "ROME")
    assert paris.experiment_name == "capitals run 1"
    assert paris.description == "upper-casing"
    assert paris.metadata == {"model": "gpt-4o-mini"}
    assert paris.dataset_id == ""  # local data, no dataset
    assert paris.item_id != rome.item_id
    # 3.15 gives each item of local data an experiment id of its own; 5.2 one per run.
    assert paris.experiment_id != ""
    if langfuse.release != "3.15":
        assert paris.experiment_id == rome.experiment_id
        assert failed.input == "fail"  # 3.15 records the input of successful items only
    assert "cannot answer" in failed.error
    root = Span.objects.get(project=tenant.project, span_id=paris.span_id)
    assert root.metadata["experiment"]["item_id"] == paris.item_id
