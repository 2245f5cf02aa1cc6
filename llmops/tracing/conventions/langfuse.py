"""The Langfuse SDKs' ``langfuse.*`` span attributes (Python 3.x and later, JS 4.x).

The scalar ones (model name, prompt name and version, tags, environment, release, the
``langfuse.user.id`` / ``langfuse.session.id`` spellings) are read where ``map_span`` reads the
other conventions' names for the same field. The ones below carry JSON or need a rule of their
own; ``map_span`` calls ``langfuse_read`` only when some attribute starts with ``langfuse.``.

Langfuse's usage keys are disjoint (``input`` excludes cached input, ``output`` excludes
reasoning, ``total`` is their sum), while the platform's input and output counts include their
cached and reasoning parts (as OTel GenAI's do); the OpenAI wrapper sends OpenAI's own usage
object, whose counts are already inclusive.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from llmops.tracing.conventions.flattened import as_int, as_str, maybe_json, pop_first
from llmops.tracing.conventions.messages import normalize_messages

PREFIX = "langfuse."

# langfuse.observation.type → span kind. An event is a point in time without a kind of work.
KINDS = {
    "span": "span",
    "event": "span",
    "generation": "llm",
    "agent": "agent",
    "tool": "tool",
    "chain": "chain",
    "retriever": "retriever",
    "evaluator": "evaluator",
    "embedding": "embedding",
    "guardrail": "guardrail",
}

_OBSERVATION_METADATA = "langfuse.observation.metadata"
_TRACE_METADATA = "langfuse.trace.metadata"
_EXPERIMENT = "langfuse.experiment."
# langfuse.experiment.<suffix> → key of the span's experiment dict.
_EXPERIMENT_KEYS = {
    "id": "id",
    "name": "name",
    "description": "description",
    "metadata": "metadata",
    "dataset.id": "dataset_id",
    "item.id": "item_id",
    "item.version": "item_version",
    "item.metadata": "item_metadata",
    "item.expected_output": "item_expected_output",
    "item.root_observation_id": "item_root_observation_id",
}
_JSON_EXPERIMENT_KEYS = ("metadata", "item_metadata", "item_expected_output")

# Usage keys, by what they count. Cache reads and writes are part of the platform's input
# count, reasoning part of its output count.
_CACHE_READ_KEYS = (
    "input_cache_read",
    "input_cached_tokens",
    "cache_read_input_tokens",
    "cached_tokens",
    "input_cached",
)
_CACHE_WRITE_KEYS = (
    "input_cache_creation",
    "input_cache_write",
    "cache_creation_input_tokens",
    "cache_write_input_tokens",
)
_REASONING_KEYS = ("output_reasoning", "output_reasoning_tokens", "reasoning_tokens")
_COST_CACHE_READ_KEYS = (*_CACHE_READ_KEYS, "cache_read")
_COST_CACHE_WRITE_KEYS = (*_CACHE_WRITE_KEYS, "cache_write")
_COST_REASONING_KEYS = (*_REASONING_KEYS, "reasoning")


def has_langfuse(attrs: dict[str, Any]) -> bool:
    return any(key.startswith(PREFIX) for key in attrs)


def chat_or_value(value: Any) -> Any:
    """Chat messages in the shared message shape; any other input or output as sent."""
    value = maybe_json(value)
    if isinstance(value, dict):
        messages = value.get("messages")
        if _is_chat(messages):
            return normalize_messages(messages)
        if "role" in value and ("content" in value or "tool_calls" in value):
            return normalize_messages([value])
    elif _is_chat(value):
        return normalize_messages(value)
    return value


def _is_chat(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in value)
    )


def pop_prefixed(attrs: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``prefix.<key>`` attributes as ``{key: value}`` (JSON text decoded), popped."""
    dotted = prefix + "."
    return {
        key[len(dotted) :]: maybe_json(attrs.pop(key))
        for key in [k for k in attrs if k.startswith(dotted)]
    }


