"""What a Langfuse SDK user sends is what the platform's web UI shows: a trace made by the real
Langfuse Python SDK (``@observe``, its drop-in OpenAI wrapper against the local
OpenAI-compatible server, trace attributes and a trace score) opened in headless Chromium, and
two of its dataset experiments compared as evaluation runs."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from llmops.evaluation.models import Run
from llmops.local_llm.server import LocalLLM
from llmops.tenancy.models import Role
from llmops.tracing.models import Span
from tests.conftest import MakeUser, Tenant
from tests.langfuse.clients import LangfuseClient
from tests.langfuse.test_datasets import EXPERIMENT
from tests.web_ui.conftest import sign_in

AGENT = """
    import json, os
    from langfuse import get_client, observe, propagate_attributes
    from langfuse.openai import openai

    langfuse = get_client()
    llm = openai.OpenAI(base_url=os.environ["LLM_BASE_URL"], api_key="local")

    @observe(name="support-agent")
    def agent(question):
        with propagate_attributes(user_id="customer-42", session_id="conv-7", tags=["langfuse"]):
            reply = llm.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": question}],
            )
            langfuse.score_current_trace(name="helpfulness", value=0.75, comment="to the point")
            answer = reply.choices[0].message.content
            return {"trace_id": langfuse.get_current_trace_id(), "answer": answer}

    result = agent("Where is my parcel?")
    langfuse.flush()
    langfuse.shutdown()
    print(json.dumps(result))
"""


def _as_the_ui_writes(cost: Decimal) -> str:
    # frontend/src/lib/format.ts formatCost: two significant digits below one cent.
    return f"${cost:.2g}" if cost < Decimal("0.01") else f"${cost:.4f}"


@pytest.mark.django_db(transaction=True)
def test_a_langfuse_sdk_trace_reads_in_the_web_ui(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("bob", tenant.organization, Role.VIEWER)
    client = LangfuseClient("5.2", live_server.url, tenant.public_key, tenant.secret_key)
    with LocalLLM() as llm:
        result = client.run(AGENT, LLM_BASE_URL=llm.base_url)
    generation = Span.objects.get(project=tenant.project, trace_id=result["trace_id"], kind="llm")
    assert generation.cost_total is not None

    sign_in(page, live_server, "bob")
    page.get_by_role("link", name="Traces").click()
    page.get_by_role("link", name="support-agent").click()
    expect(page.get_by_role("heading", name="support-agent", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="customer-42")).to_be_visible()
    expect(page.get_by_role("link", name="conv-7")).to_be_visible()
    scores = page.get_by_role("region", name="Trace scores")
    expect(scores.get_by_role("row", name=re.compile("^helpfulness"))).to_contain_text("0.750")
    expect(scores).to_contain_text("to the point")

    page.get_by_role("button", name=generation.name).click()
    span = page.get_by_role("region", name=f"Span {generation.name}")
    expect(span).to_contain_text("gpt-4o-mini")
    expect(span.get_by_role("list", name="Conversation").first).to_contain_text(
        "Where is my parcel?"
    )
    expect(span).to_contain_text(result["answer"])
    usage = span.get_by_role("table", name="Usage and cost")
    expect(usage.get_by_role("row", name=re.compile("^Input"))).to_contain_text(
        str(generation.input_tokens)
    )
    expect(span).to_contain_text(_as_the_ui_writes(generation.cost_total))
    expect(span).to_contain_text("Cost source: default")


@pytest.mark.django_db(transaction=True)
def test_two_langfuse_experiments_compare_in_the_web_ui(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("carol", tenant.organization, Role.VIEWER)
    client = LangfuseClient("5.2", live_server.url, tenant.public_key, tenant.secret_key)
    client.run(EXPERIMENT, NAME="baseline", WRONG="none")
    client.run(EXPERIMENT, NAME="candidate", WRONG="France")
    runs = {
        run.summary["experiment"]["name"].split(" - ")[0]: run
        for run in Run.objects.filter(project=tenant.project)
    }
    assert set(runs) == {"baseline", "candidate"}

    sign_in(page, live_server, "carol")
    expect(page.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/evaluations")
    listed = page.locator("table.runs tbody tr")
    expect(listed).to_have_count(2)
    expect(listed.first).to_contain_text("experiments: capitals")
    page.get_by_label(f"Pick run {runs['baseline'].pk}").check()
    page.get_by_label(f"Pick run {runs['candidate'].pk}").check()
    page.get_by_role("button", name="Compare selected").click()
    rows = page.locator("table.compare tbody tr")
    expect(rows).to_have_count(3)
    # The item the candidate got wrong comes first, with both outputs.
    expect(rows.first).to_contain_text("fr")
    expect(rows.first).to_contain_text("regression")
    expect(rows.first).to_contain_text("Lyon")
    expect(rows.first).to_contain_text("Paris")
