"""One function, ``map_span``: a decoded OTLP span in, the stored span's fields out.

Each convention's attribute is popped from a working copy as it is read, so whatever is left
is exactly what no convention explained; it is kept on the span as ``attributes``. Where
conventions overlap, the newest OTel GenAI name is read first, then older GenAI names, then
OpenInference, then OpenLLMetry, then the platform's own ``llmops.*``, then Langfuse's
``langfuse.*`` (``conventions/langfuse.py``). A LangSmith run (``conventions/langsmith.py``)
carries only its own ``langsmith.*`` attributes; it fills what the others left empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from llmops.tracing.conventions import langfuse, langsmith
from llmops.tracing.conventions.flattened import (
    as_int,
    as_str,
    maybe_json,
    pop_first,
    pop_indexed,
)
from llmops.tracing.conventions.messages import (
    Message,
    normalize_messages,
    pop_legacy_genai_messages,
    pop_openinference_messages,
    tool_calls_of,
)
from llmops.tracing.otlp import RawSpan

_OPENINFERENCE_KINDS = {
    "LLM": "llm",
    "EMBEDDING": "embedding",
    "CHAIN": "chain",
    "RETRIEVER": "retriever",
    "RERANKER": "reranker",
    "TOOL": "tool",
    "AGENT": "agent",
    "GUARDRAIL": "guardrail",
    "EVALUATOR": "evaluator",
    "PROMPT": "chain",
}
_GENAI_OPERATIONS = {
    "chat": "llm",
    "text_completion": "llm",
    "generate_content": "llm",
    "completion": "llm",
    "embeddings": "embedding",
    "retrieval": "retriever",
    "execute_tool": "tool",
    "invoke_agent": "agent",
    "create_agent": "agent",
    "invoke_workflow": "chain",
    "plan": "chain",
}
_TRACELOOP_KINDS = {"workflow": "chain", "task": "chain", "agent": "agent", "tool": "tool"}
_LEGACY_REQUEST_TYPES = {"chat": "llm", "completion": "llm", "embedding": "embedding"}
_OWN_KINDS = {
    "llm",
    "embedding",
    "retriever",
    "reranker",
    "tool",
    "agent",
    "chain",
    "guardrail",
    "evaluator",
    "span",
}
# gen_ai.request.<name> → invocation parameter <name> (the keys spelled once, not per span).
_REQUEST_PARAMS = tuple(
    (name, f"gen_ai.request.{name}")
    for name in (
        "temperature",
        "max_tokens",
        "top_p",
        "top_k",
        "frequency_penalty",
        "presence_penalty",
        "stop_sequences",
        "seed",
        "choice.count",
        "stream",
        "encoding_formats",
        "reasoning_effort",
        "reasoning.level",
    )
)
_STATUS = {0: "unset", 1: "ok", 2: "error"}


@dataclass
class SpanCostSent:
    """A cost that the span reported itself (it wins over the price table)."""

    total: Decimal
    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    reasoning: Decimal | None = None


@dataclass
class MappedSpan:
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: str
    otel_kind: int
    scope: str
    start_time: datetime
    end_time: datetime
    duration_ms: float
    status: str
    status_message: str
    error_type: str = ""
    provider: str = ""
    model_requested: str = ""
    model_answered: str = ""
    invocation_params: dict[str, Any] = field(default_factory=dict)
    input: Any = None
    output: Any = None
    documents: list[dict[str, Any]] | None = None
    tool_calls: list[dict[str, Any]] | None = None
    user_id: str = ""
    session_id: str = ""
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    environment: str = ""
    release: str = ""
    prompt_name: str = ""
    prompt_version: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    total_tokens: int | None = None
    cost_sent: SpanCostSent | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    resource_attributes: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    # The langfuse.experiment.* attributes (llmops/tracing/experiments.py), when the span has them.
    experiment: dict[str, Any] | None = None

    @property
    def has_usage(self) -> bool:
        return self.input_tokens is not None or self.output_tokens is not None


def _time(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _kind(attrs: dict[str, Any], has_model: bool) -> str:
    own = as_str(pop_first(attrs, "llmops.span.kind")).lower()
    oi = as_str(pop_first(attrs, "openinference.span.kind")).upper()
    operation = as_str(attrs.get("gen_ai.operation.name")).lower()
    traceloop = as_str(pop_first(attrs, "traceloop.span.kind")).lower()
    legacy = as_str(attrs.get("llm.request.type")).lower()
    observation = as_str(attrs.get("langfuse.observation.type")).lower()
    if own in _OWN_KINDS:
        return own
    if oi in _OPENINFERENCE_KINDS:
        return _OPENINFERENCE_KINDS[oi]
    if operation in _GENAI_OPERATIONS:
        return _GENAI_OPERATIONS[operation]
    if traceloop in _TRACELOOP_KINDS:
        return _TRACELOOP_KINDS[traceloop]
    if legacy in _LEGACY_REQUEST_TYPES:
        return _LEGACY_REQUEST_TYPES[legacy]
    if observation in langfuse.KINDS:
        return langfuse.KINDS[observation]
    return "llm" if has_model else "span"


def _tags(value: Any) -> list[str]:
    value = maybe_json(value)
    if isinstance(value, list):
        return [as_str(v) for v in value if v not in (None, "")]
    if isinstance(value, str) and value:
        return [t.strip() for t in value.split(",") if t.strip()]
    return []


def _documents(attrs: dict[str, Any]) -> list[dict[str, Any]] | None:
    docs: list[dict[str, Any]] = []
    for flat in pop_indexed(attrs, "retrieval.documents."):
        doc: dict[str, Any] = {
            "id": as_str(flat.get("document.id")),
            "content": as_str(flat.get("document.content")),
        }
        score = flat.get("document.score")
        doc["score"] = float(score) if isinstance(score, int | float) else None
        metadata = maybe_json(flat.get("document.metadata"))
        if metadata:
            doc["metadata"] = metadata
        docs.append(doc)
    genai = maybe_json(pop_first(attrs, "gen_ai.retrieval.documents"))
    if isinstance(genai, list):
        for item in genai:
            if isinstance(item, dict):
                score = item.get("score")
                docs.append(
                    {
                        "id": as_str(item.get("id")),
                        "content": as_str(item.get("content", item.get("text", ""))),
                        "score": float(score) if isinstance(score, int | float) else None,
                        **({"metadata": item["metadata"]} if item.get("metadata") else {}),
                    }
                )
    return docs or None


def _reranker_documents(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]] | None:
    docs = [
        {
            "id": as_str(flat.get("document.id")),
            "content": as_str(flat.get("document.content")),
            "score": flat.get("document.score"),
        }
        for flat in pop_indexed(attrs, prefix)
    ]
    return docs or None


def _input_output_value(attrs: dict[str, Any], which: str) -> Any:
    value = pop_first(attrs, f"{which}.value")
    mime = as_str(pop_first(attrs, f"{which}.mime_type"))
    if value is None:
        return None
    return maybe_json(value) if mime == "application/json" or mime == "" else value


# Every usage and cost attribute read below starts with one of these.
_USAGE_PREFIXES = ("gen_ai.usage.", "llm.token_count.", "llm.usage.", "llmops.usage.")
_COST_PREFIXES = ("llmops.cost.", "llm.cost.")


def _usage(attrs: dict[str, Any], span: MappedSpan) -> None:
    if not any(key.startswith(_USAGE_PREFIXES) for key in attrs):
        return  # no usage reported (the counts stay None): one pass instead of 28 lookups
    span.input_tokens = as_int(
        pop_first(
            attrs,
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.prompt_tokens",
            "llm.token_count.prompt",
            "llm.usage.prompt_tokens",
            "llmops.usage.input_tokens",
        )
    )
    span.output_tokens = as_int(
        pop_first(
            attrs,
            "gen_ai.usage.output_tokens",
            "gen_ai.usage.completion_tokens",
            "llm.token_count.completion",
            "llm.usage.completion_tokens",
            "llmops.usage.output_tokens",
        )
    )
    span.cache_read_tokens = as_int(
        pop_first(
            attrs,
            "gen_ai.usage.cache_read.input_tokens",
            "gen_ai.usage.cache_read_input_tokens",
            "llm.token_count.prompt_details.cache_read",
            "llmops.usage.cache_read_tokens",
        )
    )
    span.cache_write_tokens = as_int(
        pop_first(
            attrs,
            "gen_ai.usage.cache_write.input_tokens",
            "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.cache_creation_input_tokens",
            "llm.token_count.prompt_details.cache_write",
            "llmops.usage.cache_write_tokens",
        )
    )
    span.reasoning_tokens = as_int(
        pop_first(
            attrs,
            "gen_ai.usage.reasoning.output_tokens",
            "gen_ai.usage.reasoning_tokens",
            "llm.token_count.completion_details.reasoning",
            "llmops.usage.reasoning_tokens",
        )
    )
    span.total_tokens = as_int(
        pop_first(
            attrs,
            "gen_ai.usage.total_tokens",
            "llm.token_count.total",
            "llm.usage.total_tokens",
            "llmops.usage.total_tokens",
        )
    )


def _cost(attrs: dict[str, Any]) -> SpanCostSent | None:
    if not any(key.startswith(_COST_PREFIXES) for key in attrs):
        return None  # most spans send no cost
    total = _decimal(pop_first(attrs, "llmops.cost.total", "llm.cost.total"))
    parts = {
        "input": _decimal(pop_first(attrs, "llmops.cost.input", "llm.cost.prompt_details.input")),
        "output": _decimal(
            pop_first(attrs, "llmops.cost.output", "llm.cost.completion_details.output")
        ),
        "cache_read": _decimal(
            pop_first(attrs, "llmops.cost.cache_read", "llm.cost.prompt_details.cache_read")
        ),
        "cache_write": _decimal(
            pop_first(attrs, "llmops.cost.cache_write", "llm.cost.prompt_details.cache_write")
        ),
        "reasoning": _decimal(
            pop_first(attrs, "llmops.cost.reasoning", "llm.cost.completion_details.reasoning")
        ),
    }
    prompt = _decimal(pop_first(attrs, "llm.cost.prompt"))
    completion = _decimal(pop_first(attrs, "llm.cost.completion"))
    if parts["input"] is None and prompt is not None:
        parts["input"] = prompt - (parts["cache_read"] or 0) - (parts["cache_write"] or 0)
    if parts["output"] is None and completion is not None:
        parts["output"] = completion - (parts["reasoning"] or 0)
    if total is None:
        known = [v for v in parts.values() if v is not None]
        if not known:
            return None
        total = sum(known, Decimal(0))
    return SpanCostSent(total=total, **parts)


def _prompt_identity(attrs: dict[str, Any], span: MappedSpan) -> None:
    span.prompt_name = as_str(
        pop_first(
            attrs,
            "llmops.prompt.name",
            "gen_ai.prompt.name",
            "traceloop.prompt.key",
            "llm.prompt_template.name",
            "prompt.id",
            "langfuse.observation.prompt.name",
        )
    )
    span.prompt_version = as_str(
        pop_first(
            attrs,
            "llmops.prompt.version",
            "gen_ai.prompt.version",
            "traceloop.prompt.version",
            "llm.prompt_template.version",
            "langfuse.observation.prompt.version",
        )
    )


def _association_properties(attrs: dict[str, Any], span: MappedSpan) -> None:
    prefix = "traceloop.association.properties."
    for key in [k for k in attrs if k.startswith(prefix)]:
        name = key[len(prefix) :]
        value = attrs.pop(key)
        if name in ("user_id", "userId", "user") and not span.user_id:
            span.user_id = as_str(value)
        elif name in ("session_id", "sessionId", "session", "thread_id") and not span.session_id:
            span.session_id = as_str(value)
        else:
            span.metadata[name] = value


def _metadata(attrs: dict[str, Any], span: MappedSpan) -> None:
    for key in ("metadata", "llmops.metadata"):
        value = maybe_json(attrs.pop(key, None))
        if isinstance(value, dict):
            span.metadata.update(value)
    for key in [k for k in attrs if k.startswith("llmops.metadata.")]:
        span.metadata[key[len("llmops.metadata.") :]] = attrs.pop(key)


def _messages(attrs: dict[str, Any], span: MappedSpan) -> None:
    system = maybe_json(pop_first(attrs, "gen_ai.system_instructions"))
    inputs: list[Message] | None = normalize_messages(pop_first(attrs, "gen_ai.input.messages"))
    outputs: list[Message] | None = normalize_messages(pop_first(attrs, "gen_ai.output.messages"))
    oi_in = pop_openinference_messages(attrs, "llm.input_messages.")
    oi_out = pop_openinference_messages(attrs, "llm.output_messages.")
    legacy_in = pop_legacy_genai_messages(attrs, "gen_ai.prompt.")
    legacy_out = pop_legacy_genai_messages(attrs, "gen_ai.completion.")
    oldest_in = normalize_messages(pop_first(attrs, "gen_ai.prompt"))
    oldest_out = normalize_messages(pop_first(attrs, "gen_ai.completion"))
    for event in span.events:
        if event["name"] == "gen_ai.client.inference.operation.details":
            event_attrs = event["attributes"]
            inputs = inputs or normalize_messages(event_attrs.get("gen_ai.input.messages"))
            outputs = outputs or normalize_messages(event_attrs.get("gen_ai.output.messages"))
            system = system or maybe_json(event_attrs.get("gen_ai.system_instructions"))
    inputs = inputs or oi_in or legacy_in or oldest_in
    outputs = outputs or oi_out or legacy_out or oldest_out
    if system and inputs is not None:
        parts = system if isinstance(system, list) else [system]
        texts = [as_str(p.get("content")) if isinstance(p, dict) else as_str(p) for p in parts]
        inputs = [{"role": "system", "content": "\n".join(texts)}, *inputs]
    generic_in = _input_output_value(attrs, "input")
    generic_out = _input_output_value(attrs, "output")
    entity_in = maybe_json(pop_first(attrs, "traceloop.entity.input", "llmops.input"))
    entity_out = maybe_json(pop_first(attrs, "traceloop.entity.output", "llmops.output"))
    span.input = (
        inputs if inputs is not None else (generic_in if generic_in is not None else entity_in)
    )
    span.output = (
        outputs if outputs is not None else (generic_out if generic_out is not None else entity_out)
    )
    span.tool_calls = tool_calls_of(outputs)


def _tool(attrs: dict[str, Any], span: MappedSpan) -> None:
    name = pop_first(attrs, "gen_ai.tool.name", "tool.name")
    call_id = pop_first(attrs, "gen_ai.tool.call.id", "tool.id")
    arguments = maybe_json(pop_first(attrs, "gen_ai.tool.call.arguments", "tool.parameters"))
    result = maybe_json(pop_first(attrs, "gen_ai.tool.call.result"))
    if name is None:
        return
    if span.input is None and arguments is not None:
        span.input = arguments
    if span.output is None and result is not None:
        span.output = result
    span.metadata.setdefault("tool", {"name": as_str(name), "call_id": as_str(call_id)})


def _status(raw: RawSpan, attrs: dict[str, Any], span: MappedSpan) -> None:
    span.status = _STATUS.get(raw.status_code, "unset")
    span.status_message = raw.status_message
    span.error_type = as_str(pop_first(attrs, "error.type"))
    for event in raw.events:
        if event["name"] == "exception":
            exc = event["attributes"]
            span.error_type = span.error_type or as_str(exc.get("exception.type"))
            if not span.status_message:
                span.status_message = as_str(exc.get("exception.message"))
    if span.error_type and span.status == "unset":
        span.status = "error"


def _langfuse(attrs: dict[str, Any], span: MappedSpan) -> None:
    """What the Langfuse SDKs send beyond the names read with the other conventions'."""
    if as_str(attrs.pop("langfuse.observation.type", None)).lower() == "event":
        span.metadata["observation_type"] = "event"
    params = maybe_json(attrs.get("langfuse.observation.model.parameters"))
    if isinstance(params, dict):
        del attrs["langfuse.observation.model.parameters"]
        span.invocation_params.update(params)
    level, message = langfuse.pop_level(attrs)
    if level and level != "DEFAULT":
        span.metadata["level"] = level
    if level == "ERROR" and span.status != "error":
        span.status = "error"
    if message and not span.status_message:
        span.status_message = message
    # Usage and cost that cannot be read stay in attributes, as sent.
    found = langfuse.usage(attrs.get("langfuse.observation.usage_details"))
    if found is not None:
        del attrs["langfuse.observation.usage_details"]
    if found is not None and not span.has_usage:
        span.input_tokens = found["input"]
        span.output_tokens = found["output"]
        span.cache_read_tokens = found["cache_read"]
        span.cache_write_tokens = found["cache_write"]
        span.reasoning_tokens = found["reasoning"]
        span.total_tokens = found["total"]
    sent = langfuse.cost(attrs.get("langfuse.observation.cost_details"))
    if sent is not None:
        del attrs["langfuse.observation.cost_details"]
        if span.cost_sent is None:
            span.cost_sent = _cost_of(sent)
    span.metadata.update(
        langfuse.completion_start(
            attrs.pop("langfuse.observation.completion_start_time", None), span.start_time
        )
    )
    observed_in = attrs.pop("langfuse.observation.input", None)
    observed_out = attrs.pop("langfuse.observation.output", None)
    if span.input is None and observed_in is not None:
        span.input = langfuse.chat_or_value(observed_in)
    if span.output is None and observed_out is not None:
        span.output = langfuse.chat_or_value(observed_out)
        if span.tool_calls is None and isinstance(span.output, list):
            span.tool_calls = tool_calls_of(span.output)
    span.metadata.update(langfuse.pop_metadata(attrs, "langfuse.trace.metadata"))
    span.metadata.update(langfuse.pop_metadata(attrs, "langfuse.observation.metadata"))
    # Trace-level values without a span column: kept where the trace row and the UI show them.
    for key, name in (
        ("langfuse.trace.name", "trace_name"),
        ("langfuse.trace.input", "trace_input"),
        ("langfuse.trace.output", "trace_output"),
        ("langfuse.trace.public", "trace_public"),
        ("langfuse.version", "version"),
    ):
        value = attrs.pop(key, None)
        if value is not None:
            span.metadata[name] = as_str(value)[:500] if name == "trace_name" else maybe_json(value)
    span.experiment = langfuse.pop_experiment(attrs)
    if span.experiment is not None:
        span.metadata["experiment"] = span.experiment


