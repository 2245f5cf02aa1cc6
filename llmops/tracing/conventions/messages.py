"""Chat messages in every shape the conventions use, turned into one shape.

The stored shape is OpenAI-like, because that is what people read and what the UI renders:
``{"role", "content", "name"?, "tool_calls"?: [{"id", "name", "arguments"}], "tool_call_id"?,
"reasoning"?, "parts"?}`` where ``parts`` keeps non-text content (images, files) as sent.

LangChain's messages (``langchain_core.messages``) arrive in two serialized forms, both read
here: the constructor form ``{"lc": 1, "type": "constructor", "id": [..., "HumanMessage"],
"kwargs": {...}}`` (``dumpd``, what the tracer sends for a chat model's inputs and outputs) and
the plain dump ``{"type": "human", "content": ...}`` (``model_dump``, what it sends for other
runs' inputs and outputs). Their tool calls are ``{"name", "args", "id"}``.
"""

from __future__ import annotations

import json
from typing import Any

from llmops.tracing.conventions.flattened import as_str, maybe_json, pop_indexed

Message = dict[str, Any]


def _tool_call(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    if isinstance(arguments, dict | list):
        arguments = json.dumps(arguments)
    return {"id": as_str(call_id), "name": as_str(name), "arguments": as_str(arguments)}


def _from_otel_parts(message: dict[str, Any]) -> Message:
    """OTel GenAI ``{"role", "parts": [...]}`` messages."""
    texts: list[str] = []
    out: Message = {"role": as_str(message.get("role")) or "user"}
    tool_calls: list[dict[str, Any]] = []
    other: list[Any] = []
    for part in message.get("parts") or []:
        if not isinstance(part, dict):
            texts.append(as_str(part))
            continue
        kind = part.get("type")
        if kind == "text":
            texts.append(as_str(part.get("content")))
        elif kind == "tool_call":
            tool_calls.append(_tool_call(part.get("id"), part.get("name"), part.get("arguments")))
        elif kind == "tool_call_response":
            out["role"] = "tool"
            out["tool_call_id"] = as_str(part.get("id"))
            texts.append(as_str(part.get("result", part.get("response"))))
        elif kind == "reasoning":
            out["reasoning"] = as_str(part.get("content"))
        else:
            other.append(part)
    out["content"] = "\n".join(texts) if texts else None
    if tool_calls:
        out["tool_calls"] = tool_calls
    if other:
        out["parts"] = other
    if message.get("name"):
        out["name"] = as_str(message["name"])
    if message.get("finish_reason"):
        out["finish_reason"] = as_str(message["finish_reason"])
    return out


def _from_openai_like(message: dict[str, Any]) -> Message:
    """``{"role", "content": str | [parts], "tool_calls"?}`` as the OpenAI API writes them."""
    out: Message = {"role": as_str(message.get("role")) or "user"}
    content = message.get("content")
    if isinstance(content, list):
        texts = [
            as_str(part.get("text", part.get("content")))
            for part in content
            if isinstance(part, dict) and part.get("type") in ("text", "input_text", "output_text")
        ]
        other = [
            part
            for part in content
            if not (
                isinstance(part, dict) and part.get("type") in ("text", "input_text", "output_text")
            )
        ]
        out["content"] = "\n".join(texts) if texts else None
        if other:
            out["parts"] = other
    else:
        out["content"] = None if content is None else as_str(content)
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        out["tool_calls"] = [
            _tool_call(
                call.get("id"),
                (call.get("function") or {}).get("name", call.get("name")),
                (call.get("function") or {}).get("arguments", call.get("arguments")),
            )
            for call in calls
            if isinstance(call, dict)
        ]
    for key in ("name", "tool_call_id"):
        if message.get(key):
            out[key] = as_str(message[key])
    return out


# LangChain message type (the ``type`` field, or the class name of the constructor form) → role.
_LANGCHAIN_ROLES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "tool": "tool",
    "function": "function",
    "developer": "developer",
    "HumanMessage": "user",
    "AIMessage": "assistant",
    "SystemMessage": "system",
    "ToolMessage": "tool",
    "FunctionMessage": "function",
    "HumanMessageChunk": "user",
    "AIMessageChunk": "assistant",
    "SystemMessageChunk": "system",
    "ToolMessageChunk": "tool",
    "FunctionMessageChunk": "function",
}
_LANGCHAIN_CHAT = ("chat", "ChatMessage", "ChatMessageChunk")  # role in the message's ``role``


