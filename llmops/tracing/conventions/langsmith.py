"""LangSmith runs: the ``langsmith.*`` attributes ``llmops/tracing/langsmith_runs.py`` puts on
the span of a run the ``langsmith`` client (or LangChain's tracer) sent.

The run's fields arrive whole (``inputs``, ``outputs``, ``extra``, ``events`` as JSON text), so
this reads them as LangSmith and LangChain write them: ``run_type`` gives the kind; chat model
inputs (``{"messages": [[...]]}``, ``{"prompts": [...]}``) and outputs (``{"generations":
[[{"text", "message"}]], "llm_output"}``) become the shared message shape (messages.py), with
LangChain's message forms; retriever documents the span's ``documents``; usage from the AI
message's ``usage_metadata`` (LangChain's counts include their cached and reasoning parts, as the
platform's do) or the provider's ``token_usage``; model and provider from ``ls_model_name`` /
``ls_provider`` and the invocation parameters. ``map_span`` calls :func:`read` only for spans
that carry ``langsmith.run_id``; it pops what it reads and puts back, as ``langsmith.extra`` and
``langsmith.events``, the parts no field explains (the SDK's ``runtime``, streamed tokens...).

Kept in ``attributes`` as sent, because the LangSmith reads answer with them and no span field
holds them: ``langsmith.run_id``, ``langsmith.parent_run_id``, ``langsmith.dotted_order``
(the span ids are hashes of the run ids), ``langsmith.reference_example_id`` (also the span's
``experiment``) and ``langsmith.run_type`` (``prompt`` and ``parser`` runs are kind ``chain``);
``langsmith.serialized`` (the traced object's constructor) too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from llmops.tracing.conventions import langfuse
from llmops.tracing.conventions.flattened import as_int, as_str, maybe_json
from llmops.tracing.conventions.messages import (
    Message,
    is_langchain_message,
    normalize_messages,
    tool_calls_of,
)

PREFIX = "langsmith."
RUN_ID = "langsmith.run_id"

# run_type → span kind. A prompt template and an output parser are steps of a chain (as
# OpenInference's PROMPT maps to chain); LangChain has no other run types, the client accepts
# any string (an unknown one is read like a span without a convention).
KINDS = {
    "llm": "llm",
    "chat_model": "llm",
    "chat": "llm",
    "chain": "chain",
    "tool": "tool",
    "retriever": "retriever",
    "embedding": "embedding",
    "prompt": "chain",
    "parser": "chain",
}
_MODEL_KINDS = ("llm", "embedding")
# Where LangSmith's threads look for the conversation a run belongs to (extra.metadata).
_THREAD_KEYS = ("session_id", "thread_id", "conversation_id")
_USER_KEYS = ("user_id", "userId", "user")
# Invocation parameters that are the request's content, not its parameters.
_NOT_PARAMS = ("messages", "input", "prompt", "prompts")
# extra.metadata's model parameters, LangChain's standard names → invocation parameter names.
_LS_PARAMS = (
    ("ls_temperature", "temperature"),
    ("ls_max_tokens", "max_tokens"),
    ("ls_stop", "stop"),
)
# "ValueError('boom')" or "ValueError: boom", then the traceback the client appends.
_ERROR_TYPE = re.compile(r"^\s*([A-Za-z_][\w.]*)(?:\(|:|$)")


@dataclass
class Run:
    """What a run says, in the span's terms (None or empty where it says nothing)."""

    run_type: str = ""
    kind: str = ""
    input: Any = None
    output: Any = None
    tool_calls: list[dict[str, Any]] | None = None
    documents: list[dict[str, Any]] | None = None
    model_requested: str = ""
    model_answered: str = ""
    provider: str = ""
    invocation_params: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, int | None] | None = None
    cost: dict[str, Any] | None = None
    error: str = ""
    error_type: str = ""
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    user_id: str = ""
    session_id: str = ""
    release: str = ""
    tool_call_id: str = ""
    experiment: dict[str, Any] | None = None


def is_run(attrs: dict[str, Any]) -> bool:
    return RUN_ID in attrs


def _dict(value: Any) -> dict[str, Any]:
    value = maybe_json(value)
    return value if isinstance(value, dict) else {}


def _first_str(*values: Any) -> str:
    return next((v for v in values if isinstance(v, str) and v), "")


# --- messages --------------------------------------------------------------------------------