def _cost_of(sent: dict[str, Any]) -> SpanCostSent | None:
    parts = {name: _decimal(sent[name]) for name in SPAN_COST_PARTS}
    total = _decimal(sent["total"])
    if total is None:
        known = [v for v in parts.values() if v is not None]
        if not known:
            return None
        total = sum(known, Decimal(0))
    return SpanCostSent(total=total, **parts)


SPAN_COST_PARTS = ("input", "output", "cache_read", "cache_write", "reasoning")


def _langsmith(attrs: dict[str, Any], span: MappedSpan) -> None:
    """A LangSmith run's fields, where no other convention already filled the span's."""
    run = langsmith.read(attrs, span_id=span.span_id, start=span.start_time)
    span.model_requested = span.model_requested or run.model_requested or run.model_answered
    span.model_answered = span.model_answered or run.model_answered
    span.provider = span.provider or run.provider
    if run.kind:
        span.kind = run.kind
    elif span.kind == "span" and span.model_requested:
        span.kind = "llm"
    span.invocation_params = {**run.invocation_params, **span.invocation_params}
    if span.input is None:
        span.input = run.input
    if span.output is None:
        span.output = run.output
        span.tool_calls = span.tool_calls or run.tool_calls
    span.documents = span.documents or run.documents
    if run.usage is not None and not span.has_usage and span.total_tokens is None:
        span.input_tokens = run.usage["input"]
        span.output_tokens = run.usage["output"]
        span.cache_read_tokens = run.usage["cache_read"]
        span.cache_write_tokens = run.usage["cache_write"]
        span.reasoning_tokens = run.usage["reasoning"]
        span.total_tokens = run.usage["total"]
    if run.cost is not None and span.cost_sent is None:
        span.cost_sent = _cost_of(run.cost)
    if run.error:
        span.status = "error"
        span.status_message = span.status_message or run.error
        span.error_type = span.error_type or run.error_type
    span.tags = span.tags + [tag for tag in run.tags if tag not in span.tags]
    span.metadata = {**run.metadata, **span.metadata}
    if span.kind == "tool":
        span.metadata.setdefault("tool", {"name": span.name, "call_id": run.tool_call_id})
    span.user_id = span.user_id or run.user_id
    span.session_id = span.session_id or run.session_id
    span.release = span.release or run.release[:100]
    if run.experiment is not None:
        span.experiment = run.experiment
        span.metadata["experiment"] = run.experiment