def _langchain_fields(message: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(type, fields) of a serialized LangChain message, or None when it is not one."""
    kwargs = message.get("kwargs")
    ids = message.get("id")
    if message.get("lc") == 1 and isinstance(kwargs, dict) and isinstance(ids, list) and ids:
        name = as_str(ids[-1])
        if name in _LANGCHAIN_ROLES or name in _LANGCHAIN_CHAT:
            return name, kwargs
        return None
    kind = message.get("type")
    if (
        isinstance(kind, str)
        and (kind in _LANGCHAIN_ROLES or kind in _LANGCHAIN_CHAT)
        and "content" in message
        and "role" not in message
    ):
        return kind, message
    return None


def is_langchain_message(value: Any) -> bool:
    return isinstance(value, dict) and _langchain_fields(value) is not None


def _from_langchain(kind: str, fields: dict[str, Any]) -> Message:
    role = (
        as_str(fields.get("role")) or "user" if kind in _LANGCHAIN_CHAT else _LANGCHAIN_ROLES[kind]
    )
    extra = fields.get("additional_kwargs")
    extra = extra if isinstance(extra, dict) else {}
    out = _from_openai_like(
        {
            "role": role,
            "content": fields.get("content"),
            # OpenAI's own tool calls, when LangChain's parsed ones are absent (older dumps).
            "tool_calls": extra.get("tool_calls"),
            "name": fields.get("name"),
            "tool_call_id": fields.get("tool_call_id"),
        }
    )
    calls = fields.get("tool_calls")
    if isinstance(calls, list) and calls:
        out["tool_calls"] = [
            _tool_call(call.get("id"), call.get("name"), call.get("args", {}))
            for call in calls
            if isinstance(call, dict)
        ]
    function_call = extra.get("function_call")
    if "tool_calls" not in out and isinstance(function_call, dict):
        out["tool_calls"] = [
            _tool_call("", function_call.get("name"), function_call.get("arguments"))
        ]
    reasoning = extra.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        out["reasoning"] = reasoning
    return out


def normalize_messages(value: Any) -> list[Message] | None:
    """Messages from a structured or JSON-text value, whichever convention wrote them."""
    value = maybe_json(value)
    if isinstance(value, dict):
        value = value.get("messages", [value])
    if not isinstance(value, list):
        return None
    messages: list[Message] = []
    for item in value:
        item = maybe_json(item)
        langchain = _langchain_fields(item) if isinstance(item, dict) else None
        if langchain is not None:
            messages.append(_from_langchain(*langchain))
        elif isinstance(item, dict) and "parts" in item:
            messages.append(_from_otel_parts(item))
        elif isinstance(item, dict):
            messages.append(_from_openai_like(item))
        elif isinstance(item, str):
            messages.append({"role": "user", "content": item})
    return messages


def pop_openinference_messages(attrs: dict[str, Any], prefix: str) -> list[Message] | None:
    """``llm.input_messages.N.message.*`` / ``llm.output_messages.N.message.*``."""
    groups = pop_indexed(attrs, prefix)
    if not groups:
        return None
    messages: list[Message] = []
    for flat in groups:
        message: Message = {"role": as_str(flat.pop("message.role", "")) or "user"}
        content = flat.pop("message.content", None)
        contents = pop_indexed(flat, "message.contents.")
        texts = [
            as_str(c.get("message_content.text"))
            for c in contents
            if c.get("message_content.type", "text") == "text" and "message_content.text" in c
        ]
        if content is None and texts:
            content = "\n".join(texts)
        message["content"] = None if content is None else as_str(content)
        other = [c for c in contents if c.get("message_content.type", "text") != "text"]
        if other:
            message["parts"] = other
        calls = pop_indexed(flat, "message.tool_calls.")
        if calls:
            message["tool_calls"] = [
                _tool_call(
                    call.get("tool_call.id"),
                    call.get("tool_call.function.name"),
                    call.get("tool_call.function.arguments"),
                )
                for call in calls
            ]
        for source, target in (("message.name", "name"), ("message.tool_call_id", "tool_call_id")):
            if flat.get(source):
                message[target] = as_str(flat[source])
        if flat.get("message.function_call_name"):
            message["tool_calls"] = [
                _tool_call(
                    "",
                    flat["message.function_call_name"],
                    flat.get("message.function_call_arguments_json"),
                )
            ]
        messages.append(message)
    return messages


def pop_legacy_genai_messages(attrs: dict[str, Any], prefix: str) -> list[Message] | None:
    """Older OpenLLMetry: ``gen_ai.prompt.N.role/content`` and ``gen_ai.completion.N.*``."""
    groups = pop_indexed(attrs, prefix)
    if not groups:
        return None
    messages: list[Message] = []
    for flat in groups:
        message: Message = {
            "role": as_str(flat.get("role")) or ("assistant" if "completion" in prefix else "user"),
            "content": None if flat.get("content") is None else as_str(flat.get("content")),
        }
        calls = pop_indexed(flat, "tool_calls.")
        if calls:
            message["tool_calls"] = [
                _tool_call(c.get("id"), c.get("name"), c.get("arguments")) for c in calls
            ]
        if flat.get("finish_reason"):
            message["finish_reason"] = as_str(flat["finish_reason"])
        if flat.get("tool_call_id"):
            message["tool_call_id"] = as_str(flat["tool_call_id"])
        messages.append(message)
    return messages


def tool_calls_of(messages: list[Message] | None) -> list[dict[str, Any]] | None:
    if not messages:
        return None
    calls = [call for message in messages for call in message.get("tool_calls", [])]
    return calls or None
