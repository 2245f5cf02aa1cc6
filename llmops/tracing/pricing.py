"""The cost of one LLM call in USD, per usage type.

Default prices come from the ``genai-prices`` package: a maintained price database with
historic prices (effective dates) and tiers, bundled with the package, so no network is needed.
A project's own prices (``CustomPrice``) win over it. Nothing here touches the database: the
caller passes the project's prices, so ingestion loads them once per batch.

Token semantics follow OpenTelemetry GenAI, and the price database counts the same way: cache
read and cache write tokens are part of the input tokens, reasoning tokens part of the output
tokens. So they go to it as they come, and it charges its cache and reasoning prices where a
model has them and the plain input or output price where it has not.

The provider decides the price, and only the price database decides which provider that is: a
named provider is looked up by its id and its own ``provider_match`` (plus the few convention
names below that it would read otherwise), and a model is priced only if that provider lists it,
or the database says the provider charges another's prices for it (``fallback_model_providers``:
Azure for OpenAI models, Vertex AI for Anthropic's). A model the named provider does not list,
or a provider the database does not know, is unpriced, never priced at another provider's rate;
so is a model priced only per audio hour, character or page, as tokens say nothing of its cost.
A span with no provider is priced by the database's own inference from the model name
(``model_match``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from genai_prices import Usage, calc_price, data_snapshot
from genai_prices.types import (
    ModelInfo,
    ModelPrice,
    TieredPrices,
    _collect_resolved_model_prices,
    _compute_registry_priced_counts,
    calc_unit_price,
)
from genai_prices.types import Usage as PriceUsage
from genai_prices.units import UnitDef, _get_registry
from genai_prices.validation import validate_priced_units

ZERO = Decimal(0)
MILLION = Decimal(1_000_000)

# The ``gen_ai.provider.name`` values (and their older spellings) that the price database would
# not resolve to the provider the convention means: it has no match for "azure.ai.inference",
# "gcp.gen_ai" or "x_ai", and its provider_match reads "azure.ai.openai" as OpenAI. Every other
# name goes to it as sent ("aws.bedrock", "gcp.vertex_ai", "mistral_ai" and "moonshot_ai" it
# matches itself).
_CONVENTION_PROVIDERS = {
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "az.ai.openai": "azure",
    "az.ai.inference": "azure",
    "gcp.gen_ai": "google",
    "x_ai": "x-ai",
}
# The reasoning share of a model without a reasoning price is cut to 15 decimals, so that output
# minus that share stays exact within Decimal's 28 digits.
_SHARE_EXPONENT = -15


@dataclass(frozen=True)
class TokenUsage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class CustomPrice:
    """A project's price, USD per million tokens, for models whose name matches the pattern."""

    model_pattern: str
    input: Decimal
    output: Decimal
    valid_from: datetime | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    reasoning: Decimal | None = None
    # (threshold_input_tokens, input, output): above the threshold, these prices apply to all
    # tokens of the call (the "cliff" model providers use for long context).
    tiers: tuple[tuple[int, Decimal, Decimal], ...] = ()


@dataclass(frozen=True)
class Cost:
    """USD per usage type. ``input`` is the uncached input, ``output`` the non-reasoning output,
    so the five parts add up to ``total`` exactly."""

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write: Decimal
    reasoning: Decimal
    total: Decimal
    source: str  # "custom" or "default"
    matched_model: str


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error:
        return None


def _custom_cost(price: CustomPrice, usage: TokenUsage) -> Cost:
    input_rate, output_rate = price.input, price.output
    for threshold, tier_input, tier_output in sorted(price.tiers):
        if usage.input_tokens > threshold:
            input_rate, output_rate = tier_input, tier_output
    cache_read_rate = price.cache_read if price.cache_read is not None else input_rate
    cache_write_rate = price.cache_write if price.cache_write is not None else input_rate
    reasoning_rate = price.reasoning if price.reasoning is not None else output_rate
    uncached = max(usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens, 0)
    plain_output = max(usage.output_tokens - usage.reasoning_tokens, 0)
    parts = {
        "input": uncached * input_rate / MILLION,
        "output": plain_output * output_rate / MILLION,
        "cache_read": usage.cache_read_tokens * cache_read_rate / MILLION,
        "cache_write": usage.cache_write_tokens * cache_write_rate / MILLION,
        "reasoning": usage.reasoning_tokens * reasoning_rate / MILLION,
    }
    return Cost(
        **parts,
        total=sum(parts.values(), ZERO),
        source="custom",
        matched_model=price.model_pattern,
    )


