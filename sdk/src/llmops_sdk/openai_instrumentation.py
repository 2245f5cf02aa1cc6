"""Tracing calls made through an ``openai`` client: chat completions (streaming included), the
Responses API and embeddings, with the OpenTelemetry GenAI attributes the platform reads.

The client is wrapped per instance (``instrument(client)``), sync or async alike. The call
itself is never changed: its result or exception reaches the application as the client made it.
"""

from __future__ import annotations

import functools
import inspect
import json
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from llmops_sdk import state
from llmops_sdk.prompts import active_prompt
from llmops_sdk.safety import guarded, report
from llmops_sdk.serialize import to_attribute

_PARAMETERS = {
    "temperature": "gen_ai.request.temperature",
    "max_tokens": "gen_ai.request.max_tokens",
    "max_completion_tokens": "gen_ai.request.max_tokens",
    "max_output_tokens": "gen_ai.request.max_tokens",
    "top_p": "gen_ai.request.top_p",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "seed": "gen_ai.request.seed",
    "n": "gen_ai.request.choice.count",
    "reasoning_effort": "gen_ai.request.reasoning_effort",
}


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _plain(value: Any) -> Any:
    """openai's pydantic objects as plain data."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(exclude_none=True)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@guarded()
def _request_attributes(span: trace.Span, operation: str, kwargs: dict[str, Any]) -> None:
    mask = state.settings().mask
    span.set_attribute("gen_ai.operation.name", operation)
    span.set_attribute("gen_ai.provider.name", "openai")
    span.set_attribute("llmops.span.kind", "embedding" if operation == "embeddings" else "llm")
    if kwargs.get("model"):
        span.set_attribute("gen_ai.request.model", str(kwargs["model"]))
    for key, attribute in _PARAMETERS.items():
        value = kwargs.get(key)
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            span.set_attribute(attribute, value)
    if kwargs.get("stream"):
        span.set_attribute("gen_ai.request.stream", True)
    capture = state.settings().capture_io
    if capture and "messages" in kwargs:
        span.set_attribute("gen_ai.input.messages", to_attribute(_plain(kwargs["messages"]), mask))
    if capture and operation == "responses":
        value = _plain(kwargs.get("input"))
        messages = [{"role": "user", "content": value}] if isinstance(value, str) else value
        if kwargs.get("instructions"):
            span.set_attribute(
                "gen_ai.system_instructions", to_attribute(kwargs["instructions"], mask)
            )
        span.set_attribute("gen_ai.input.messages", to_attribute(messages, mask))
    if capture and operation == "embeddings":
        span.set_attribute("llmops.input", to_attribute(_plain(kwargs.get("input")), mask))
    if kwargs.get("tools"):
        span.set_attribute(
            "gen_ai.tool.definitions", json.dumps(_plain(kwargs["tools"]), default=str)
        )
    linked = active_prompt.get()
    if linked is not None:
        span.set_attribute("gen_ai.prompt.name", linked[0])
        span.set_attribute("gen_ai.prompt.version", linked[1])
        active_prompt.set(None)  # one compile links one generation


def _usage(span: trace.Span, usage: Any) -> None:
    if usage is None:
        return
    pairs = (
        ("gen_ai.usage.input_tokens", _get(usage, "prompt_tokens", _get(usage, "input_tokens"))),
        (
            "gen_ai.usage.output_tokens",
            _get(usage, "completion_tokens", _get(usage, "output_tokens")),
        ),
        (
            "gen_ai.usage.cache_read.input_tokens",
            _get(
                _get(usage, "prompt_tokens_details", _get(usage, "input_tokens_details")),
                "cached_tokens",
            ),
        ),
        (
            "gen_ai.usage.reasoning.output_tokens",
            _get(
                _get(usage, "completion_tokens_details", _get(usage, "output_tokens_details")),
                "reasoning_tokens",
            ),
        ),
    )
    for key, value in pairs:
        if isinstance(value, int):
            span.set_attribute(key, value)


def _tool_calls(calls: Any) -> list[dict[str, Any]]:
    result = []
    for call in calls or []:
        function = _get(call, "function")
        result.append(
            {
                "id": _get(call, "id"),
                "name": _get(function, "name"),
                "arguments": _get(function, "arguments"),
            }
        )
    return result


@guarded()
def _chat_response(span: trace.Span, response: Any) -> None:
    span.set_attribute("gen_ai.response.model", str(_get(response, "model", "")))
    if _get(response, "id"):
        span.set_attribute("gen_ai.response.id", str(_get(response, "id")))
    messages = []
    reasons = []
    for choice in _get(response, "choices", []) or []:
        message = _get(choice, "message")
        entry: dict[str, Any] = {
            "role": _get(message, "role", "assistant"),
            "content": _get(message, "content"),
        }
        calls = _tool_calls(_get(message, "tool_calls"))
        if calls:
            entry["tool_calls"] = calls
        messages.append(entry)
        if _get(choice, "finish_reason"):
            reasons.append(str(_get(choice, "finish_reason")))
    if reasons:
        span.set_attribute("gen_ai.response.finish_reasons", reasons)
    if state.settings().capture_io:
        span.set_attribute("gen_ai.output.messages", to_attribute(messages, state.settings().mask))
    _usage(span, _get(response, "usage"))


@guarded()
def _responses_response(span: trace.Span, response: Any) -> None:
    span.set_attribute("gen_ai.response.model", str(_get(response, "model", "")))
    if state.settings().capture_io:
        text = _get(response, "output_text")
        span.set_attribute(
            "gen_ai.output.messages",
            to_attribute([{"role": "assistant", "content": text}], state.settings().mask),
        )
    _usage(span, _get(response, "usage"))


@guarded()
def _embeddings_response(span: trace.Span, response: Any) -> None:
    span.set_attribute("gen_ai.response.model", str(_get(response, "model", "")))
    _usage(span, _get(response, "usage"))


class _StreamState:
    def __init__(self, span: trace.Span) -> None:
        self.span = span
        self.content: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.model = ""
        self.finish: str | None = None
        self.usage: Any = None
        self.ended = False

    @guarded()
    def add(self, chunk: Any) -> None:
        self.model = _get(chunk, "model", self.model) or self.model
        if _get(chunk, "usage") is not None:
            self.usage = _get(chunk, "usage")
        for choice in _get(chunk, "choices", []) or []:
            delta = _get(choice, "delta")
            if _get(delta, "content"):
                self.content.append(_get(delta, "content"))
            for call in _get(delta, "tool_calls", []) or []:
                entry = self.tool_calls.setdefault(
                    _get(call, "index", 0), {"id": None, "name": "", "arguments": ""}
                )
                entry["id"] = _get(call, "id") or entry["id"]
                function = _get(call, "function")
                entry["name"] += _get(function, "name") or ""
                entry["arguments"] += _get(function, "arguments") or ""
            if _get(choice, "finish_reason"):
                self.finish = _get(choice, "finish_reason")

    def end(self, error: BaseException | None = None) -> None:
        if self.ended:
            return
        self.ended = True
        try:
            span = self.span
            if self.model:
                span.set_attribute("gen_ai.response.model", self.model)
            message: dict[str, Any] = {
                "role": "assistant",
                "content": "".join(self.content) or None,
            }
            if self.tool_calls:
                message["tool_calls"] = [self.tool_calls[i] for i in sorted(self.tool_calls)]
            if state.settings().capture_io:
                span.set_attribute(
                    "gen_ai.output.messages", to_attribute([message], state.settings().mask)
                )
            if self.finish:
                span.set_attribute("gen_ai.response.finish_reasons", [self.finish])
            # No usage in the stream: the platform estimates it with the model's tokenizer.
            _usage(span, self.usage)
            if error is not None:
                _record_error(span, error)
        except Exception as exc:
            report(exc, "end of stream")
        finally:
            self.span.end()


class _Stream:
    """Passes the stream through unchanged while recording what flows by."""

    def __init__(self, inner: Any, stream_state: _StreamState) -> None:
        self._inner = inner
        self._state = stream_state

    def __iter__(self) -> Any:
        return self

    def __next__(self) -> Any:
        try:
            chunk = next(self._inner)
        except StopIteration:
            self._state.end()
            raise
        except BaseException as exc:
            self._state.end(exc)
            raise
        self._state.add(chunk)
        return chunk

    def __aiter__(self) -> Any:
        return self

    async def __anext__(self) -> Any:
        try:
            chunk = await self._inner.__anext__()
        except StopAsyncIteration:
            self._state.end()
            raise
        except BaseException as exc:
            self._state.end(exc)
            raise
        self._state.add(chunk)
        return chunk

    def __enter__(self) -> _Stream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    async def __aenter__(self) -> _Stream:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    def close(self) -> None:
        self._state.end()
        closer = getattr(self._inner, "close", None)
        if callable(closer):
            closer()

    async def aclose(self) -> None:
        self._state.end()
        closer = getattr(self._inner, "close", None)
        if callable(closer):
            result = closer()
            if inspect.isawaitable(result):
                await result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _record_error(span: trace.Span, exc: BaseException) -> None:
    try:
        span.record_exception(exc)
        span.set_status(Status(StatusCode.ERROR, str(exc)[:1000]))
        span.set_attribute("error.type", type(exc).__qualname__)
    except Exception as internal:
        report(internal, "record error")


def _wrap(original: Any, operation: str, on_response: Any, tracer: Any = None) -> Any:
    def name_of(kwargs: dict[str, Any]) -> str:
        return f"{operation} {kwargs.get('model', '')}".strip()

    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def async_call(*args: Any, **kwargs: Any) -> Any:
            span = (tracer or state.client().tracer).start_span(name_of(kwargs))
            _request_attributes(span, operation, kwargs)
            try:
                with trace.use_span(span, end_on_exit=False):
                    result = await original(*args, **kwargs)
            except BaseException as exc:
                _record_error(span, exc)
                span.end()
                raise
            if kwargs.get("stream"):
                return _Stream(result, _StreamState(span))
            on_response(span, result)
            span.end()
            return result

        return async_call

    @functools.wraps(original)
    def call(*args: Any, **kwargs: Any) -> Any:
        span = (tracer or state.client().tracer).start_span(name_of(kwargs))
        _request_attributes(span, operation, kwargs)
        try:
            with trace.use_span(span, end_on_exit=False):
                result = original(*args, **kwargs)
        except BaseException as exc:
            _record_error(span, exc)
            span.end()
            raise
        if kwargs.get("stream"):
            return _Stream(result, _StreamState(span))
        on_response(span, result)
        span.end()
        return result

    return call


@guarded(default=None)
def _patch(resource: Any, operation: str, on_response: Any, tracer: Any) -> None:
    if resource is None or getattr(resource.create, "__llmops_wrapped__", False):
        return
    wrapped = _wrap(resource.create, operation, on_response, tracer)
    wrapped.__llmops_wrapped__ = True
    resource.create = wrapped


def instrument(client: Any, tracer: Any = None) -> Any:
    """Wrap this client's chat completions, responses and embeddings; returns the client.

    ``tracer`` (an OpenTelemetry tracer) sends this client's spans somewhere other than the
    SDK's own exporter: the platform's workers trace evaluation calls into the project's own
    traces that way.
    """
    _patch(_get(_get(client, "chat"), "completions"), "chat", _chat_response, tracer)
    _patch(_get(client, "responses"), "responses", _responses_response, tracer)
    _patch(_get(client, "embeddings"), "embeddings", _embeddings_response, tracer)
    return client
