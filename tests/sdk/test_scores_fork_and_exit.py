"""Scores sent by the SDK to the live platform; export after ``fork`` and at interpreter exit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from typing import Any

import llmops_sdk as llmops
import pytest
from llmops_sdk import state
from llmops_sdk.scores import _Pending

from llmops.scores.models import Score
from llmops.tracing.models import Span, Trace
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_scores_from_the_sdk_are_stored_and_shown_with_the_trace(platform: Tenant) -> None:
    ids: dict[str, str] = {}

    @llmops.observe(kind="agent")
    def answer(question: str) -> str:
        with llmops.span("lookup", kind="tool") as tool:
            tool.score("tool_ok", True)
            ids["tool_span"] = tool.span_id
        with llmops.span("draft", kind="chain") as draft:
            draft.score_trace("tone", "friendly", comment="polite")
            ids["trace"] = draft.trace_id
        llmops.score("confidence", 0.8)  # no ids: the current span
        return question.upper()

    assert answer("refund?") == "REFUND?"
    # Spans are exported on their own schedule; a score naming only a span waits for it.
    llmops.score("latency_ok", 1, span_id=ids["tool_span"], data_type="boolean")
    correction = llmops.score("user_rating", 2, trace_id=ids["trace"])
    llmops.score("user_rating", 4, trace_id=ids["trace"], id=correction, comment="changed mind")
    # An invalid score is refused and dropped alone; the others in its batch are stored.
    llmops.score("broken", "high", trace_id=ids["trace"], data_type="numeric")
    assert llmops.flush(timeout_seconds=20)

    stored = {s.name: s for s in Score.objects.filter(project=platform.project)}
    assert set(stored) == {"tool_ok", "tone", "confidence", "latency_ok", "user_rating"}
    assert stored["tool_ok"].span_id == ids["tool_span"]
    assert stored["tool_ok"].value == 1.0
    assert (stored["tone"].span_id, stored["tone"].string_value) == ("", "friendly")
    assert stored["latency_ok"].trace_id == ids["trace"]
    assert (stored["user_rating"].value, stored["user_rating"].comment) == (4.0, "changed mind")
    root = Span.objects.get(project=platform.project, trace_id=ids["trace"], parent_span_id="")
    assert stored["confidence"].span_id == root.span_id
    assert all(s.source == "sdk" for s in stored.values())

    client = platform.client()
    detail = client.get(f"/api/v1/traces/{ids['trace']}").json()
    assert sorted(s["name"] for s in detail["scores"]) == sorted(stored)
    listed = client.get("/api/v1/traces", {"score_name": "tone", "score_label": "friendly"})
    assert [t["trace_id"] for t in listed.json()["items"]] == [ids["trace"]]


def test_a_refused_score_is_dropped_alone_from_its_batch(platform: Tenant) -> None:
    sender = state.client().scores
    assert sender is not None
    trace_id = "ab" * 16
    bodies: list[dict[str, Any]] = [
        {"name": "first", "value": 1.0, "trace_id": trace_id},
        {"name": "broken", "value": "x", "data_type": "numeric", "trace_id": trace_id},
        {"name": "third", "value": "ok", "trace_id": trace_id},
    ]
    sender._post([_Pending(body) for body in bodies])  # one batch, as the sender thread sends
    assert sender.dropped == 1
    assert [item.body["name"] for item in sender.queue] == ["first", "third"]
    assert llmops.flush(timeout_seconds=10)
    assert sorted(Score.objects.values_list("name", flat=True)) == ["first", "third"]


# The test process runs server threads; the child only exercises the SDK and exits at once.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
def test_spans_and_scores_are_exported_from_a_forked_child(platform: Tenant) -> None:
    @llmops.observe(kind="tool")
    def work(where: str) -> str:
        return where

    work("parent")  # the exporter's thread runs in the parent before the fork
    llmops.flush()
    pid = os.fork()
    if pid == 0:  # the child: export its own span and score, report by exit code
        code = 1
        try:
            with llmops.span("in child", kind="chain") as child:
                work("child")
                child.score("child_ok", True)
            code = 0 if llmops.flush(timeout_seconds=15) else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    child_span = Span.objects.get(project=platform.project, name="in child")
    assert Span.objects.filter(trace_id=child_span.trace_id, name="work").exists()
    assert Score.objects.get(project=platform.project, name="child_ok").span_id == (
        child_span.span_id
    )
    # The parent keeps exporting after the fork.
    work("parent again")
    assert llmops.flush()
    assert Span.objects.filter(project=platform.project, name="work").count() == 3


def test_what_is_queued_is_sent_when_the_program_exits(live_server: Any, tenant: Tenant) -> None:
    program = textwrap.dedent(
        """
        import llmops_sdk as llmops

        @llmops.observe(kind="agent", name="exiting app")
        def run() -> None:
            llmops.score("last_words", "bye")

        run()
        # No flush: the SDK's exit hook sends what is queued.
        """
    )
    environment = {
        **os.environ,
        "LLMOPS_HOST": live_server.url,
        "LLMOPS_SECRET_KEY": tenant.secret_key,
    }
    result = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()
    trace = wait_for(
        lambda: Trace.objects.filter(project=tenant.project, name="exiting app").first()
    )
    score = Score.objects.get(project=tenant.project, name="last_words")
    assert (score.trace_id, score.string_value) == (trace.trace_id, "bye")
