"""Every model the installed price database prices, stored through ingest at its own price.

One LLM span per provider and model (and a second one above the top tier of tiered prices) goes
through the ingest path; its stored cost must equal the database's own ``calc_price`` for the
same usage, provider and time, to the last of the 12 decimals the cost column holds, or be
``unpriced`` where the model has no price per token at all. The pricing function itself (the one
ingest calls) must match the database's total to the last digit, unrounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from genai_prices import Usage, calc_price
from genai_prices import types as price_types
from genai_prices.data_snapshot import get_snapshot
from genai_prices.types import ModelPrice, TieredPrices

from llmops.tenancy.models import Project
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.models import Span
from llmops.tracing.otlp import iter_spans
from llmops.tracing.pricing import TokenUsage, price_call
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.django_db

# A fixed time, so time-of-day and dated prices are those in force then, whatever today is.
AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
AT_NS = int(AT.timestamp()) * 10**9
BATCH = 500  # spans per ingest call, as a receiver batch
# The stored cost's scale; Django rounds to it half-even before writing.
COLUMN_QUANTUM = Decimal(1).scaleb(-Span._meta.get_field("cost_total").decimal_places)

# Usage as OpenTelemetry GenAI reports it: cache tokens within the input, reasoning within the
# output. Every span carries every kind; a model without a cache or reasoning price is charged
# its input or output price for them, by the database as by the platform.
INPUT, CACHE_READ, CACHE_WRITE = 12_000, 3_000, 1_000
OUTPUT, REASONING = 4_000, 1_500


@dataclass(frozen=True)
class Case:
    provider: str
    model_ref: str
    input_tokens: int
    priced_per_token: bool


def _refs(clause: Any) -> Iterator[str]:
    """Names a model's match clause accepts, from its plain clauses."""
    if isinstance(clause, price_types.ClauseEquals):
        yield clause.equals
    elif isinstance(clause, price_types.ClauseStartsWith):
        yield clause.starts_with
    elif isinstance(clause, price_types.ClauseEndsWith):
        yield clause.ends_with
    elif isinstance(clause, price_types.ClauseContains):
        yield clause.contains
    elif isinstance(clause, price_types.ClauseOr):
        for inner in clause.or_:
            yield from _refs(inner)


def _model_ref(provider: price_types.Provider, model: price_types.ModelInfo) -> str:
    """A name under which the database finds exactly this model of this provider."""
    snapshot = get_snapshot()
    for ref in (model.id, *_refs(model.match)):
        try:
            _, found = snapshot.find_provider_model(ref, None, provider.id, None)
        except LookupError:
            continue
        if found is model:
            return ref
    raise AssertionError(f"no name reaches {provider.id}/{model.id}")


def _prices_at(model: price_types.ModelInfo) -> ModelPrice:
    return model.get_prices(AT)


def _cases() -> list[Case]:
    cases = []
    for provider in get_snapshot().providers:
        for model in provider.models:
            prices = {k: v for k, v in vars(_prices_at(model)).items() if v is not None}
            per_token = not prices or any(key.endswith("_mtok") for key in prices)
            ref = _model_ref(provider, model)
            cases.append(Case(provider.id, ref, INPUT, per_token))
            tier_starts = [
                tier.start
                for value in prices.values()
                if isinstance(value, TieredPrices)
                for tier in value.tiers
            ]
            if tier_starts:
                cases.append(Case(provider.id, ref, max(tier_starts) + INPUT, per_token))
    return cases


def _usage(case: Case) -> Usage:
    return Usage(
        input_tokens=case.input_tokens,
        output_tokens=OUTPUT,
        cache_read_tokens=CACHE_READ,
        cache_write_tokens=CACHE_WRITE,
        output_reasoning_tokens=REASONING,
    )


def _reference(case: Case) -> Decimal:
    """The price database's own total for this span."""
    return calc_price(
        _usage(case),
        model_ref=case.model_ref,
        provider_id=case.provider,
        genai_request_timestamp=AT,
    ).total_price


def _token_usage(case: Case) -> TokenUsage:
    return TokenUsage(
        input_tokens=case.input_tokens,
        output_tokens=OUTPUT,
        cache_read_tokens=CACHE_READ,
        cache_write_tokens=CACHE_WRITE,
        reasoning_tokens=REASONING,
    )


