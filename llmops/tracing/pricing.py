"""The cost of one LLM call in USD, per usage type.

Default prices come from the ``genai-prices`` package: a maintained price database with
historic prices (effective dates) and tiers, bundled with the package, so no network is needed.
A project's own prices (``CustomPrice``) win over it. Nothing here touches the database: the
caller passes the project's prices, so ingestion loads them once per batch.

Token semantics follow OpenTelemetry GenAI: cache read and cache write tokens are part of the
input tokens, reasoning tokens part of the output tokens.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from genai_prices import Usage, calc_price
from genai_prices.types import (
    ModelPrice,
    _collect_resolved_model_prices,
    _compute_registry_priced_counts,
    calc_unit_price,
)
from genai_prices.types import Usage as PriceUsage
from genai_prices.units import _get_registry

ZERO = Decimal(0)
MILLION = Decimal(1_000_000)

# Provider names of the tracing conventions → provider ids of the price database.
_PROVIDER_IDS = {
    "openai": "openai",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "az.ai.openai": "azure",
    "azure": "azure",
    "anthropic": "anthropic",
    "aws.bedrock": "aws",
    "aws": "aws",
    "amazon": "aws",
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google",
    "vertex_ai": "google",
    "vertexai": "google",
    "gemini": "google",
    "google": "google",
    "mistral_ai": "mistral",
    "mistralai": "mistral",
    "mistral": "mistral",
    "x_ai": "x-ai",
    "xai": "x-ai",
    "deepseek": "deepseek",
    "groq": "groq",
    "cohere": "cohere",
    "perplexity": "perplexity",
    "moonshot_ai": "moonshotai",
    "moonshot": "moonshotai",
    "together": "together",
    "fireworks": "fireworks",
    "cerebras": "cerebras",
}


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


def _split(
    model_price: ModelPrice, usage: Usage, total: Decimal, input_total: Decimal
) -> dict[str, Decimal]:
    """Cost per usage type, from the same units and counts genai-prices totals."""
    registry = _get_registry()
    resolved = _collect_resolved_model_prices(model_price, registry)
    counts = _compute_registry_priced_counts(resolved, PriceUsage.from_raw(usage))
    tiered_input = usage.input_tokens or 0
    parts = {"input": ZERO, "output": ZERO, "cache_read": ZERO, "cache_write": ZERO}
    for unit, price in resolved:
        amount = calc_unit_price(price, counts[unit.usage_key], tiered_input, unit.per)
        token_type = unit.dimensions.get("token_type")
        if token_type in ("cache_read", "cache_write"):
            parts[token_type] += amount
        elif unit.dimensions.get("direction") == "output":
            parts["output"] += amount
        else:
            parts["input"] += amount
    if sum(parts.values(), ZERO) != total:
        # Should the package's arithmetic ever differ from ours, keep its totals exact.
        parts = {
            "input": input_total,
            "output": total - input_total,
            "cache_read": ZERO,
            "cache_write": ZERO,
        }
    return parts


def _default_cost(usage: TokenUsage, model: str, provider: str | None, at: datetime) -> Cost | None:
    request = Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens or None,
        cache_write_tokens=usage.cache_write_tokens or None,
    )
    provider_id = _PROVIDER_IDS.get((provider or "").lower())
    attempts = [provider_id, None] if provider_id else [None]
    for attempt in attempts:
        try:
            result = calc_price(
                request, model_ref=model, provider_id=attempt, genai_request_timestamp=at
            )
        except LookupError:
            continue
        parts = _split(result.model_price, request, result.total_price, result.input_price)
        # Reasoning tokens are billed as output; show their share separately.
        reasoning = (
            parts["output"] * usage.reasoning_tokens / usage.output_tokens
            if usage.output_tokens and usage.reasoning_tokens
            else ZERO
        )
        return Cost(
            input=parts["input"],
            output=parts["output"] - reasoning,
            cache_read=parts["cache_read"],
            cache_write=parts["cache_write"],
            reasoning=reasoning,
            total=result.total_price,
            source="default",
            matched_model=result.model.id,
        )
    return None


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
