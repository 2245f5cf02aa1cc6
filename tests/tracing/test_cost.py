"""Prices per usage type, pinned against the price database's own calculation."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from genai_prices import Usage, calc_price, data_snapshot, types, units

from llmops.tracing.pricing import CustomPrice, TokenUsage, price_call

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def reference(usage: TokenUsage, model: str, provider: str, at: datetime = NOW) -> Decimal:
    result = calc_price(
        Usage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens or None,
            cache_write_tokens=usage.cache_write_tokens or None,
            output_reasoning_tokens=usage.reasoning_tokens or None,
        ),
        model_ref=model,
        provider_id=provider,
        genai_request_timestamp=at,
    )
    return result.total_price


def test_gpt_4o_mini_with_cached_input() -> None:
    usage = TokenUsage(input_tokens=1000, output_tokens=200, cache_read_tokens=400)
    cost = price_call(usage=usage, model="gpt-4o-mini", provider="openai", at=NOW)
    assert cost is not None
    # $0.15/M for the 600 uncached, $0.075/M for the 400 cached, $0.60/M for the output.
    assert cost.input == Decimal("0.00009")
    assert cost.cache_read == Decimal("0.00003")
    assert cost.output == Decimal("0.00012")
    assert cost.total == Decimal("0.00024") == reference(usage, "gpt-4o-mini", "openai")
    assert (cost.source, cost.matched_model) == ("default", "gpt-4o-mini")


def test_reasoning_model_shows_the_reasoning_share_of_output() -> None:
    usage = TokenUsage(input_tokens=2000, output_tokens=1500, reasoning_tokens=1000)
    cost = price_call(usage=usage, model="o3-mini", provider="openai", at=NOW)
    assert cost is not None
    assert cost.total == reference(usage, "o3-mini", "openai")
    # o3-mini: $1.10/M input, $4.40/M output (reasoning billed as output).
    assert cost.input == Decimal("0.0022")
    assert cost.reasoning == Decimal("0.0044")
    assert cost.output == Decimal("0.0022")
    assert (
        cost.input + cost.output + cost.reasoning + cost.cache_read + cost.cache_write == cost.total
    )


def test_anthropic_cache_write_and_read() -> None:
    usage = TokenUsage(
        input_tokens=1000, output_tokens=200, cache_read_tokens=400, cache_write_tokens=100
    )
    cost = price_call(usage=usage, model="claude-3-5-sonnet", provider="anthropic", at=NOW)
    assert cost is not None
    assert cost.total == reference(usage, "claude-3-5-sonnet", "anthropic")
    assert (cost.input, cost.cache_read, cost.cache_write, cost.output) == (
        Decimal("0.0015"),  # 500 uncached x $3/M
        Decimal("0.00012"),  # 400 x $0.30/M
        Decimal("0.000375"),  # 100 x $3.75/M
        Decimal("0.003"),  # 200 x $15/M
    )


def test_long_context_tier_applies_above_its_threshold() -> None:
    small = TokenUsage(input_tokens=100_000, output_tokens=1000)
    large = TokenUsage(input_tokens=300_000, output_tokens=1000)
    low = price_call(usage=small, model="gemini-2.5-pro", provider="gcp.gemini", at=NOW)
    high = price_call(usage=large, model="gemini-2.5-pro", provider="gcp.vertex_ai", at=NOW)
    assert low is not None
    assert high is not None
    assert low.total == reference(small, "gemini-2.5-pro", "google")
    assert high.total == reference(large, "gemini-2.5-pro", "google")
    # Above 200k input tokens every token costs the tier price: more than 3x the small call.
    assert high.input / low.input > 3


def test_prices_in_force_at_the_span_time_apply() -> None:
    usage = TokenUsage(input_tokens=300_000, output_tokens=0)
    before = price_call(
        usage=usage,
        model="claude-opus-4-6",
        provider="anthropic",
        at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    after = price_call(
        usage=usage,
        model="claude-opus-4-6",
        provider="anthropic",
        at=datetime(2026, 3, 20, tzinfo=UTC),
    )
    assert before is not None
    assert after is not None
    # The long-context surcharge ended on 2026-03-13: $10/M before, $5/M after.
    assert (before.total, after.total) == (Decimal("3"), Decimal("1.5"))


def test_one_token_is_priced_exactly() -> None:
    cost = price_call(
        usage=TokenUsage(input_tokens=1), model="gpt-4o-mini", provider="openai", at=NOW
    )
    assert cost is not None
    assert cost.total == Decimal("1.5E-7")


def test_unknown_model_has_no_price() -> None:
    usage = TokenUsage(input_tokens=10, output_tokens=10)
    assert price_call(usage=usage, model="homegrown-7b", provider="openai", at=NOW) is None
    assert price_call(usage=usage, model="", provider=None, at=NOW) is None


def test_a_provider_the_price_database_does_not_know_is_unpriced() -> None:
    usage = TokenUsage(input_tokens=1000)
    assert price_call(usage=usage, model="gpt-4o-mini", provider="my-gateway", at=NOW) is None


def test_without_a_provider_the_price_database_infers_it_from_the_model_name() -> None:
    usage = TokenUsage(input_tokens=1000)
    cost = price_call(usage=usage, model="gpt-4o-mini", provider=None, at=NOW)
    assert cost is not None
    assert (cost.total, cost.matched_model) == (Decimal("0.00015"), "gpt-4o-mini")
    assert price_call(usage=usage, model="gpt-4o-mini", provider="  ", at=NOW) == cost


def test_a_model_its_provider_does_not_list_is_not_priced_at_another_providers_rate() -> None:
    usage = TokenUsage(input_tokens=10_000, output_tokens=5_000)
    # The database infers OpenAI and DeepSeek from these names without a provider...
    assert price_call(usage=usage, model="gpt-oss-120b", provider=None, at=NOW) is not None
    assert price_call(usage=usage, model="deepseek-r1-0528", provider=None, at=NOW) is not None
    # ...but Fireworks lists them only under their full names, at its own prices.
    assert price_call(usage=usage, model="gpt-oss-120b", provider="fireworks", at=NOW) is None
    assert price_call(usage=usage, model="deepseek-r1-0528", provider="fireworks", at=NOW) is None
    cost = price_call(
        usage=usage, model="accounts/fireworks/models/gpt-oss-120b", provider="fireworks", at=NOW
    )
    assert cost is not None
    assert cost.total == Decimal("0.0045")  # $0.15/M in, $0.60/M out
    # Bedrock lists Claude by its Bedrock model ids, not by Anthropic's name.
    assert (
        price_call(usage=usage, model="claude-3-5-sonnet", provider="aws.bedrock", at=NOW) is None
    )


@pytest.mark.parametrize(
    ("provider", "model", "database_provider"),
    [
        ("azure.ai.openai", "gpt-4o-mini", "azure"),  # Azure prices OpenAI models as OpenAI does
        ("az.ai.openai", "gpt-4o-mini", "azure"),
        ("azure.ai.inference", "gpt-4o-mini", "azure"),
        ("aws.bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0", "aws"),
        ("gcp.vertex_ai", "gemini-2.5-pro", "google"),
        ("gcp.gemini", "gemini-2.5-pro", "google"),
        ("gcp.gen_ai", "gemini-2.5-pro", "google"),
        ("gcp.vertex_ai", "claude-3-5-sonnet", "google"),  # Vertex AI sells Anthropic's models
        ("mistral_ai", "mistral-large-latest", "mistral"),
        ("x_ai", "grok-3", "x-ai"),
        ("moonshot_ai", "kimi-k2-0711-preview", "moonshotai"),
        ("Anthropic", "claude-3-5-sonnet", "anthropic"),
    ],
)
def test_convention_provider_names_reach_the_price_databases_provider(
    provider: str, model: str, database_provider: str
) -> None:
    usage = TokenUsage(input_tokens=10_000, output_tokens=2_000)
    cost = price_call(usage=usage, model=model, provider=provider, at=NOW)
    assert cost is not None
    assert cost.total == reference(usage, model, database_provider)


def test_reasoning_tokens_at_the_models_own_reasoning_price() -> None:
    usage = TokenUsage(input_tokens=10_000, output_tokens=5_000, reasoning_tokens=3_000)
    cost = price_call(usage=usage, model="sonar-deep-research", provider="perplexity", at=NOW)
    assert cost is not None
    # $2/M input, $8/M for the 2,000 other output tokens, $3/M for the 3,000 reasoning tokens.
    assert (cost.input, cost.output, cost.reasoning) == (
        Decimal("0.02"),
        Decimal("0.016"),
        Decimal("0.009"),
    )
    assert cost.total == Decimal("0.045") == reference(usage, "sonar-deep-research", "perplexity")


def test_counts_the_price_database_refuses_are_unpriced() -> None:
    # More reasoning than output tokens, for a model with a reasoning price.
    usage = TokenUsage(input_tokens=100, output_tokens=50, reasoning_tokens=300)
    assert (
        price_call(usage=usage, model="sonar-deep-research", provider="perplexity", at=NOW) is None
    )
    # More cached than input tokens, for a model with a cache price.
    cached = TokenUsage(input_tokens=100, cache_read_tokens=300)
    assert price_call(usage=cached, model="gpt-4o", provider="openai", at=NOW) is None


def test_a_model_priced_per_audio_hour_only_is_unpriced_for_tokens() -> None:
    usage = TokenUsage(input_tokens=1000)
    assert price_call(usage=usage, model="whisper-1", provider="openai", at=NOW) is None


def test_project_price_wins_and_respects_its_start_date() -> None:
    usage = TokenUsage(input_tokens=1_000_000, output_tokens=1_000_000)
    old = CustomPrice(model_pattern="gpt-4o-mini", input=Decimal(1), output=Decimal(2))
    newer = CustomPrice(
        model_pattern="gpt-4o-.*",
        input=Decimal(3),
        output=Decimal(4),
        valid_from=datetime(2026, 5, 1, tzinfo=UTC),
    )
    future = CustomPrice(
        model_pattern="gpt-4o-mini",
        input=Decimal(100),
        output=Decimal(100),
        valid_from=datetime(2027, 1, 1, tzinfo=UTC),
    )
    cost = price_call(
        usage=usage, model="GPT-4o-mini", provider="openai", at=NOW, overrides=[old, newer, future]
    )
    assert cost is not None
    assert (cost.source, cost.total) == ("custom", Decimal(7))
    earlier = price_call(
        usage=usage,
        model="gpt-4o-mini",
        provider="openai",
        at=datetime(2026, 4, 1, tzinfo=UTC),
        overrides=[old, newer, future],
    )
    assert earlier is not None
    assert earlier.total == Decimal(3)


def test_project_price_tiers_and_cache_rates() -> None:
    price = CustomPrice(
        model_pattern="in-house",
        input=Decimal(1),
        output=Decimal(2),
        cache_read=Decimal("0.1"),
        tiers=((100_000, Decimal(2), Decimal(4)),),
    )
    small = price_call(
        usage=TokenUsage(input_tokens=50_000, cache_read_tokens=10_000, output_tokens=1000),
        model="in-house",
        provider=None,
        at=NOW,
        overrides=[price],
    )
    assert small is not None
    assert (small.input, small.cache_read, small.output) == (
        Decimal("0.04"),
        Decimal("0.001"),
        Decimal("0.002"),
    )
    large = price_call(
        usage=TokenUsage(input_tokens=200_000),
        model="in-house",
        provider=None,
        at=NOW,
        overrides=[price],
    )
    assert large is not None
    assert large.total == Decimal("0.4")


def test_pricing_is_cheap_enough_for_the_ingest_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a model has been priced, pricing it again is arithmetic on data already in memory.

    No search of the price database for the provider or the model, no reload of the bundled
    prices or units, no connection; no database either (this test has no database access, so a
    query would raise). The time per call is benchmarks' business, not this test's.
    """
    usage = TokenUsage(input_tokens=900, output_tokens=120, cache_read_tokens=100)
    first = price_call(usage=usage, model="gpt-4o", provider="openai", at=NOW)
    assert first is not None
    snapshot, registry = data_snapshot.get_snapshot(), units._get_registry()
    searches: list[str] = []
    original_find_model = types.Provider.find_model
    original_find_provider = data_snapshot.DataSnapshot.find_provider

    def find_model(self: types.Provider, model_ref: str, **options: Any) -> Any:
        searches.append(f"model {model_ref}")
        return original_find_model(self, model_ref, **options)

    def find_provider(self: data_snapshot.DataSnapshot, *args: Any) -> Any:
        searches.append(f"provider {args}")
        return original_find_provider(self, *args)

    def connect(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"pricing opened a connection to {address!r}")

    monkeypatch.setattr(types.Provider, "find_model", find_model)
    monkeypatch.setattr(data_snapshot.DataSnapshot, "find_provider", find_provider)
    monkeypatch.setattr(socket.socket, "connect", connect)
    for _ in range(100):
        assert price_call(usage=usage, model="gpt-4o", provider="openai", at=NOW) == first
    assert searches == []
    assert data_snapshot.get_snapshot() is snapshot
    assert units._get_registry() is registry
