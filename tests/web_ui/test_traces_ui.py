"""The tracing pages in real headless Chromium against a live server, with spans ingested
through the real OTLP mapping: the trace list and its filters, a trace's span detail
(messages, cost, documents, tool calls, raw attributes), a session as a conversation, and the
dashboard's charts."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from playwright.sync_api import Page, expect

from llmops.tenancy.models import Project, Role
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans
from tests.conftest import MakeUser, Tenant
from tests.tracing import otlp_payloads as p
from tests.web_ui.conftest import sign_in

MS = 1_000_000
# A chat call priced from the built-in table: 1000 input tokens at $0.15/M and 500 output at
# $0.60/M make $0.00015 + $0.00030 = $0.00045.
GPT_4O_MINI_CALL = {
    "gen_ai.operation.name": "chat",
    "gen_ai.system": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 500,
}


def ingest(project: Project, spans: list[Any]) -> None:
    raw, _ = iter_spans(p.request(spans))
    spans_ingest(project=project, raw_spans=raw)


def tool_span(
    trace_id: str,
    parent: str,
    span_id: str,
    start_ms: int,
    duration_ms: int,
    tool: str,
    call_id: str,
    city: str,
    temperature: int,
) -> Any:
    """A weather tool execution as the OTel GenAI conventions describe it."""
    return p.span(
        trace_id=trace_id,
        span_id=span_id,
        parent=parent,
        name=tool,
        start_ns=p.BASE_NS + start_ms * MS,
        duration_ns=duration_ms * MS,
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": tool,
            "gen_ai.tool.call.id": call_id,
            "gen_ai.tool.call.arguments": json.dumps({"city": city}),
            "gen_ai.tool.call.result": json.dumps({"temperature_c": temperature}),
        },
    )


def sign_in_and_wait(page: Page, live_server: Any) -> None:
    """Signs in as bob and waits for the navigation, so a following goto is already signed in."""
    sign_in(page, live_server, "bob")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_open_a_trace_and_inspect_an_llm_spans_messages_and_cost(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("bob", tenant.organization, Role.VIEWER)
    trace_id = "5" * 32
    ingest(
        tenant.project,
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
                    **GPT_4O_MINI_CALL,
                    "llm.input_messages.0.message.role": "user",
                    "llm.input_messages.0.message.content": "Where is my parcel?",
                    "llm.output_messages.0.message.role": "assistant",
                    "llm.output_messages.0.message.content": "It ships tomorrow.",
                },
            ),
        ],
    )
    sign_in(page, live_server, "bob")
    page.get_by_role("link", name="Traces").click()
    page.get_by_role("link", name="support-agent").click()
    expect(page.get_by_role("heading", name="support-agent", level=1)).to_be_visible()
    page.get_by_role("button", name="chat gpt-4o-mini").click()
    span = page.get_by_role("region", name="Span chat gpt-4o-mini")
    conversation = span.get_by_role("list", name="Conversation").first
    expect(conversation).to_contain_text("Where is my parcel?")
    expect(span).to_contain_text("It ships tomorrow.")
    expect(span).to_contain_text("$0.00045")
    usage = span.get_by_role("table", name="Usage and cost")
    expect(usage.get_by_role("row", name=re.compile("^Input"))).to_contain_text("$0.00015")
    expect(usage.get_by_role("row", name=re.compile("^Output"))).to_contain_text("$0.00030")


def test_filtering_the_list_by_user_is_kept_in_the_url_across_a_reload(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("bob", tenant.organization, Role.VIEWER)
    for n, (name, user, session) in enumerate(
        [
            ("refund-flow", "alice", "s-a"),
            ("billing-flow", "carol", "s-c"),
            ("faq", "alice", "s-a2"),
        ]
    ):
        ingest(
            tenant.project,
            [
                p.span(
                    trace_id=f"{n + 1:032x}",
                    span_id=f"{n + 1:016x}",
                    name=name,
                    start_ns=p.BASE_NS + n * 60_000 * MS,
                    attributes={"user.id": user, "session.id": session},
                )
            ],
        )
    sign_in_and_wait(page, live_server)
    page.goto(live_server.url + "/traces")
    rows = page.locator("table.traces-table tbody tr")
    expect(rows).to_have_count(3)

    page.get_by_label("User ID").fill("alice")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"/traces\?user_id=alice$"))
    expect(rows).to_have_count(2)

    page.reload()
    expect(page.get_by_label("User ID")).to_have_value("alice")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name="refund-flow")).to_be_visible()
    expect(page.get_by_role("link", name="faq")).to_be_visible()
    expect(page.get_by_role("link", name="billing-flow")).to_have_count(0)

    # A session value in the list is a link that adds the session filter.
    page.get_by_role("link", name="s-a2", exact=True).click()
    expect(page).to_have_url(re.compile(r"user_id=alice&session_id=s-a2$"))
    expect(rows).to_have_count(1)
    expect(page.get_by_role("link", name="faq")).to_be_visible()


def test_retriever_documents_tool_call_and_raw_attributes(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("bob", tenant.organization, Role.VIEWER)
    trace_id = "a" * 32
    root = "1" * 16
    ingest(
        tenant.project,
        [
            p.span(trace_id=trace_id, span_id=root, name="rag-agent", duration_ns=1000 * MS),
            p.span(
                trace_id=trace_id,
                span_id="2" * 16,
                parent=root,
                name="search-kb",
                start_ns=p.BASE_NS + 100 * MS,
                duration_ns=200 * MS,
                attributes={
                    "openinference.span.kind": "RETRIEVER",
                    "input.value": "parcel delivery time",
                    "retrieval.documents.0.document.id": "kb-7",
                    "retrieval.documents.0.document.content": "Parcels ship within 2 days.",
                    "retrieval.documents.0.document.score": 0.92,
                    "retrieval.documents.1.document.id": "kb-3",
                    "retrieval.documents.1.document.content": "Returns take a week.",
                    "retrieval.documents.1.document.score": 0.41,
                    "kb.shard": "eu-west-3",
                },
            ),
            tool_span(trace_id, root, "3" * 16, 500, 300, "get_weather", "call-1", "Paris", 21),
        ],
    )
    sign_in_and_wait(page, live_server)
    page.goto(f"{live_server.url}/traces/{trace_id}")
    expect(page.get_by_role("heading", name="rag-agent", level=1)).to_be_visible()

    # The waterfall places each bar at its offset within the 1 s trace.
    timeline = page.get_by_role("list", name="Span timeline")
    retriever_bar = timeline.get_by_role("button", name="search-kb").locator(".timeline-bar")
    expect(retriever_bar).to_have_attribute("style", re.compile(r"left: 10%; width: 20%"))

    timeline.get_by_role("button", name="search-kb").click()
    span = page.get_by_role("region", name="Span search-kb")
    docs = span.get_by_role("list", name="Retrieved documents").get_by_role("listitem")
    expect(docs).to_have_count(2)
    expect(docs.nth(0)).to_contain_text("Parcels ship within 2 days.")
    expect(docs.nth(0)).to_contain_text("score 0.92")
    expect(docs.nth(1)).to_contain_text("score 0.41")

    raw = span.get_by_role("region", name="Raw attributes")
    expect(raw).to_have_count(0)
    toggle = span.get_by_role("button", name="Show raw attributes")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(raw).to_contain_text('"kb.shard": "eu-west-3"')
    expect(span.get_by_role("button", name="Hide raw attributes")).to_have_attribute(
        "aria-expanded", "true"
    )

    timeline.get_by_role("button", name="get_weather").click()
    tool = page.get_by_role("region", name="Span get_weather")
    expect(tool.get_by_role("region", name="Arguments")).to_contain_text('"city": "Paris"')
    expect(tool.get_by_role("region", name="Result")).to_contain_text('"temperature_c": 21')
    expect(tool).to_contain_text("call call-1")


def test_a_session_reads_as_one_conversation_in_order(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("bob", tenant.organization, Role.VIEWER)
    turns = [
        ("Where is my parcel?", "It ships tomorrow."),
        ("Can it come sooner?", "Express delivery costs $5."),
        ("Yes please.", "Done: express delivery booked."),
    ]
    # Ingested newest first: the page orders by time, not by arrival.
    for n in reversed(range(len(turns))):
        question, answer = turns[n]
        ingest(
            tenant.project,
            [
                p.span(
                    trace_id=f"{n + 1:032x}",
                    span_id=f"{n + 1:016x}",
                    name=f"turn-{n + 1}",
                    start_ns=p.BASE_NS + n * 60_000 * MS,
                    attributes={
                        "session.id": "conv-9",
                        "user.id": "alice",
                        "input.value": question,
                        "input.mime_type": "text/plain",
                        "output.value": answer,
                        "output.mime_type": "text/plain",
                    },
                )
            ],
        )
    sign_in(page, live_server, "bob")
    page.get_by_role("link", name="Sessions").click()
    row = page.get_by_role("row", name=re.compile("conv-9"))
    expect(row).to_contain_text("alice")
    expect(row.get_by_role("cell").nth(2)).to_have_text("3")
    row.get_by_role("link", name="conv-9").click()

    expect(page.get_by_role("heading", name="Session conv-9")).to_be_visible()
    bubbles = page.get_by_role("list", name="Conversation").locator("li.chat-msg .chat-content")
    expect(bubbles).to_have_text([text for turn in turns for text in turn])
    page.get_by_role("link", name="Trace 2: turn-2").click()
    expect(page.get_by_role("heading", name="turn-2", level=1)).to_be_visible()


def test_dashboard_charts_real_metrics_and_names_the_model(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("bob", tenant.organization, Role.VIEWER)
    start = time.time_ns() - 3600 * 10**9
    trace_id = "d" * 32
    ingest(
        tenant.project,
        [
            p.span(
                trace_id=trace_id,
                span_id="1" * 16,
                name="answer",
                start_ns=start,
                duration_ns=800 * MS,
                attributes={"user.id": "alice"},
            ),
            p.span(
                trace_id=trace_id,
                span_id="2" * 16,
                parent="1" * 16,
                name="chat",
                start_ns=start + 50 * MS,
                duration_ns=700 * MS,
                attributes=GPT_4O_MINI_CALL,
            ),
        ],
    )
    sign_in(page, live_server, "bob")
    page.get_by_role("link", name="Dashboard").click()
    for title in ("Cost (USD)", "Tokens", "Latency percentiles (ms)", "Error rate (%)", "Traces"):
        chart = page.get_by_role("img", name=title, exact=True)
        expect(chart).to_be_visible()
        expect(chart).to_have_js_property("tagName", "svg")
    # The screen-reader table of the tokens chart holds the ingested counts.
    expect(page.locator("table.sr-only", has_text="Tokens")).to_contain_text("1000")
    expect(page.locator("table.sr-only", has_text="Tokens")).to_contain_text("500")
    totals = page.get_by_label("Totals")
    expect(totals).to_contain_text("1500")
    expect(totals).to_contain_text("$0.00045")
    by_model = page.get_by_role("region", name="By model")
    expect(by_model.get_by_role("figure").first).to_contain_text("gpt-4o-mini")
    expect(by_model).to_contain_text("$0.00045")

    page.get_by_role("button", name="Last 7 days").click()
    expect(page).to_have_url(re.compile(r"/dashboard\?range=7d$"))
    expect(page.get_by_role("button", name="Last 7 days")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("img", name="Tokens", exact=True)).to_be_visible()
