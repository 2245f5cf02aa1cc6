"""The cached price path ingest takes for plain token prices answers exactly what the price
database's general calculation answers, for every model of every provider it knows.

Ingest prices a call from the model's price of the period, resolved once per process; a usage of
input and output tokens only, at a price with only input and output token units, is computed
from that cache. Every part of the cost (and its Decimal spelling) must equal the general path's.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from genai_prices.data_snapshot import get_snapshot

from llmops.tracing import pricing
from llmops.tracing.pricing import TokenUsage, price_call
from tests.tracing.test_prices_all_models import _model_ref

# Dated and time-of-day prices: one time in each of several periods.
TIMES = [
    datetime(2024, 3, 1, 3, 0, tzinfo=UTC),
    datetime(2025, 9, 1, 17, 30, tzinfo=UTC),
    datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
]
USAGES = [
    TokenUsage(input_tokens=1, output_tokens=0, total_tokens=1),
    TokenUsage(input_tokens=0, output_tokens=7, total_tokens=7),
    TokenUsage(input_tokens=1234, output_tokens=567, total_tokens=1801),
    TokenUsage(input_tokens=300_000, output_tokens=9_999, total_tokens=309_999),  # past tiers
    TokenUsage(input_tokens=10**12, output_tokens=10**12, total_tokens=2 * 10**12),
]


def _models() -> list[tuple[str, str]]:
    return [
        (provider.id, _model_ref(provider, model))
        for provider in get_snapshot().providers
        for model in provider.models
    ]


def test_plain_prices_match_the_general_calculation_for_every_model() -> None:
    plain_seen = 0
    for provider, model in _models():
        info = pricing._model_info(model, provider)
        assert info is not None
        for at in TIMES:
            plain = pricing._plain_price(info, at)
            if plain is None:
                continue
            plain_seen += 1
            for usage in USAGES:
                expected = pricing._general_cost(usage, model, provider, at)
                got = pricing._plain_cost(plain, usage)
                assert expected is not None, (provider, model)
                assert repr(got) == repr(expected), (provider, model, at, usage)
    assert plain_seen > 100  # the fast path covers most models


def test_cache_and_reasoning_tokens_take_the_general_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    usage = TokenUsage(input_tokens=1000, output_tokens=100, cache_read_tokens=400)
    at = TIMES[2]
    expected = pricing._general_cost(usage, "gpt-4o-mini", "openai", at)

    def refuse(*args: object) -> None:
        raise AssertionError("the plain path cannot price cache tokens")

    monkeypatch.setattr(pricing, "_plain_cost", refuse)
    assert price_call(usage=usage, model="gpt-4o-mini", provider="openai", at=at) == expected


def test_a_model_is_searched_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    pricing._model_info.cache_clear()
    snapshot = get_snapshot()
    searches: list[str] = []
    search = type(snapshot).find_provider_model

    def counting(self: object, model_ref: str, *args: object) -> object:
        searches.append(model_ref)
        return search(self, model_ref, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(type(snapshot), "find_provider_model", counting)
    usage = TokenUsage(input_tokens=10, output_tokens=5, total_tokens=15)
    for hour in range(5):
        at = datetime(2026, 6, 1, hour, tzinfo=UTC)
        assert price_call(usage=usage, model="gpt-4o-mini", provider="openai", at=at)
    assert searches == ["gpt-4o-mini"]