def map_span(raw: RawSpan) -> MappedSpan:
    attrs = dict(raw.attributes)
    resource = dict(raw.resource)
    span = MappedSpan(
        trace_id=raw.trace_id,
        span_id=raw.span_id,
        parent_span_id=raw.parent_span_id,
        name=raw.name[:500],
        kind="span",
        otel_kind=raw.otel_kind,
        scope=raw.scope[:200],
        start_time=_time(raw.start_ns),
        end_time=_time(raw.end_ns),
        duration_ms=(raw.end_ns - raw.start_ns) / 1e6,
        status="unset",
        status_message="",
        events=raw.events,
    )
    span.model_requested = as_str(
        pop_first(
            attrs,
            "gen_ai.request.model",
            "llm.request.model_name",
            "embedding.model_name",
            "reranker.model_name",
            "langfuse.observation.model.name",
        )
    )
    span.model_answered = as_str(
        pop_first(attrs, "gen_ai.response.model", "llm.response.model_name", "llm.model_name")
    )
    if not span.model_requested:
        span.model_requested = span.model_answered
    span.provider = as_str(
        pop_first(attrs, "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
    )
    # One pass over the keys; most spans carry no langfuse.* attribute.
    is_langfuse = langfuse.has_langfuse(attrs)
    span.kind = _kind(attrs, bool(span.model_requested))
    attrs.pop("gen_ai.operation.name", None)
    attrs.pop("llm.request.type", None)

    params: dict[str, Any] = {}
    for name, key in _REQUEST_PARAMS:
        if key in attrs:
            params[name] = attrs.pop(key)
    for key in ("llm.invocation_parameters", "embedding.invocation_parameters"):
        value = maybe_json(attrs.pop(key, None))
        if isinstance(value, dict):
            params.update({k: v for k, v in value.items() if k not in ("messages", "input")})
    span.invocation_params = params

    _status(raw, attrs, span)
    _usage(attrs, span)
    span.cost_sent = _cost(attrs)
    _prompt_identity(attrs, span)
    # The prompt variables travel as gen_ai.prompt.variable.<name>; keep them together.
    variables = {
        key[len("gen_ai.prompt.variable.") :]: attrs.pop(key)
        for key in [k for k in attrs if k.startswith("gen_ai.prompt.variable.")]
    }
    oi_variables = maybe_json(attrs.pop("llm.prompt_template.variables", None))
    if isinstance(oi_variables, dict):
        variables.update(oi_variables)
    _messages(attrs, span)
    if variables:
        span.metadata["prompt_variables"] = variables

    span.documents = _documents(attrs)
    reranked = _reranker_documents(attrs, "reranker.output_documents.")
    if reranked is not None:
        span.input = span.input or {
            "query": attrs.pop("reranker.query", None),
            "documents": _reranker_documents(attrs, "reranker.input_documents."),
        }
        span.documents = reranked
    if span.kind == "retriever" and span.input is None:
        query = pop_first(attrs, "gen_ai.retrieval.query.text")
        if query is not None:
            span.input = query
    _tool(attrs, span)
    if is_langfuse:
        _langfuse(attrs, span)

    span.user_id = as_str(
        pop_first(attrs, "llmops.user.id", "user.id", "enduser.id", "langfuse.user.id")
    )
    span.session_id = as_str(
        pop_first(
            attrs,
            "llmops.session.id",
            "session.id",
            "gen_ai.conversation.id",
            "langfuse.session.id",
        )
    )
    _association_properties(attrs, span)
    _metadata(attrs, span)
    span.tags = _tags(pop_first(attrs, "llmops.tags", "tag.tags", "langfuse.trace.tags"))
    span.environment = as_str(
        pop_first(
            attrs, "llmops.environment", "deployment.environment.name", "langfuse.environment"
        )
        or resource.get("llmops.environment")
        or resource.get("deployment.environment.name")
        or resource.get("deployment.environment")
    )[:100]
    span.release = as_str(
        pop_first(attrs, "llmops.release", "langfuse.release")
        or resource.get("llmops.release")
        or resource.get("service.version")
    )[:100]
    if langsmith.is_run(attrs):
        _langsmith(attrs, span)
    span.user_id = span.user_id[:200]
    span.session_id = span.session_id[:200]
    span.attributes = attrs
    span.resource_attributes = resource
    return span