def _is_message(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    return is_langchain_message(value) or (
        isinstance(value.get("role"), str) and ("content" in value or "tool_calls" in value)
    )


def _chat(value: Any) -> list[Message] | None:
    """``value`` as messages when it is a message or a (nested) list of them, else None."""
    if _is_message(value):
        return normalize_messages([value])
    if not isinstance(value, list) or not value:
        return None
    # A chat model's inputs are a batch of conversations; a run holds one, or several.
    flat = [m for item in value for m in (item if isinstance(item, list) else [item])]
    if flat and all(_is_message(m) for m in flat):
        return normalize_messages(flat)
    return None


def _generation_messages(generations: Any) -> list[Message] | None:
    if not isinstance(generations, list):
        return None
    messages: list[Message] = []
    for batch in generations:
        for generation in batch if isinstance(batch, list) else [batch]:
            if not isinstance(generation, dict):
                return None
            found = _chat(generation.get("message"))
            message = (
                found[0]
                if found
                else {"role": "assistant", "content": as_str(generation.get("text"))}
            )
            info = generation.get("generation_info")
            reason = info.get("finish_reason") if isinstance(info, dict) else None
            if reason:
                message["finish_reason"] = as_str(reason)
            messages.append(message)
    return messages or None


def _choice_messages(choices: Any) -> list[Message] | None:
    """OpenAI's ``choices`` (the ``wrap_openai`` wrapper's outputs)."""
    if not isinstance(choices, list) or not choices:
        return None
    messages: list[Message] = []
    for choice in choices:
        if not isinstance(choice, dict) or not _is_message(choice.get("message")):
            return None
        message = normalize_messages([choice["message"]]) or []
        if message and choice.get("finish_reason"):
            message[0]["finish_reason"] = as_str(choice["finish_reason"])
        messages.extend(message)
    return messages


def _unwrapped(value: dict[str, Any]) -> Any:
    """The value of a one-key ``{"input"|"output"|"messages": ...}`` wrapper, else None:
    the client wraps whatever is not a dict as ``{"output": value}``."""
    if len(value) == 1:
        key, inner = next(iter(value.items()))
        if key in ("input", "output", "messages"):
            if isinstance(inner, dict) and set(inner) == {"messages"}:
                return inner["messages"]  # a ChatPromptValue
            return inner
    return None


def inputs_of(inputs: Any, run_type: str) -> Any:
    """A run's inputs: messages when they are a chat, else as sent."""
    if not isinstance(inputs, dict):
        return inputs
    if run_type in ("llm", "chat_model", "chat"):
        messages = _chat(inputs.get("messages"))
        if messages is not None:
            return messages
        prompts = inputs.get("prompts")
        if isinstance(prompts, list) and prompts and all(isinstance(p, str) for p in prompts):
            return [{"role": "user", "content": prompt} for prompt in prompts]
    messages = _chat(_unwrapped(inputs))
    return messages if messages is not None else inputs


def outputs_of(outputs: Any, run_type: str) -> Any:
    """A run's outputs: messages when they are a chat (a chat model's generations), else as
    sent."""
    if not isinstance(outputs, dict):
        return outputs
    messages = _generation_messages(outputs.get("generations"))
    if messages is None:
        messages = _choice_messages(outputs.get("choices"))
    if messages is None and run_type in ("llm", "chat_model", "chat") and _is_message(outputs):
        messages = _chat(outputs)
    if messages is None:
        messages = _chat(_unwrapped(outputs))
    return messages if messages is not None else outputs


# --- documents -------------------------------------------------------------------------------


def documents_of(outputs: Any) -> list[dict[str, Any]] | None:
    """LangChain ``Document``\\ s (``page_content``, ``metadata``, ``id``) a retriever returned:
    ``{"documents": [...]}`` (a LangChain retriever) or ``{"output": [...]}`` (a ``@traceable``
    function returning a list), in the shape of the OpenInference retriever mapping's."""
    if not isinstance(outputs, dict):
        return None
    found = outputs.get("documents", outputs.get("output"))
    if not isinstance(found, list) or not found:
        return None
    if not all(isinstance(d, dict) and "page_content" in d for d in found):
        return None
    documents: list[dict[str, Any]] = []
    for item in found:
        metadata = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
        score = item.get("score", metadata.get("score", metadata.get("relevance_score")))
        document: dict[str, Any] = {
            "id": as_str(item.get("id") or metadata.get("id")),
            "content": as_str(item.get("page_content")),
            "score": float(score)
            if isinstance(score, int | float) and not isinstance(score, bool)
            else None,
        }
        if metadata:
            document["metadata"] = metadata
        documents.append(document)
    return documents


# --- usage -----------------------------------------------------------------------------------


def _usage_metadata(value: Any) -> dict[str, int | None] | None:
    """LangChain's (and LangSmith's) ``usage_metadata``: inclusive counts with details."""
    if not isinstance(value, dict):
        return None
    counts = {
        "input": as_int(value.get("input_tokens")),
        "output": as_int(value.get("output_tokens")),
        "total": as_int(value.get("total_tokens")),
    }
    if all(v is None for v in counts.values()):
        return None
    inputs = _dict(value.get("input_token_details"))
    outputs = _dict(value.get("output_token_details"))
    return {
        **counts,
        "cache_read": as_int(inputs.get("cache_read")),
        "cache_write": as_int(inputs.get("cache_creation")),
        "reasoning": as_int(outputs.get("reasoning")),
    }


def _usage_cost(value: Any) -> dict[str, Any] | None:
    """A cost the run reported in its ``usage_metadata`` (LangSmith's ``*_cost`` keys, USD)."""
    if not isinstance(value, dict) or value.get("total_cost", value.get("input_cost")) is None:
        return None
    inputs = _dict(value.get("input_cost_details"))
    outputs = _dict(value.get("output_cost_details"))
    return {
        "total": value.get("total_cost"),
        "input": value.get("input_cost"),
        "output": value.get("output_cost"),
        "cache_read": inputs.get("cache_read"),
        "cache_write": inputs.get("cache_creation"),
        "reasoning": outputs.get("reasoning"),
    }


def _message_fields(value: Any) -> dict[str, Any]:
    """The fields of a serialized message (constructor form or plain dump), or {}."""
    if not isinstance(value, dict):
        return {}
    kwargs = value.get("kwargs")
    return kwargs if value.get("lc") == 1 and isinstance(kwargs, dict) else value


def _generated(outputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields of each message the run generated (chat generations, or one output)."""
    found: list[dict[str, Any]] = []
    generations = outputs.get("generations")
    if isinstance(generations, list):
        for batch in generations:
            for generation in batch if isinstance(batch, list) else [batch]:
                if isinstance(generation, dict):
                    fields = _message_fields(generation.get("message"))
                    if fields:
                        found.append(fields)
    output = outputs.get("output")
    if isinstance(output, dict):
        found.append(_message_fields(output))
    return found


def usage_of(
    outputs: dict[str, Any], metadata: dict[str, Any]
) -> tuple[dict[str, int | None] | None, dict[str, Any] | None]:
    """(token counts, cost sent) of a run; the first source that has counts wins."""
    generated = _generated(outputs)
    usages = [
        outputs.get("usage_metadata"),
        # A chat model's AIMessage: each generation of one call carries the call's usage, so
        # the first is the call's (adding them would count an n>1 call n times).
        *(fields.get("usage_metadata") for fields in generated),
        metadata.get("usage_metadata"),
    ]
    for found in usages:
        counts = _usage_metadata(found)
        if counts is not None:
            return counts, _usage_cost(found)
    llm_output = _dict(outputs.get("llm_output"))
    for details in (
        llm_output.get("token_usage"),
        llm_output.get("usage"),
        outputs.get("usage"),
        *(_dict(fields.get("response_metadata")).get("token_usage") for fields in generated),
    ):
        counts = langfuse.usage(details) if isinstance(details, dict) else None
        if counts is not None:
            return counts, None
    # The seed code's extra={"metadata": {"tokens": 125}}: a total, read only when nothing
    # says how it splits.
    total = as_int(metadata.get("total_tokens", metadata.get("tokens")))
    if total is not None:
        return {
            "input": None,
            "output": None,
            "total": total,
            "cache_read": None,
            "cache_write": None,
            "reasoning": None,
        }, None
    return None, None


# --- model -----------------------------------------------------------------------------------


def _serialized_provider(serialized: dict[str, Any]) -> str:
    """The integration a LangChain model's constructor path names: ``["langchain",
    "chat_models", "openai", "ChatOpenAI"]`` → ``openai``."""
    ids = serialized.get("id")
    if isinstance(ids, list) and len(ids) >= 4 and ids[1] in ("chat_models", "llms", "embeddings"):
        return as_str(ids[2])
    return ""


def _model(run: Run, extra: dict[str, Any], outputs: dict[str, Any], serialized: Any) -> None:
    metadata = _dict(extra.get("metadata"))
    params = _dict(extra.get("invocation_params"))
    run.model_requested = _first_str(
        metadata.get("ls_model_name"),
        params.get("model"),
        params.get("model_name"),
        params.get("model_id"),
        params.get("deployment_name"),
        metadata.get("model"),
        metadata.get("model_name"),
        outputs.get("model") if "choices" in outputs else None,
    )
    llm_output = _dict(outputs.get("llm_output"))
    answered = [
        _dict(fields.get("response_metadata")).get(key)
        for fields in _generated(outputs)
        for key in ("model_name", "model")
    ]
    run.model_answered = _first_str(
        llm_output.get("model_name"),
        llm_output.get("model"),
        *answered,
        outputs.get("model") if "choices" in outputs else None,
    )
    run.provider = _first_str(metadata.get("ls_provider"), _serialized_provider(_dict(serialized)))
    run.invocation_params = {k: v for k, v in params.items() if k not in _NOT_PARAMS}
    for source, name in _LS_PARAMS:
        if metadata.get(source) is not None:
            run.invocation_params.setdefault(name, metadata[source])


# --- the run ---------------------------------------------------------------------------------


def _error(run: Run, error: str) -> None:
    run.error = error
    match = _ERROR_TYPE.match(error)
    if match is not None:
        run.error_type = match.group(1)


def _events(attrs: dict[str, Any], value: Any, start: datetime, metadata: dict[str, Any]) -> None:
    """The first streamed token's time, as the Langfuse mapping records it; events other than
    start, end and the tokens (already the span's times and output) are kept as sent."""
    events = maybe_json(value)
    if not isinstance(events, list):
        if value is not None:
            attrs["langsmith.events"] = value
        return
    first_token = next(
        (e.get("time") for e in events if isinstance(e, dict) and e.get("name") == "new_token"),
        None,
    )
    if first_token is not None:
        metadata.update(langfuse.completion_start(first_token, start))
    rest = [
        e
        for e in events
        if not (isinstance(e, dict) and e.get("name") in ("start", "end", "new_token"))
    ]
    if rest:
        attrs["langsmith.events"] = rest


def _experiment(run: Run, attrs: dict[str, Any], span_id: str, session: str) -> None:
    """A root run with a reference example is one item of an evaluation experiment
    (``evaluate()`` sends each example's target run so, in the experiment's session)."""
    # Kept in attributes too: the LangSmith reads answer a run's reference example from there.
    example = as_str(attrs.get("langsmith.reference_example_id"))
    session_id = as_str(attrs.get("langsmith.session_id"))
    if not example:
        return
    run.experiment = {
        # The experiment session: its id when the run names it so, else its name (evaluate()
        # sends runs to the experiment by name).
        "id": session_id or session,
        "name": session,
        "item_id": example,
        # Tracing does not know the dataset; evaluation resolves it from the session.
        "dataset_id": "",
        "item_root_observation_id": span_id,
    }


def read(attrs: dict[str, Any], *, span_id: str, start: datetime) -> Run:
    """The run ``attrs`` describes; what is read is popped from ``attrs``."""
    run = Run()
    run.run_type = as_str(attrs.get("langsmith.run_type")).lower()
    run.kind = KINDS.get(run.run_type, "")
    inputs = maybe_json(attrs.pop("langsmith.inputs", None))
    outputs = maybe_json(attrs.pop("langsmith.outputs", None))
    extra = _dict(attrs.pop("langsmith.extra", None))
    outputs_dict = outputs if isinstance(outputs, dict) else {}
    metadata = dict(_dict(extra.get("metadata")))

    run.input = inputs_of(inputs, run.run_type)
    run.output = outputs_of(outputs, run.run_type)
    run.documents = documents_of(outputs)
    if run.kind in _MODEL_KINDS or not run.kind:
        if isinstance(run.output, list) and run.output is not outputs:
            run.tool_calls = tool_calls_of(run.output)
        # Only a model call's: a chain that returns the model's AIMessage, or inherits the
        # caller's metadata, would count its child's tokens (and tool calls) again in the
        # trace's sums.
        _model(run, extra, outputs_dict, attrs.get("langsmith.serialized"))
        run.usage, run.cost = usage_of(outputs_dict, metadata)

    error = as_str(attrs.pop("langsmith.error", None))
    if error:
        _error(run, error)
    tags = maybe_json(attrs.pop("langsmith.tags", None))
    if isinstance(tags, list):
        run.tags = [as_str(tag) for tag in tags if tag not in (None, "")]

    # Usage is in the token columns; the rest of extra.metadata is the span's metadata.
    metadata.pop("usage_metadata", None)
    run.session_id = as_str(next((metadata[k] for k in _THREAD_KEYS if metadata.get(k)), ""))
    run.user_id = as_str(next((metadata[k] for k in _USER_KEYS if metadata.get(k)), ""))
    run.release = as_str(metadata.get("revision_id") or "")
    run.tool_call_id = as_str(extra.get("tool_call_id"))
    session = as_str(attrs.pop("langsmith.session_name", None))
    # The LangSmith project, filterable in the trace list (metadata_key=langsmith_project).
    if session:
        metadata["langsmith_project"] = session
    project_id = as_str(attrs.get("langsmith.session_id"))
    _experiment(run, attrs, span_id, session)
    attrs.pop("langsmith.session_id", None)
    if project_id:
        metadata["langsmith_project_id"] = project_id
    _events(attrs, attrs.pop("langsmith.events", None), start, metadata)
    run.metadata.update(metadata)

    rest = {
        k: v for k, v in extra.items() if k not in ("metadata", "invocation_params", "tool_call_id")
    }
    if rest:
        attrs["langsmith.extra"] = rest
    return run