def _matching_custom(
    overrides: Sequence[CustomPrice], model: str, at: datetime
) -> CustomPrice | None:
    best: CustomPrice | None = None
    for price in overrides:
        compiled = _compiled(price.model_pattern)
        if compiled is None or not compiled.fullmatch(model):
            continue
        if price.valid_from is not None and price.valid_from > at:
            continue
        if best is None or (price.valid_from or datetime.min.replace(tzinfo=at.tzinfo)) >= (
            best.valid_from or datetime.min.replace(tzinfo=at.tzinfo)
        ):
            best = price
    return best


def _provider_id(provider: str | None) -> str | None:
    name = (provider or "").strip().lower()
    return _CONVENTION_PROVIDERS.get(name, name) or None


def _split(
    resolved: tuple[tuple[UnitDef, Decimal | TieredPrices], ...], usage: Usage
) -> dict[str, Decimal]:
    """Cost per usage type, from the same units and counts genai-prices totals."""
    counts = _compute_registry_priced_counts(resolved, PriceUsage.from_raw(usage))
    tiered_input = usage.input_tokens or 0
    parts = dict.fromkeys(("input", "output", "cache_read", "cache_write", "reasoning"), ZERO)
    for unit, price in resolved:
        amount = calc_unit_price(price, counts[unit.usage_key], tiered_input, unit.per)
        token_type = unit.dimensions.get("token_type")
        if token_type in parts:  # cache_read, cache_write, reasoning
            parts[token_type] += amount
        elif unit.dimensions.get("direction") == "output":
            parts["output"] += amount
        else:
            parts["input"] += amount
    return parts


@lru_cache(maxsize=4096)
def _model_info(model: str, provider_id: str | None) -> ModelInfo | None:
    """The price database's model for a (model name, provider), found once per process.

    The same search ``calc_price`` makes; None when it finds nothing (the call is unpriced).
    """
    try:
        return data_snapshot.get_snapshot().find_provider_model(model, None, provider_id, None)[1]
    except LookupError:
        return None


@dataclass(frozen=True)
class _PlainPrice:
    """A model price of one period that charges tokens and no per-request fee. For a call
    reporting input and output tokens only (no cache or reasoning tokens) its other units count
    nothing, so the cost is computed from the cached units without the database's general
    decomposition of usage, with the same arithmetic (tests/tracing/test_ingest_prices.py
    checks every model of the database)."""

    model_id: str
    # usage key, direction, token type, price, per
    units: tuple[tuple[str, str | None, str | None, Decimal | TieredPrices, int], ...]
    tiered: bool


# The resolved prices of each price period (a ModelPrice of the database, kept alive here so its
# id is never reused), or None when the period is not plain.
_periods: dict[int, tuple[ModelPrice, _PlainPrice | None]] = {}


def _units_valid(resolved: tuple[tuple[UnitDef, Decimal | TieredPrices], ...]) -> bool:
    try:
        validate_priced_units(tuple(unit for unit, _ in resolved), _get_registry())
    except ValueError:
        return False
    return True


def _plain_price(info: ModelInfo, at: datetime) -> _PlainPrice | None:
    model_price = info.get_prices(at)  # picks the period: a few date comparisons
    cached = _periods.get(id(model_price))
    if cached is None:
        resolved = _collect_resolved_model_prices(model_price, _get_registry())
        plain = None
        if (
            any(unit.dimensions.get("family") == "tokens" for unit, _ in resolved)
            and all(unit.usage_key != "requests" for unit, _ in resolved)
            and _units_valid(resolved)
        ):
            plain = _PlainPrice(
                model_id=info.id,
                units=tuple(
                    (
                        unit.usage_key,
                        unit.dimensions.get("direction"),
                        unit.dimensions.get("token_type"),
                        price,
                        unit.per,
                    )
                    for unit, price in resolved
                ),
                tiered=any(isinstance(price, TieredPrices) for _, price in resolved),
            )
        cached = _periods[id(model_price)] = (model_price, plain)
    return cached[1]


