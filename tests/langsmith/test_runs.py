"""The real ``langsmith`` client sends runs (plain posts and patches, batches, multipart) and
reads them back; the platform's own API shows the same trees."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.signals import request_started

from llmops.tracing.models import PendingRun, Span
from llmops.tracing.run_ids import trace_id_of
from tests.conftest import Tenant
from tests.langsmith.clients import LangSmithClient

# The seed code, with the client's automatic batching off: POST /runs, then PATCH.
SEED = """
    import datetime, json, uuid
    from langsmith import Client

    client = Client(auto_batch_tracing=False)
    run_id = uuid.uuid4()
    client.create_run(
        name="chat_completion", run_type="llm", id=run_id,
        inputs={"prompt": "What is MLOps?"}, outputs={"response": "MLOps is..."},
        extra={"metadata": {"model": "gpt-4", "tokens": 125}},
    )
    client.update_run(run_id, end_time=datetime.datetime.now(datetime.timezone.utc),
                      outputs={"response": "MLOps is..."})
    run = client.read_run(run_id)
    listed = list(client.list_runs(trace_id=run_id))
    print(json.dumps({
        "run_id": str(run_id), "name": run.name, "run_type": run.run_type,
        "trace_id": str(run.trace_id), "outputs": run.outputs, "ended": run.end_time is not None,
        "listed": [str(r.id) for r in listed],
    }))
"""

# Nested @traceable functions; the default multipart upload unless MULTIPART=off, which turns
# the client's multipart endpoint off so it sends /runs/batch.
NESTED = """
    import json, os
    from langsmith import Client, traceable
    from langsmith.run_helpers import get_current_run_tree

    info = None
    if os.environ["MULTIPART"] == "off":
        info = {"version": "0.11.0", "batch_ingest_config": {
            "use_multipart_endpoint": False, "scale_up_qsize_trigger": 1000,
            "scale_up_nthreads_limit": 16, "scale_down_nempty_trigger": 4,
            "size_limit": 100, "size_limit_bytes": 20971520}}
    client = Client(info=info)
    ids = {}

    @traceable(run_type="retriever", name="lookup", client=client)
    def lookup(question):
        ids["lookup"] = str(get_current_run_tree().id)
        return [{"page_content": "MLOps is ML plus operations", "metadata": {}}]

    @traceable(run_type="tool", name="failing-tool", client=client)
    def failing_tool():
        raise ValueError("index offline")

    @traceable(run_type="chain", name="pipeline", client=client)
    def pipeline(question):
        ids["root"] = str(get_current_run_tree().id)
        docs = lookup(question)
        try:
            failing_tool()
        except ValueError:
            pass
        return {"answer": docs[0]["page_content"]}

    pipeline("What is MLOps?")
    client.flush()
    root = client.read_run(ids["root"])
    listed = list(client.list_runs(trace_id=ids["root"]))
    print(json.dumps({
        "ids": ids, "root_outputs": root.outputs,
        "listed": sorted((r.name, str(r.parent_run_id) if r.parent_run_id else None,
                          r.run_type, r.error) for r in listed),
    }))
"""


@pytest.fixture
def paths() -> Any:
    """The paths the live server was asked for (it serves from a thread of this process)."""
    seen: list[str] = []

    def record(sender: Any, environ: dict[str, Any], **kwargs: Any) -> None:
        seen.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")

    request_started.connect(record, weak=False)
    yield seen
    request_started.disconnect(record)


def _tree(nodes: list[dict[str, Any]], depth: int = 0) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    for node in nodes:
        out.append((depth, node["span"]["name"], node["span"]["kind"]))
        out.extend(_tree(node.get("children") or [], depth + 1))
    return out


@pytest.mark.django_db(transaction=True)
def test_the_seed_code_creates_and_updates_one_run(
    langsmith: LangSmithClient, tenant: Tenant, paths: list[str]
) -> None:
    result = langsmith.run(SEED)
    assert "POST /langsmith/runs" in paths
    assert f"PATCH /langsmith/runs/{result['run_id']}" in paths
    assert result["name"] == "chat_completion"
    assert result["run_type"] == "llm"
    assert result["trace_id"] == result["run_id"]
    assert result["ended"] is True
    assert "MLOps is..." in str(result["outputs"])
    assert result["listed"] == [result["run_id"]]
    trace_id = trace_id_of(uuid.UUID(result["run_id"]))
    (span,) = Span.objects.filter(project=tenant.project, trace_id=trace_id)
    assert (span.name, span.kind) == ("chat_completion", "llm")
    assert not PendingRun.objects.filter(project=tenant.project).exists()
    response = tenant.client().get(f"/api/v1/traces/{trace_id}")
    assert response.status_code == 200, response.content
    assert _tree(response.json()["spans"]) == [(0, "chat_completion", "llm")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("multipart", ["on", "off"])
def test_nested_traceable_functions_are_one_tree(
    langsmith: LangSmithClient, tenant: Tenant, multipart: str, paths: list[str]
) -> None:
    result = langsmith.run(NESTED, MULTIPART=multipart)
    used = "POST /langsmith/runs/multipart" if multipart == "on" else "POST /langsmith/runs/batch"
    assert used in paths
    root = result["ids"]["root"]
    assert result["root_outputs"] == {"answer": "MLOps is ML plus operations"}
    listed = {name: (parent, run_type, error) for name, parent, run_type, error in result["listed"]}
    assert listed["pipeline"] == (None, "chain", None)
    assert listed["lookup"] == (root, "retriever", None)
    assert listed["failing-tool"][:2] == (root, "tool")
    assert "index offline" in listed["failing-tool"][2]

    trace_id = trace_id_of(uuid.UUID(root))
    response = tenant.client().get(f"/api/v1/traces/{trace_id}")
    assert response.status_code == 200, response.content
    assert sorted(_tree(response.json()["spans"])) == [
        (0, "pipeline", "chain"),
        (1, "failing-tool", "tool"),
        (1, "lookup", "retriever"),
    ]
    spans = {s.name: s for s in Span.objects.filter(project=tenant.project, trace_id=trace_id)}
    assert spans["failing-tool"].status == "error"
    assert "index offline" in spans["failing-tool"].status_message
    assert not PendingRun.objects.filter(project=tenant.project).exists()
