"""``@observe`` and ``span(...)``: spans around the application's own functions and blocks.

The application's code runs exactly as without the SDK: its return values and exceptions pass
through untouched (exceptions are recorded on the span first). Everything the SDK adds runs
guarded, so an SDK failure costs a missing attribute, never a failed call.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, overload

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from llmops_sdk import state
from llmops_sdk.safety import guarded, report
from llmops_sdk.serialize import to_attribute

F = TypeVar("F", bound=Callable[..., Any])
KINDS = {
    "span",
    "agent",
    "tool",
    "retriever",
    "chain",
    "llm",
    "embedding",
    "guardrail",
    "reranker",
    "evaluator",
}
MAX_GENERATOR_ITEMS = 1000


class ObservedSpan:
    """Setters for what the SDK cannot see by itself. Each one is guarded."""

    def __init__(self, span: trace.Span) -> None:
        self.span = span

    @property
    def trace_id(self) -> str:
        return format(self.span.get_span_context().trace_id, "032x")

    @property
    def span_id(self) -> str:
        return format(self.span.get_span_context().span_id, "016x")

    def score(self, name: str, value: float | bool | str, comment: str | None = None) -> None:
        """Score this span (for a score of the whole trace, see ``score_trace``)."""
        from llmops_sdk import score

        score(name, value, trace_id=self.trace_id, span_id=self.span_id, comment=comment)

    def score_trace(self, name: str, value: float | bool | str, comment: str | None = None) -> None:
        from llmops_sdk import score

        score(name, value, trace_id=self.trace_id, comment=comment)

    @guarded()
    def set_input(self, value: Any) -> None:
        self.span.set_attribute("llmops.input", to_attribute(value, state.settings().mask))

    @guarded()
    def set_output(self, value: Any) -> None:
        self.span.set_attribute("llmops.output", to_attribute(value, state.settings().mask))

    @guarded()
    def set_metadata(self, **values: Any) -> None:
        for key, value in values.items():
            self.span.set_attribute(
                f"llmops.metadata.{key}",
                value if isinstance(value, str | int | float | bool) else to_attribute(value, None),
            )

    @guarded()
    def set_model(
        self, model: str, *, provider: str | None = None, answered: str | None = None
    ) -> None:
        self.span.set_attribute("gen_ai.request.model", model)
        if answered:
            self.span.set_attribute("gen_ai.response.model", answered)
        if provider:
            self.span.set_attribute("gen_ai.provider.name", provider)

    @guarded()
    def set_usage(
        self,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        cache_read_tokens: int | None = None,
        cache_write_tokens: int | None = None,
        reasoning_tokens: int | None = None,
    ) -> None:
        for key, value in (
            ("gen_ai.usage.input_tokens", input_tokens),
            ("gen_ai.usage.output_tokens", output_tokens),
            ("gen_ai.usage.cache_read.input_tokens", cache_read_tokens),
            ("gen_ai.usage.cache_write.input_tokens", cache_write_tokens),
            ("gen_ai.usage.reasoning.output_tokens", reasoning_tokens),
        ):
            if value is not None:
                self.span.set_attribute(key, int(value))

    @guarded()
    def set_documents(self, documents: Sequence[Mapping[str, Any]]) -> None:
        mask = state.settings().mask
        for index, document in enumerate(documents):
            prefix = f"retrieval.documents.{index}.document"
            if document.get("id") is not None:
                self.span.set_attribute(f"{prefix}.id", str(document["id"]))
            if document.get("score") is not None:
                self.span.set_attribute(f"{prefix}.score", float(document["score"]))
            if document.get("content") is not None:
                self.span.set_attribute(
                    f"{prefix}.content", to_attribute(document["content"], mask)
                )


def _start(name: str, kind: str) -> Any:
    kind = kind if kind in KINDS else "span"
    return state.client().tracer.start_as_current_span(
        name,
        attributes={"llmops.span.kind": kind},
        record_exception=False,
        set_status_on_exception=False,
    )


def _start_detached(name: str, kind: str) -> trace.Span:
    """A span that is not made current (generators make it current around each step)."""
    return state.client().tracer.start_span(
        name, attributes={"llmops.span.kind": kind if kind in KINDS else "span"}
    )


def _fail(span: trace.Span, exc: BaseException) -> None:
    try:
        span.record_exception(exc)
        span.set_status(Status(StatusCode.ERROR, str(exc)[:1000]))
    except Exception as internal:
        report(internal, "record exception")


def _capture_input(span: trace.Span, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if not span.is_recording():
        return
    try:
        value: Any = {"args": list(args), "kwargs": kwargs} if kwargs else list(args)
        span.set_attribute("llmops.input", to_attribute(value, state.settings().mask))
    except Exception as exc:
        report(exc, "capture input")


def _capture_output(span: trace.Span, value: Any) -> None:
    if not span.is_recording():
        return
    try:
        span.set_attribute("llmops.output", to_attribute(value, state.settings().mask))
    except Exception as exc:
        report(exc, "capture output")


def _joined(items: list[Any]) -> Any:
    return "".join(items) if items and all(isinstance(i, str) for i in items) else items


@overload
def observe(func: F) -> F: ...
@overload
def observe(
    func: None = None,
    *,
    name: str | None = None,
    kind: str = "span",
    capture_input: bool | None = None,
    capture_output: bool | None = None,
) -> Callable[[F], F]: ...


def observe(
    func: Any = None,
    *,
    name: str | None = None,
    kind: str = "span",
    capture_input: bool | None = None,
    capture_output: bool | None = None,
) -> Any:
    """Trace a function (sync, async, generator or async generator) as a span of ``kind``."""

    def decorate(function: Any) -> Any:
        span_name = name or function.__name__

        def wants(flag: bool | None) -> bool:
            return state.settings().capture_io if flag is None else flag

        if inspect.isasyncgenfunction(function):

            @functools.wraps(function)
            async def async_gen_wrapper(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
                otel_span = _start_detached(span_name, kind)
                if wants(capture_input):
                    _capture_input(otel_span, args, kwargs)
                items: list[Any] = []
                try:
                    iterator = function(*args, **kwargs)
                    while True:
                        # Current only while the generator body runs, never across a yield:
                        # the consumer's code between items is not part of this span.
                        with trace.use_span(otel_span, end_on_exit=False):
                            try:
                                item = await iterator.__anext__()
                            except StopAsyncIteration:
                                break
                        if len(items) < MAX_GENERATOR_ITEMS:
                            items.append(item)
                        yield item
                    if wants(capture_output):
                        _capture_output(otel_span, _joined(items))
                except GeneratorExit:
                    raise
                except BaseException as exc:
                    _fail(otel_span, exc)
                    raise
                finally:
                    otel_span.end()

            return async_gen_wrapper

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with _start(span_name, kind) as otel_span:
                    if wants(capture_input):
                        _capture_input(otel_span, args, kwargs)
                    try:
                        result = await function(*args, **kwargs)
                    except BaseException as exc:
                        _fail(otel_span, exc)
                        raise
                    if wants(capture_output):
                        _capture_output(otel_span, result)
                    return result

            return async_wrapper

        if inspect.isgeneratorfunction(function):

            @functools.wraps(function)
            def gen_wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
                otel_span = _start_detached(span_name, kind)
                if wants(capture_input):
                    _capture_input(otel_span, args, kwargs)
                items: list[Any] = []
                try:
                    iterator = function(*args, **kwargs)
                    while True:
                        with trace.use_span(otel_span, end_on_exit=False):
                            try:
                                item = next(iterator)
                            except StopIteration:
                                break
                        if len(items) < MAX_GENERATOR_ITEMS:
                            items.append(item)
                        yield item
                    if wants(capture_output):
                        _capture_output(otel_span, _joined(items))
                except GeneratorExit:
                    raise
                except BaseException as exc:
                    _fail(otel_span, exc)
                    raise
                finally:
                    otel_span.end()

            return gen_wrapper

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # start_span plus attach/detach instead of start_as_current_span: the same effect
            # without a generator-based context manager on every call of the app's function.
            span = _start_detached(span_name, kind)
            token = otel_context.attach(trace.set_span_in_context(span))
            try:
                if wants(capture_input):
                    _capture_input(span, args, kwargs)
                try:
                    result = function(*args, **kwargs)
                except BaseException as exc:
                    _fail(span, exc)
                    raise
                if wants(capture_output):
                    _capture_output(span, result)
                return result
            finally:
                otel_context.detach(token)
                span.end()

        return wrapper

    return decorate(func) if func is not None else decorate


@contextmanager
def span(name: str, *, kind: str = "span") -> Iterator[ObservedSpan]:
    """A span around a block: ``with span("rerank", kind="reranker") as s: s.set_output(...)``."""
    with _start(name, kind) as otel_span:
        observed = ObservedSpan(otel_span)
        try:
            yield observed
        except BaseException as exc:
            _fail(otel_span, exc)
            raise