def _plain_cost(price: _PlainPrice, usage: TokenUsage) -> Cost:
    """What _default_cost answers for a plain price and a usage of input and output tokens
    only: the same per-unit amounts (calc_unit_price), summed in the same order."""
    counts = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
    tiered_input = usage.input_tokens if price.tiered else 0
    input_price = output_price = total = Decimal(0)
    parts = dict.fromkeys(("input", "output", "cache_read", "cache_write", "reasoning"), ZERO)
    for key, direction, token_type, unit_price, per in price.units:
        amount = calc_unit_price(unit_price, counts.get(key, 0), tiered_input, per)
        total += amount
        if direction == "input":
            input_price += amount
        elif direction == "output":
            output_price += amount
        # As _split files it.
        if token_type in parts:
            parts[token_type] += amount
        elif direction == "output":
            parts["output"] += amount
        else:
            parts["input"] += amount
    if sum(parts.values(), ZERO) != total:
        parts["input"] = input_price
        parts["output"] = total - input_price
    return Cost(**parts, total=total, source="default", matched_model=price.model_id)


def _default_cost(usage: TokenUsage, model: str, provider: str | None, at: datetime) -> Cost | None:
    provider_id = _provider_id(provider)
    info = _model_info(model, provider_id)
    if info is None:
        return None  # an unknown provider, or a model its provider does not list
    if not (usage.cache_read_tokens or usage.cache_write_tokens or usage.reasoning_tokens):
        plain = _plain_price(info, at)
        if plain is not None:
            return _plain_cost(plain, usage)
    return _general_cost(usage, model, provider_id, at)


def _general_cost(
    usage: TokenUsage, model: str, provider_id: str | None, at: datetime
) -> Cost | None:
    request = Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens or None,
        cache_write_tokens=usage.cache_write_tokens or None,
        output_reasoning_tokens=usage.reasoning_tokens or None,
    )
    try:
        result = calc_price(
            request, model_ref=model, provider_id=provider_id, genai_request_timestamp=at
        )
    except LookupError:
        return None  # an unknown provider, or a model its provider does not list
    except ValueError:
        # Counts it refuses (more reasoning than output tokens where reasoning has its own
        # price, more cached than input tokens where the cache has one), or a price it cannot
        # apply.
        return None
    resolved = _collect_resolved_model_prices(result.model_price, _get_registry())
    if resolved and not any(unit.dimensions.get("family") == "tokens" for unit, _ in resolved):
        # Priced per audio hour, character or page only: its price for tokens is not zero but
        # unknown.
        return None
    parts = _split(resolved, request)
    if sum(parts.values(), ZERO) != result.total_price:
        # Should the package's arithmetic ever differ from ours, keep its totals exact.
        parts = dict.fromkeys(parts, ZERO)
        parts["input"] = result.input_price
        parts["output"] = result.total_price - result.input_price
    reasoning_priced = any(unit.dimensions.get("token_type") == "reasoning" for unit, _ in resolved)
    if not reasoning_priced and usage.reasoning_tokens and usage.output_tokens:
        # No reasoning price: reasoning tokens are billed as output; show their share apart.
        reasoning = min(usage.reasoning_tokens, usage.output_tokens)
        share = parts["output"] * reasoning / usage.output_tokens
        exponent = share.as_tuple().exponent
        if isinstance(exponent, int) and exponent < _SHARE_EXPONENT:
            share = share.quantize(Decimal(1).scaleb(_SHARE_EXPONENT))  # only drops digits
        parts["output"] -= share
        parts["reasoning"] = share
    return Cost(
        **parts,
        total=result.total_price,
        source="default",
        matched_model=result.model.id,
    )


def price_call(
    *,
    usage: TokenUsage,
    model: str,
    provider: str | None,
    at: datetime,
    overrides: Sequence[CustomPrice] = (),
) -> Cost | None:
    """The cost of one call, or None when no price is known (never a silent zero)."""
    if not model:
        return None
    custom = _matching_custom(overrides, model, at)
    if custom is not None:
        return _custom_cost(custom, usage)
    return _default_cost(usage, model, provider, at)
