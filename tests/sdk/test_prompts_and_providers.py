"""get_prompt against the live platform, and living beside an app's own OpenTelemetry set-up."""

from __future__ import annotations

import time
from typing import Any

import llmops_sdk as llmops
import pytest
from llmops_sdk import prompts as sdk_prompts
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from llmops.prompts.domain import label_move, prompt_create, version_create
from llmops.tracing.models import Span
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def test_get_prompt_caches_revalidates_and_survives_the_server(platform: Tenant) -> None:
    prompt, _ = prompt_create(
        project=platform.project,
        name="greet",
        prompt_type="text",
        template="Hello {{name}}",
        labels=["production"],
    )
    first = llmops.get_prompt("greet", ttl_seconds=0.2)
    assert (first.version, first.is_fallback, first.compile(name="Ann")) == (1, False, "Hello Ann")
    entry = sdk_prompts._cache[("greet", "production", None)]
    etag = entry.etag
    # Within the TTL: the cached object, no network.
    assert llmops.get_prompt("greet", ttl_seconds=60) is first
    # The label moves; after the TTL the stale copy is served while a refresh runs.
    v2 = version_create(prompt=prompt, template="Hi {{name}}").version
    label_move(prompt=prompt, label="production", version=v2, moved_by="test")
    time.sleep(0.3)
    assert llmops.get_prompt("greet", ttl_seconds=0.2) is first
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and llmops.get_prompt("greet", ttl_seconds=60).version != 2:
        time.sleep(0.05)
    fresh = llmops.get_prompt("greet", ttl_seconds=60)
    assert fresh.version == 2
    assert sdk_prompts._cache[("greet", "production", None)].etag != etag


def test_revalidation_with_an_unchanged_prompt_is_a_304(platform: Tenant) -> None:
    prompt_create(
        project=platform.project,
        name="same",
        prompt_type="text",
        template="x",
        labels=["production"],
    )
    first = llmops.get_prompt("same", ttl_seconds=0.1)
    entry = sdk_prompts._cache[("same", "production", None)]
    fetched_at = entry.fetched_at
    time.sleep(0.2)
    assert llmops.get_prompt("same", ttl_seconds=0.1) is first
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and entry.fetched_at == fetched_at:
        time.sleep(0.05)
    # A 304 keeps the same object and only renews its age.
    assert entry.fetched_at > fetched_at
    assert sdk_prompts._cache[("same", "production", None)].prompt is first


def test_unknown_prompt_uses_the_fallback(platform: Tenant) -> None:
    fallback = llmops.get_prompt("missing", fallback=[{"role": "user", "content": "{{q}}"}])
    assert fallback.is_fallback
    assert fallback.type == "chat"
    assert fallback.compile(q="hi") == [{"role": "user", "content": "hi"}]
    with pytest.raises(llmops.PromptNotAvailable, match="missing"):
        llmops.get_prompt("missing")


def test_the_app_keeps_its_own_provider_and_exporter(live_server: Any, tenant: Tenant) -> None:
    app_exporter = InMemorySpanExporter()
    app_provider = TracerProvider()
    app_provider.add_span_processor(SimpleSpanProcessor(app_exporter))
    llmops.init(host=live_server.url, secret_key=tenant.secret_key, tracer_provider=app_provider)
    app_tracer = app_provider.get_tracer("shop.http")

    @llmops.observe(kind="agent")
    def agent() -> str:
        with app_tracer.start_as_current_span("GET /inventory"):
            pass
        return "ok"

    with app_tracer.start_as_current_span("POST /checkout"):
        agent()
    assert llmops.flush()
    # The app's exporter sees everything, its own spans and the SDK's.
    assert {s.name for s in app_exporter.get_finished_spans()} == {
        "POST /checkout",
        "GET /inventory",
        "agent",
    }
    # The platform receives only the LLM-related span.
    assert list(Span.objects.values_list("name", flat=True)) == ["agent"]