def pop_metadata(attrs: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Flattened ``prefix.<key>`` metadata, plus ``prefix`` itself (a JSON object or a value)."""
    metadata = pop_prefixed(attrs, prefix)
    whole = maybe_json(attrs.pop(prefix, None))
    if isinstance(whole, dict):
        metadata = {**whole, **metadata}
    elif whole not in (None, ""):
        metadata["metadata"] = whole
    return metadata


def pop_experiment(attrs: dict[str, Any]) -> dict[str, Any] | None:
    """The ``langfuse.experiment.*`` attributes as one dict, or None when there are none."""
    if "langfuse.experiment.id" not in attrs and "langfuse.experiment.item.id" not in attrs:
        return None
    experiment: dict[str, Any] = {}
    for suffix, name in _EXPERIMENT_KEYS.items():
        value = attrs.pop(_EXPERIMENT + suffix, None)
        if value is not None:
            experiment[name] = maybe_json(value) if name in _JSON_EXPERIMENT_KEYS else value
    # Metadata propagated as a dict arrives flattened (langfuse.experiment.metadata.<key>).
    for suffix, name in (("metadata", "metadata"), ("item.metadata", "item_metadata")):
        flat = pop_prefixed(attrs, _EXPERIMENT + suffix)
        if flat:
            whole = experiment.get(name)
            experiment[name] = {**(whole if isinstance(whole, dict) else {}), **flat}
    if isinstance(experiment.get("item_root_observation_id"), str):
        experiment["item_root_observation_id"] = experiment["item_root_observation_id"].lower()
    return experiment


def _count(details: dict[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = as_int(details.get(key))
        if value is not None:
            return value
    return None


def _nested(details: dict[str, Any], key: str) -> dict[str, Any]:
    value = details.get(key)
    return value if isinstance(value, dict) else {}


def usage(value: Any) -> dict[str, int | None] | None:
    """Token counts (the platform's inclusive ones) from ``usage_details``, or None."""
    details = maybe_json(value)
    if not isinstance(details, dict) or not details:
        return None
    if "prompt_tokens" in details or "completion_tokens" in details:
        # OpenAI Chat Completions, as the drop-in wrapper sends it: inclusive counts.
        prompt, completion = (
            _nested(details, "prompt_tokens_details"),
            _nested(details, "completion_tokens_details"),
        )
        return {
            "input": _count(details, "prompt_tokens"),
            "output": _count(details, "completion_tokens"),
            "total": _count(details, "total_tokens"),
            "cache_read": _count(prompt, "cached_tokens"),
            "cache_write": _count(prompt, "cache_creation_tokens", "cache_write_tokens"),
            "reasoning": _count(completion, "reasoning_tokens"),
        }
    if "input_tokens_details" in details or "output_tokens_details" in details:
        # OpenAI Responses: inclusive counts with their details.
        prompt, completion = (
            _nested(details, "input_tokens_details"),
            _nested(details, "output_tokens_details"),
        )
        return {
            "input": _count(details, "input_tokens"),
            "output": _count(details, "output_tokens"),
            "total": _count(details, "total_tokens"),
            "cache_read": _count(prompt, "cached_tokens"),
            "cache_write": None,
            "reasoning": _count(completion, "reasoning_tokens"),
        }
    # Langfuse's own keys (and Anthropic's): every count disjoint from the others.
    plain_input = _count(details, "input", "input_tokens", "prompt")
    plain_output = _count(details, "output", "output_tokens", "completion")
    cache_read = _count(details, *_CACHE_READ_KEYS)
    cache_write = _count(details, *_CACHE_WRITE_KEYS)
    reasoning = _count(details, *_REASONING_KEYS)
    total = _count(details, "total", "total_tokens")
    if all(v is None for v in (plain_input, plain_output, cache_read, cache_write, total)):
        return None
    inputs = [v for v in (plain_input, cache_read, cache_write) if v is not None]
    outputs = [v for v in (plain_output, reasoning) if v is not None]
    return {
        "input": sum(inputs) if inputs else None,
        "output": sum(outputs) if outputs else None,
        "total": total,
        "cache_read": cache_read,
        "cache_write": cache_write,
        "reasoning": reasoning,
    }


def cost(value: Any) -> dict[str, Any] | None:
    """Cost parts from ``cost_details`` (USD, Langfuse's disjoint keys), or None."""
    details = maybe_json(value)
    if not isinstance(details, dict) or not details:
        return None

    def first(*keys: str) -> Any:
        return next((details[k] for k in keys if details.get(k) is not None), None)

    return {
        "total": first("total"),
        "input": first("input", "input_tokens", "prompt_tokens"),
        "output": first("output", "output_tokens", "completion_tokens"),
        "cache_read": first(*_COST_CACHE_READ_KEYS),
        "cache_write": first(*_COST_CACHE_WRITE_KEYS),
        "reasoning": first(*_COST_REASONING_KEYS),
    }


def completion_start(value: Any, start: datetime) -> dict[str, Any]:
    """``completion_start_time`` and the time to first token it gives, for metadata."""
    text = as_str(maybe_json(value))
    if not text:
        return {}
    found: dict[str, Any] = {"completion_start_time": text}
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return found
    if at.tzinfo is not None:
        found["time_to_first_token_ms"] = (at - start).total_seconds() * 1000
    return found


def pop_level(attrs: dict[str, Any]) -> tuple[str, str]:
    """(level, status message): DEBUG, DEFAULT, WARNING or ERROR, upper-cased."""
    level = as_str(pop_first(attrs, "langfuse.observation.level")).upper()
    message = as_str(pop_first(attrs, "langfuse.observation.status_message"))
    return level, message
