"""The playground endpoint against the local OpenAI-compatible server: it renders the version,
calls the connection's model, stores the call as a trace linked to the version, and names the
field of bad input; a failing provider is a 502 with the trace of the attempt."""

from __future__ import annotations

from typing import Any

import pytest

from llmops.local_llm.server import LocalLLM
from llmops.tracing.models import Span, Trace
from tests.conftest import Tenant
from tests.evaluation.conftest import llm, ok

pytestmark = pytest.mark.django_db

__all__ = ["llm"]

BASE = "/api/v1/prompts"


def _setup(tenant: Tenant, server: LocalLLM) -> Any:
    client = tenant.client("admin")  # creating a connection is an admin's
    ok(
        client.post(
            "/api/v1/connections",
            {
                "name": "local",
                "base_url": server.base_url,
                "model_names": ["local-model"],
                "api_key": "sk-local-test",
                "timeout_seconds": 10,
            },
            format="json",
        )
    )
    ok(
        client.post(
            BASE,
            {
                "name": "support/answer",
                "type": "chat",
                "template": [
                    {"role": "system", "content": "Be brief."},
                    {"type": "placeholder", "name": "history"},
                    {"role": "user", "content": "Tell me about {{topic}}"},
                ],
                "config": {"parameters": {"temperature": 0.2}},
                "labels": ["production"],
            },
            format="json",
        )
    )
    return client


def test_a_run_answers_and_is_traced_against_the_version(tenant: Tenant, llm: LocalLLM) -> None:
    client = _setup(tenant, llm)
    answer = ok(
        client.post(
            f"{BASE}/support/answer/playground",
            {
                "label": "production",
                "variables": {"topic": "refunds"},
                "placeholders": {"history": [{"role": "user", "content": "hi"}]},
                "connection": "local",
            },
            format="json",
        ),
        200,
    )
    assert answer["output"] == "Answer: Tell me about refunds"
    assert answer["version"] == 1
    assert answer["model"] == "local-model"
    assert answer["rendered"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
        {"role": "user", "content": "Tell me about refunds"},
    ]
    # The local server counts words: 2 + 1 + 4 in, 5 out.
    assert (answer["input_tokens"], answer["output_tokens"]) == (7, 5)
    assert answer["latency_ms"] > 0
    trace = Trace.objects.get(project=tenant.project, trace_id=answer["trace_id"])
    assert trace.name == "playground support/answer"
    llm_span = Span.objects.get(trace_id=answer["trace_id"], kind="llm")
    assert (llm_span.prompt_name, llm_span.prompt_version) == ("support/answer", "1")
    assert llm_span.input_tokens == 7
    assert llm_span.invocation_params.get("temperature") == 0.2
    for value in (1, 0.5):
        ok(
            client.post(
                "/api/v1/scores",
                {"trace_id": answer["trace_id"], "name": "helpful", "value": value},
                format="json",
            )
        )
    usage = ok(client.get(f"{BASE}/support/answer/usage"), 200)
    assert [(row["version"], row["traces"], row["calls"]) for row in usage] == [("1", 1, 1)]
    assert usage[0]["scores"] == {"helpful": {"mean": 0.75, "count": 2}}


def test_bad_input_names_the_field(tenant: Tenant, llm: LocalLLM) -> None:
    client = _setup(tenant, llm)
    url = f"{BASE}/support/answer/playground"
    placeholders: dict[str, list[Any]] = {"history": []}
    unknown = client.post(
        url,
        {"variables": {"topic": "x"}, "placeholders": placeholders, "connection": "nope"},
        format="json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["fields"] == {"connection": ["no provider connection named 'nope'"]}
    missing = client.post(url, {"placeholders": placeholders, "connection": "local"}, format="json")
    assert missing.status_code == 400
    assert "topic" in missing.json()["message"]
    absent = client.post(url, {"version": 9, "connection": "local"}, format="json")
    assert absent.status_code == 404
    extra = client.post(url, {"connection": "local", "surprise": 1}, format="json")
    assert extra.status_code == 400
    assert list(extra.json()["fields"]) == ["surprise"]
    assert llm.requests == 0
    assert not Trace.objects.filter(project=tenant.project).exists()


def test_a_failing_provider_is_a_502_and_the_attempt_is_traced(
    tenant: Tenant, llm: LocalLLM
) -> None:
    client = _setup(tenant, llm)
    llm.fail_next(400)
    failed = client.post(
        f"{BASE}/support/answer/playground",
        {
            "variables": {"topic": "refunds"},
            "placeholders": {"history": []},
            "connection": "local",
        },
        format="json",
    )
    assert failed.status_code == 502, failed.content
    assert failed.json()["error"] == "provider_error"
    assert failed.json()["message"].startswith("the provider failed:")
    assert llm.requests == 1  # a 4xx is not retried
    span = Span.objects.get(project=tenant.project, kind="llm")
    assert span.status == "error"


def test_an_unreachable_provider_is_a_502_naming_the_failure(tenant: Tenant, llm: LocalLLM) -> None:
    client = _setup(tenant, llm)
    ok(
        client.post(
            "/api/v1/connections",
            # Port 9 (discard) is closed on loopback: the connection is refused at once.
            {"name": "down", "base_url": "http://127.0.0.1:9/v1", "model_names": ["m"]},
            format="json",
        )
    )
    failed = client.post(
        f"{BASE}/support/answer/playground",
        {"variables": {"topic": "x"}, "placeholders": {"history": []}, "connection": "down"},
        format="json",
    )
    assert failed.status_code == 502, failed.content
    assert "the provider call failed after 2 attempt(s)" in failed.json()["message"]
