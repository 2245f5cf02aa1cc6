"""The tracing pages in real headless Chromium against a live server: open a trace from the
list and read an LLM span's messages and cost."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from llmops.tenancy.models import Role
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans
from tests.conftest import MakeUser, Tenant
from tests.tracing import otlp_payloads as p
from tests.web_ui.conftest import sign_in


def test_open_a_trace_and_inspect_an_llm_spans_messages_and_cost(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("bob", tenant.organization, Role.VIEWER)
    trace_id = "5" * 32
    raw, _ = iter_spans(
        p.request(
            [
                p.span(
                    trace_id=trace_id,
                    span_id="1" * 16,
                    name="support-agent",
                    duration_ns=900_000_000,
                    attributes={"user.id": "customer-42"},
                ),
                p.span(
                    trace_id=trace_id,
                    span_id="2" * 16,
                    parent="1" * 16,
                    name="chat gpt-4o-mini",
                    duration_ns=700_000_000,
                    attributes={
                        "gen_ai.operation.name": "chat",
                        "gen_ai.system": "openai",
                        "gen_ai.request.model": "gpt-4o-mini",
                        "gen_ai.usage.input_tokens": 1000,
                        "gen_ai.usage.output_tokens": 500,
                        "llm.input_messages.0.message.role": "user",
                        "llm.input_messages.0.message.content": "Where is my parcel?",
                        "llm.output_messages.0.message.role": "assistant",
                        "llm.output_messages.0.message.content": "It ships tomorrow.",
                    },
                ),
            ]
        )
    )
    spans_ingest(project=tenant.project, raw_spans=raw)
    sign_in(page, live_server, "bob")
    page.get_by_role("link", name="Traces").click()
    page.get_by_role("link", name="support-agent").click()
    expect(page.get_by_role("heading", name="support-agent", level=1)).to_be_visible()
    page.get_by_role("button", name="chat gpt-4o-mini").click()
    span = page.get_by_role("region", name="Span chat gpt-4o-mini")
    conversation = span.get_by_role("list", name="Conversation").first
    expect(conversation).to_contain_text("Where is my parcel?")
    expect(span).to_contain_text("It ships tomorrow.")
    # gpt-4o-mini: 1000 input tokens at $0.15/M and 500 output at $0.60/M.
    expect(span).to_contain_text("$0.00045")
