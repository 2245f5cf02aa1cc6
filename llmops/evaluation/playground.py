"""The playground: render a version, send it to a provider connection's model, trace the call.

The call is traced into the project like an app's own call (the LLM span names the prompt
version, so it counts in the version's usage), and the spans are stored before this returns,
so the caller can link to the trace at once.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmops_evals.provider import Provider, ProviderError
from llmops_sdk.prompts import active_prompt
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from llmops.domain_errors import Invalid
from llmops.evaluation.domain.connections import connection_get, provider_config
from llmops.prompts import selectors, templates
from llmops.prompts.models import Prompt, PromptVersion
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans

# A person is waiting on the page: one retry for a blip, never the evaluation's patient four.
MAX_ATTEMPTS = 2


class PlaygroundProviderError(Exception):
    """The provider failed for good; the API answers 502 with this message."""


@dataclass(frozen=True)
class PlaygroundResult:
    version: int
    model: str
    rendered: str | list[dict[str, Any]]
    output: str
    input_tokens: int
    output_tokens: int
    total_tokens: int
    latency_ms: float
    trace_id: str


def _messages(rendered: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(rendered, str):
        return [{"role": "user", "content": rendered}]
    return rendered


def _model(model: str | None, version: PromptVersion, model_names: Sequence[str]) -> str:
    configured = version.config.get("model")
    chosen = model or (configured if isinstance(configured, str) else None)
    if chosen is None and model_names:
        chosen = model_names[0]
    if not chosen:
        raise Invalid(
            "name a model: the version's config has none and neither has the connection",
            field="model",
        )
    return chosen


def _parameters(version: PromptVersion, overrides: Mapping[str, Any]) -> dict[str, Any]:
    configured = version.config.get("parameters")
    merged = dict(configured) if isinstance(configured, dict) else {}
    merged.update(overrides)
    return merged


def playground_run(
    *,
    prompt: Prompt,
    version: PromptVersion,
    variables: Mapping[str, Any],
    placeholders: Mapping[str, Sequence[Mapping[str, Any]]],
    connection: str,
    model: str | None,
    parameters: Mapping[str, Any],
) -> PlaygroundResult:
    """Render ``version``, call the model, store the trace; bad input raises a field error."""
    found = connection_get(project=prompt.project, name=connection, field="connection")
    rendered = templates.render(
        prompt_name=prompt.name,
        template=version.template,
        variables=variables,
        placeholders=placeholders,
        resolve=selectors.include_resolver(prompt.project),
    )
    chosen = _model(model, version, found.model_names)
    exporter = InMemorySpanExporter()
    tracing = TracerProvider(resource=Resource.create({"service.name": "llmops-playground"}))
    tracing.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = tracing.get_tracer("llmops.playground")
    config = dataclasses.replace(provider_config(found, concurrency=1), max_attempts=MAX_ATTEMPTS)
    client = Provider(config, tracer=tracer)
    with tracer.start_as_current_span(f"playground {prompt.name}") as root:
        root.set_attribute("llmops.span.kind", "chain")
        root.set_attribute("llmops.input", json.dumps(dict(variables), default=str))
        trace_id = format(root.get_span_context().trace_id, "032x")
        # The instrumentation links the next LLM span to this version, as the SDK's compile does.
        token = active_prompt.set((prompt.name, str(version.number)))
        try:
            completion = client.chat(
                model=chosen, messages=_messages(rendered), params=_parameters(version, parameters)
            )
        except ProviderError as exc:
            completion = None
            failure = str(exc)
        finally:
            active_prompt.reset(token)
        if completion is not None:
            root.set_attribute("llmops.output", completion.text)
    tracing.shutdown()
    raw, _ = iter_spans(encode_spans(exporter.get_finished_spans()))
    spans_ingest(project=prompt.project, raw_spans=raw, announce=False)
    if completion is None:
        raise PlaygroundProviderError(f"the provider failed: {failure} (trace {trace_id})")
    return PlaygroundResult(
        version=version.number,
        model=completion.model or chosen,
        rendered=rendered,
        output=completion.text,
        input_tokens=completion.usage.input_tokens,
        output_tokens=completion.usage.output_tokens,
        total_tokens=completion.usage.total_tokens,
        latency_ms=completion.latency_ms,
        trace_id=trace_id,
    )