def _span(index: int, case: Case) -> Any:
    return p.span(
        trace_id=f"{index // BATCH + 1:032x}",
        span_id=f"{index + 1:016x}",
        name=f"chat {case.model_ref}",
        start_ns=AT_NS,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": case.provider,
            "gen_ai.request.model": case.model_ref,
            "gen_ai.usage.input_tokens": case.input_tokens,
            "gen_ai.usage.output_tokens": OUTPUT,
            "gen_ai.usage.cache_read.input_tokens": CACHE_READ,
            "gen_ai.usage.cache_write.input_tokens": CACHE_WRITE,
            "gen_ai.usage.reasoning.output_tokens": REASONING,
        },
    )


def _ingest(project: Project, spans: list[Any]) -> None:
    for start in range(0, len(spans), BATCH):
        raw, rejected = iter_spans(p.request(spans[start : start + BATCH]))
        assert rejected == []
        result = spans_ingest(project=project, raw_spans=raw, announce=False)
        assert result.rejected == []


def test_every_priced_model_is_stored_at_the_price_databases_own_price(tenant: Tenant) -> None:
    cases = _cases()
    _ingest(tenant.project, [_span(i, case) for i, case in enumerate(cases)])
    stored = {
        int(span_id, 16) - 1: (source, total)
        for span_id, source, total in Span.objects.filter(project=tenant.project).values_list(
            "span_id", "cost_source", "cost_total"
        )
    }
    assert len(stored) == len(cases)

    wrong = []
    for index, case in enumerate(cases):
        cost = price_call(
            usage=_token_usage(case), model=case.model_ref, provider=case.provider, at=AT
        )
        computed = cost.total if cost is not None else None
        reference = _reference(case) if case.priced_per_token else None
        expected = (
            ("default", reference.quantize(COLUMN_QUANTUM))
            if reference is not None
            else ("unpriced", None)
        )
        if stored[index] != expected or computed != reference:
            wrong.append((case, stored[index], computed, reference))
    assert wrong == []
    models = {(case.provider, case.model_ref) for case in cases}
    # genai-prices 0.2.3: 47 providers, 2,330 models (2,125 priced per token, 179 free, 26 priced
    # only per audio hour, character, page or message), 2,458 spans with the 128 above a tier.
    assert len({case.provider for case in cases}) >= 40
    assert len(models) >= 2000


def _store_one(project: Project, provider: str, model: str) -> Span:
    spans = [
        p.span(
            trace_id="f" * 32,
            span_id="e" * 16,
            start_ns=AT_NS,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": provider,
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": 10_000,
                "gen_ai.usage.output_tokens": 5_000,
                "gen_ai.usage.reasoning.output_tokens": 3_000,
            },
        )
    ]
    _ingest(project, spans)
    return Span.objects.get(project=project, span_id="e" * 16)


def test_reasoning_tokens_are_charged_at_the_models_reasoning_price(tenant: Tenant) -> None:
    span = _store_one(tenant.project, "perplexity", "sonar-deep-research")
    # $2/M input, $8/M output, $3/M reasoning: 0.02 + 2,000 x 8/M + 3,000 x 3/M.
    assert (span.cost_source, span.cost_total) == ("default", Decimal("0.045"))
    assert (span.cost_input, span.cost_output, span.cost_reasoning) == (
        Decimal("0.02"),
        Decimal("0.016"),
        Decimal("0.009"),
    )


@pytest.mark.parametrize("model", ["gpt-oss-120b", "deepseek-r1-0528"])
def test_a_model_its_provider_does_not_list_is_unpriced(tenant: Tenant, model: str) -> None:
    # Fireworks lists these only by their full names; OpenAI's and DeepSeek's prices are not
    # Fireworks' prices.
    span = _store_one(tenant.project, "fireworks", model)
    assert (span.cost_source, span.cost_total) == ("unpriced", None)


@pytest.mark.parametrize(
    ("model", "total"),
    [
        # $0.15/M input, $0.60/M output
        ("accounts/fireworks/models/gpt-oss-120b", Decimal("0.0045")),
        # $3/M input, $8/M output
        ("accounts/fireworks/models/deepseek-r1-0528", Decimal("0.07")),
    ],
)
def test_a_model_its_provider_lists_is_charged_that_providers_price(
    tenant: Tenant, model: str, total: Decimal
) -> None:
    span = _store_one(tenant.project, "fireworks", model)
    assert (span.cost_source, span.cost_total) == ("default", total)
