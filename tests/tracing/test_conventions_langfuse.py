"""The Langfuse SDKs' ``langfuse.*`` attributes land on the same span fields as the other
conventions'. Payloads are shaped as the Python SDK (3.15 and 5.2) writes them:
``langfuse/_client/attributes.py``, ``propagation.py`` and the OpenAI wrapper."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from genai_prices import Usage, calc_price

from llmops.tracing import ingest
from llmops.tracing.conventions.mapping import map_span
from llmops.tracing.experiments import ExperimentItem, experiment_item
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.models import Span, Trace
from llmops.tracing.otlp import iter_spans
from llmops.tracing.signals import traces_ingested
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p
from tests.tracing.test_conventions import START_NS, raw

MS = 1_000_000
TRACE = "0af7651916cd43dd8448eb211c80319c"


def _openai_generation(**extra: Any) -> dict[str, Any]:
    """A chat completion as ``from langfuse.openai import openai`` records it."""
    return {
        "langfuse.observation.type": "generation",
        "langfuse.observation.model.name": "gpt-4o-mini",
        "langfuse.observation.model.parameters": json.dumps({"temperature": 0.2, "max_tokens": 64}),
        "langfuse.observation.input": json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Hi"},
                ]
            }
        ),
        "langfuse.observation.output": json.dumps({"role": "assistant", "content": "Hello"}),
        "langfuse.observation.usage_details": json.dumps(
            {
                "prompt_tokens": 120,
                "completion_tokens": 30,
                "total_tokens": 150,
                "prompt_tokens_details": {"cached_tokens": 100, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 10},
            }
        ),
        "langfuse.observation.completion_start_time": json.dumps("2026-01-01T00:00:00.250000Z"),
        "langfuse.observation.metadata.langfuse_version": "v1",
        "langfuse.environment": "production",
        "langfuse.version": "1.2",
        **extra,
    }


def test_a_generation_of_the_openai_wrapper() -> None:
    span = map_span(raw(_openai_generation()))
    assert span.kind == "llm"
    assert span.model_requested == "gpt-4o-mini"
    assert span.invocation_params == {"temperature": 0.2, "max_tokens": 64}
    assert span.input == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert span.output == [{"role": "assistant", "content": "Hello"}]
    # OpenAI's counts already include their cached and reasoning parts.
    assert (span.input_tokens, span.output_tokens, span.total_tokens) == (120, 30, 150)
    assert (span.cache_read_tokens, span.reasoning_tokens) == (100, 10)
    assert span.cost_sent is None  # priced from the table at ingest
    assert span.metadata["completion_start_time"] == "2026-01-01T00:00:00.250000Z"
    assert span.metadata["time_to_first_token_ms"] == pytest.approx(250.0)
    assert span.metadata["langfuse_version"] == "v1"
    assert span.metadata["version"] == "1.2"
    assert span.environment == "production"
    assert span.attributes == {}  # every attribute explained


def test_langfuse_usage_keys_are_disjoint_and_added_up() -> None:
    usage = {
        "input": 100,
        "output": 20,
        "input_cache_read": 30,
        "input_cache_creation": 7,
        "output_reasoning": 5,
        "total": 162,
    }
    span = map_span(
        raw(
            {
                "langfuse.observation.type": "generation",
                "langfuse.observation.usage_details": json.dumps(usage),
            }
        )
    )
    assert (span.input_tokens, span.output_tokens, span.total_tokens) == (137, 25, 162)
    assert (span.cache_read_tokens, span.cache_write_tokens, span.reasoning_tokens) == (30, 7, 5)


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        # Anthropic's names: input excludes the cache.
        (
            {"input_tokens": 10, "output_tokens": 4, "cache_read_input_tokens": 90},
            (100, 4, 90, None),
        ),
        # OpenAI Responses: inclusive, with details.
        (
            {
                "input_tokens": 50,
                "output_tokens": 9,
                "total_tokens": 59,
                "input_tokens_details": {"cached_tokens": 20},
                "output_tokens_details": {"reasoning_tokens": 3},
            },
            (50, 9, 20, 3),
        ),
        # An embedding, as the wrapper reports it.
        ({"input": 12}, (12, None, None, None)),
        # Other Langfuse spellings of the cache and reasoning counts.
        (
            {"input": 1, "output": 2, "input_cached_tokens": 3, "output_reasoning_tokens": 4},
            (4, 6, 3, 4),
        ),
    ],
)
def test_usage_shapes(usage: dict[str, Any], expected: tuple[Any, ...]) -> None:
    span = map_span(
        raw(
            {
                "langfuse.observation.type": "generation",
                "langfuse.observation.usage_details": json.dumps(usage),
            }
        )
    )
    assert (
        span.input_tokens,
        span.output_tokens,
        span.cache_read_tokens,
        span.reasoning_tokens,
    ) == expected


def test_a_sent_cost_is_the_span_cost() -> None:
    span = map_span(
        raw(
            _openai_generation(
                **{
                    "langfuse.observation.cost_details": json.dumps(
                        {"input": 0.001, "output": 0.002, "input_cache_read": 0.0005}
                    )
                }
            )
        )
    )
    assert span.cost_sent is not None
    assert span.cost_sent.total == Decimal("0.0035")
    assert span.cost_sent.input == Decimal("0.001")
    assert span.cost_sent.cache_read == Decimal("0.0005")
    total_only = map_span(
        raw({"langfuse.observation.cost_details": json.dumps({"total": 0.25})})
    ).cost_sent
    assert total_only is not None
    assert total_only.total == Decimal("0.25")


@pytest.mark.parametrize(
    ("observation_type", "kind"),
    [
        ("span", "span"),
        ("generation", "llm"),
        ("event", "span"),
        ("agent", "agent"),
        ("tool", "tool"),
        ("chain", "chain"),
        ("retriever", "retriever"),
        ("evaluator", "evaluator"),
        ("embedding", "embedding"),
        ("guardrail", "guardrail"),
    ],
)
def test_observation_types_are_span_kinds(observation_type: str, kind: str) -> None:
    span = map_span(raw({"langfuse.observation.type": observation_type}))
    assert span.kind == kind
    assert "langfuse.observation.type" not in span.attributes
    assert (span.metadata.get("observation_type") == "event") == (observation_type == "event")


def test_level_error_fails_the_span_and_warning_is_kept() -> None:
    failed = map_span(
        raw(
            {
                "langfuse.observation.type": "span",
                "langfuse.observation.level": "ERROR",
                "langfuse.observation.status_message": "boom",
            },
            status_code=1,
        )
    )
    assert (failed.status, failed.status_message) == ("error", "boom")
    assert failed.metadata["level"] == "ERROR"
    warned = map_span(raw({"langfuse.observation.level": "WARNING"}, status_code=1))
    assert (warned.status, warned.metadata["level"]) == ("ok", "WARNING")
    plain = map_span(raw({"langfuse.observation.level": "DEFAULT"}))
    assert "level" not in plain.metadata


def test_trace_attributes() -> None:
    span = map_span(
        raw(
            {
                "langfuse.observation.type": "span",
                "langfuse.observation.input": json.dumps({"args": ["q"], "kwargs": {}}),
                "langfuse.observation.output": "plain text",
                "langfuse.trace.name": "checkout",
                "user.id": "user-1",
                "session.id": "session-1",
                "langfuse.trace.tags": ["a", "b"],
                "langfuse.trace.metadata.team": "search",
                "langfuse.trace.metadata.config": json.dumps({"k": 1}),
                "langfuse.trace.input": json.dumps({"question": "q"}),
                "langfuse.trace.output": json.dumps("answer"),
                "langfuse.trace.public": True,
                "langfuse.release": "2026.1",
                "langfuse.observation.metadata": json.dumps({"whole": True}),
                "langfuse.internal.as_root": True,
            }
        )
    )
    assert span.input == {"args": ["q"], "kwargs": {}}  # not chat: kept as sent
    assert span.output == "plain text"
    assert (span.user_id, span.session_id, span.tags) == ("user-1", "session-1", ["a", "b"])
    assert span.release == "2026.1"
    assert span.metadata == {
        "trace_name": "checkout",
        "team": "search",
        "config": {"k": 1},
        "trace_input": {"question": "q"},
        "trace_output": "answer",
        "trace_public": True,
        "whole": True,
    }
    assert span.attributes == {"langfuse.internal.as_root": True}  # unexplained: kept


def test_other_spellings_of_user_and_session() -> None:
    span = map_span(raw({"langfuse.user.id": "u", "langfuse.session.id": "s"}))
    assert (span.user_id, span.session_id) == ("u", "s")


def test_prompt_link() -> None:
    span = map_span(
        raw(
            {
                "langfuse.observation.type": "generation",
                "langfuse.observation.prompt.name": "faq",
                "langfuse.observation.prompt.version": 3,
            }
        )
    )
    assert (span.prompt_name, span.prompt_version) == ("faq", "3")


def _experiment(root: str, **extra: Any) -> dict[str, Any]:
    return {
        "langfuse.observation.type": "span",
        "langfuse.experiment.id": "exp-1",
        "langfuse.experiment.name": "run 1",
        "langfuse.experiment.metadata": json.dumps({"model": "gpt-4o-mini"}),
        "langfuse.experiment.dataset.id": "ds-1",
        "langfuse.experiment.item.id": "item-1",
        "langfuse.experiment.item.metadata": json.dumps({"source": "faq"}),
        "langfuse.experiment.item.root_observation_id": root,
        "langfuse.experiment.item.expected_output": json.dumps({"answer": 42}),
        "langfuse.experiment.item.version": "2026-01-01T00:00:00Z",
        "langfuse.experiment.description": "baseline",
        "langfuse.observation.input": json.dumps("What is 6 x 7?"),
        "langfuse.observation.output": json.dumps({"answer": 42}),
        **extra,
    }


def test_the_experiment_item_root_becomes_an_item() -> None:
    span = map_span(raw(_experiment("b7ad6b7169203331"), status_code=1))
    item = experiment_item(span)
    assert item == ExperimentItem(
        trace_id="0af7651916cd43dd8448eb211c80319c",
        span_id="b7ad6b7169203331",
        experiment_id="exp-1",
        experiment_name="run 1",
        description="baseline",
        dataset_id="ds-1",
        item_id="item-1",
        input="What is 6 x 7?",
        output={"answer": 42},
        expected_output={"answer": 42},
        metadata={"model": "gpt-4o-mini"},
        error="",
        latency_ms=1500.0,
    )
    # Readable on the span too, under metadata "experiment".
    assert span.metadata["experiment"]["item_metadata"] == {"source": "faq"}
    assert not any(key.startswith("langfuse.experiment.") for key in span.attributes)


def test_a_failed_item_carries_its_error_and_other_spans_are_no_items() -> None:
    failed = map_span(
        raw(
            _experiment(
                "b7ad6b7169203331",
                **{
                    "langfuse.observation.level": "ERROR",
                    "langfuse.observation.status_message": "task failed",
                },
            )
        )
    )
    item = experiment_item(failed)
    assert item is not None
    assert item.error == "task failed"
    child = map_span(raw(_experiment("00000000000000aa")))
    assert child.experiment is not None
    assert experiment_item(child) is None
    assert map_span(raw({"gen_ai.request.model": "gpt-4o"})).experiment is None


def test_propagated_experiment_metadata_arrives_flattened() -> None:
    attrs = _experiment("b7ad6b7169203331")
    del attrs["langfuse.experiment.metadata"]
    attrs["langfuse.experiment.metadata.model"] = "gpt-4o"
    item = experiment_item(map_span(raw(attrs)))
    assert item is not None
    assert item.metadata == {"model": "gpt-4o"}


# Through ingest: pricing, the trace row and the signal.


def _store(tenant: Tenant, spans: list[Any]) -> None:
    raws, rejected = iter_spans(p.request(spans))
    assert rejected == []
    assert spans_ingest(project=tenant.project, raw_spans=raws).rejected == []


def _reference_cost(model: str, usage: Usage) -> Decimal:
    return calc_price(usage, model_ref=model, provider_id="openai").total_price


def test_a_generation_is_priced_like_any_span(tenant: Tenant) -> None:
    priced = _openai_generation(
        **{
            "langfuse.observation.prompt.name": "faq",
            "langfuse.observation.prompt.version": 3,
        }
    )
    unknown = _openai_generation(**{"langfuse.observation.model.name": "nobody-prices-this"})
    sent = _openai_generation(**{"langfuse.observation.cost_details": json.dumps({"total": 0.5})})
    _store(
        tenant,
        [
            p.span(trace_id=TRACE, span_id=f"{i + 1:016x}", attributes=attrs)
            for i, attrs in enumerate((priced, unknown, sent))
        ],
    )
    spans = {s.span_id: s for s in Span.objects.filter(project=tenant.project)}
    first = spans[f"{1:016x}"]
    assert first.kind == "llm"
    assert first.model_requested == "gpt-4o-mini"
    assert first.cost_source == "default"
    expected = _reference_cost(
        "gpt-4o-mini",
        Usage(
            input_tokens=120, output_tokens=30, cache_read_tokens=100, output_reasoning_tokens=10
        ),
    )
    assert first.cost_total == expected
    assert spans[f"{2:016x}"].cost_source == "unpriced"
    assert spans[f"{2:016x}"].cost_total is None
    assert spans[f"{3:016x}"].cost_source == "span"
    assert spans[f"{3:016x}"].cost_total == Decimal("0.5")
    trace = Trace.objects.get(project=tenant.project, trace_id=TRACE)
    assert trace.prompt_versions == ["faq@3"]  # the prompt version is linked
    assert trace.cost_total == expected + Decimal("0.5")


@pytest.mark.django_db(transaction=True)
def test_ingest_sends_the_experiment_items(tenant: Tenant) -> None:
    received: list[dict[str, Any]] = []

    def listener(**kwargs: Any) -> None:
        received.append(kwargs)

    traces_ingested.connect(listener)
    try:
        root = f"{1:016x}"
        _store(
            tenant,
            [
                p.span(trace_id=TRACE, span_id=root, attributes=_experiment(root)),
                p.span(
                    trace_id=TRACE,
                    span_id=f"{2:016x}",
                    parent=root,
                    attributes=_experiment(root),
                ),
                p.span(trace_id="ab" * 16, span_id=f"{3:016x}", attributes={}),
            ],
        )
        _store(tenant, [p.span(trace_id="cd" * 16, span_id=f"{4:016x}")])
    finally:
        traces_ingested.disconnect(listener)
    ours = [r for r in received if r["project"] == tenant.project]
    assert [len(r["experiment_items"]) for r in ours] == [1, 0]
    item = ours[0]["experiment_items"][0]
    assert (item.trace_id, item.span_id, item.item_id) == (TRACE, root, "item-1")
    assert item.expected_output == {"answer": 42}


def test_the_trace_is_named_by_langfuse_trace_name(tenant: Tenant) -> None:
    root = f"{1:016x}"
    _store(
        tenant,
        [
            p.span(trace_id=TRACE, span_id=root, name="handler"),
            p.span(
                trace_id=TRACE,
                span_id=f"{2:016x}",
                parent=root,
                name="inner",
                start_ns=p.BASE_NS + MS,
                attributes={"langfuse.trace.name": "checkout", "user.id": "u1"},
            ),
        ],
    )
    trace = Trace.objects.get(project=tenant.project, trace_id=TRACE)
    assert (trace.name, trace.user_id) == ("checkout", "u1")
    _store(tenant, [p.span(trace_id="ab" * 16, span_id=f"{3:016x}", name="plain")])
    assert Trace.objects.get(project=tenant.project, trace_id="ab" * 16).name == "plain"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="compares the SQL refresh with the Python one"
)
def test_sql_and_python_refresh_agree_on_trace_names(tenant: Tenant) -> None:
    rng = random.Random(18)  # noqa: S311 — a reproducible batch, not a secret
    traces = [f"{0xFACE0000 + t:032x}" for t in range(30)]
    spans = []
    for t, trace_id in enumerate(traces):
        ids = [f"{t:08x}{i:08x}" for i in range(1, rng.randint(2, 8))]
        for i, span_id in enumerate(ids):
            parent = ("" if rng.random() < 0.8 else "00000000deadbeef") if i == 0 else ids[0]
            attributes: dict[str, Any] = {}
            choice = rng.choice(["", "", "checkout", "search", "ünïcode"])
            if choice:
                attributes["langfuse.trace.name"] = choice
            if rng.random() < 0.1:
                attributes["llmops.metadata"] = json.dumps({"trace_name": rng.choice([5, ""])})
            spans.append(
                p.span(
                    trace_id=trace_id,
                    span_id=span_id,
                    parent=parent,
                    name=f"step {i}",
                    start_ns=p.BASE_NS + rng.randint(0, 20) * MS,
                    attributes=attributes,
                )
            )
    rng.shuffle(spans)
    for start in range(0, len(spans), 23):
        _store(tenant, spans[start : start + 23])
    by_sql = dict(Trace.objects.filter(project=tenant.project).values_list("trace_id", "name"))
    ingest._refresh(tenant.project, traces)
    by_python = dict(Trace.objects.filter(project=tenant.project).values_list("trace_id", "name"))
    assert by_sql == by_python
    named = {n for n in by_sql.values() if not n.startswith("step")}
    assert len(named) >= 2  # the batch has named and unnamed traces
    assert START_NS == p.BASE_NS


def test_values_that_cannot_be_read_stay_in_attributes() -> None:
    span = map_span(
        raw(
            {
                "langfuse.observation.type": "no-such-type",
                "langfuse.observation.model.parameters": "[1, 2",
                "langfuse.observation.usage_details": "lots",
                "langfuse.observation.cost_details": json.dumps(["not", "a", "map"]),
                "langfuse.observation.completion_start_time": "soon",
                "langfuse.observation.level": 7,
                "langfuse.observation.input": "\x00 nul",
            }
        )
    )
    assert span.kind == "span"
    assert span.attributes == {
        "langfuse.observation.model.parameters": "[1, 2",
        "langfuse.observation.usage_details": "lots",
        "langfuse.observation.cost_details": '["not", "a", "map"]',
    }
    assert span.input_tokens is None
    assert span.cost_sent is None
    assert span.metadata == {"completion_start_time": "soon", "level": "7"}
    assert span.input == "\x00 nul"  # cleaned at ingest, as for every convention


def test_bad_counts_and_costs_reject_the_span_alone(tenant: Tenant) -> None:
    huge = _openai_generation(
        **{"langfuse.observation.usage_details": json.dumps({"input": 10**30, "output": 1})}
    )
    negative = _openai_generation(
        **{"langfuse.observation.usage_details": json.dumps({"input": -5, "output": 1})}
    )
    not_a_number = _openai_generation(
        **{"langfuse.observation.cost_details": json.dumps({"total": "NaN"})}
    )
    nul = _openai_generation(**{"langfuse.observation.input": json.dumps("a\x00b")})
    raws, rejected = iter_spans(
        p.request(
            [
                p.span(trace_id=TRACE, span_id=f"{i + 1:016x}", attributes=attrs)
                for i, attrs in enumerate((huge, negative, not_a_number, nul))
            ]
        )
    )
    assert rejected == []
    result = spans_ingest(project=tenant.project, raw_spans=raws)
    reasons = {r.span_id: r.reason for r in result.rejected}
    assert set(reasons) == {f"{1:016x}", f"{2:016x}", f"{3:016x}"}
    assert "input_tokens" in reasons[f"{1:016x}"]
    assert "input_tokens" in reasons[f"{2:016x}"]
    assert "cost_total" in reasons[f"{3:016x}"]
    stored = {s.span_id: s for s in Span.objects.filter(project=tenant.project)}
    assert set(stored) == {f"{4:016x}"}
    assert stored[f"{4:016x}"].input == "a\ufffdb"
