"""The Langfuse JS/TypeScript SDK (``@langfuse/tracing`` + ``@langfuse/otel``, pinned in
js/package-lock.json) exports to the platform unchanged, configured by its environment variables
alone.

js/export.mjs runs as a separate Node process against a live server: a root span with a tool
observation and a generation under it, the trace's user, session and tags set with
``propagateAttributes``, then the span processor flushed. The platform's own REST API must then
show the same tree, the generation as an LLM call with its model, usage and cost, and the trace's
user, session and tags.

The server is gunicorn, as in production, not pytest-django's live server: OpenTelemetry JS's
HTTP exporter always streams its body (Transfer-Encoding: chunked, no Content-Length), which
gunicorn de-chunks and wsgiref cannot (the receiver answers such a server's request 411).

The packages are installed with ``npm ci`` on first use and kept in js/node_modules until the
package files change. Node.js 20+ and the npm registry are required: without them these tests
fail (they never skip).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pytest_django import DjangoDbBlocker

from tests.conftest import Tenant, _test_database_url
from tests.processes import client_environment, gunicorn

JS = Path(__file__).resolve().parent / "js"
STAMP = JS / "node_modules" / ".installed-from"
# Generous: the first run downloads the packages; nothing here measures time.
INSTALL_TIMEOUT_SECONDS = 600
SCRIPT_TIMEOUT_SECONDS = 120

MESSAGES = [
    {"role": "system", "content": "You answer parcel questions."},
    {"role": "user", "content": "Where is my parcel 4471?"},
]
ANSWER = "Parcel 4471 has shipped; it arrives tomorrow."
# gpt-4o-mini at the default prices: 42 input tokens at $0.15/M and 11 output tokens at $0.60/M.
EXPECTED_COST = Decimal("0.0000129")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"`{name}` is not on PATH: the Langfuse JS SDK test needs Node.js 20+ with npm "
            "(install Node.js; it does not skip without it)"
        )
    return path


def _packages_hash() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((JS / name).read_bytes())
    return digest.hexdigest()


def node_packages() -> str:
    """``node``, with js/node_modules installed from the lock file (``npm ci``) if stale."""
    node = _tool("node")
    wanted = _packages_hash()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return node
    try:
        # The ordinary environment: npm may need its proxy and registry settings.
        completed = subprocess.run(
            [_tool("npm"), "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=JS,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`npm ci` in {JS} did not finish in {INSTALL_TIMEOUT_SECONDS} s (network?)")
    if completed.returncode != 0:
        pytest.fail(
            f"`npm ci` in {JS} failed ({completed.returncode}); the test needs the npm "
            f"registry to install the pinned Langfuse JS SDK:\n{completed.stdout[-4000:]}\n"
            f"{completed.stderr[-8000:]}"
        )
    STAMP.write_text(wanted)
    return node


def run_export(base_url: str, public_key: str, secret_key: str) -> subprocess.CompletedProcess[str]:
    """Run js/export.mjs with only the Langfuse variables a user sets (no ``LANGFUSE_HOST``:
    the JS SDK reads ``LANGFUSE_BASE_URL``)."""
    node = node_packages()
    environment = client_environment(
        LANGFUSE_BASE_URL=base_url, LANGFUSE_PUBLIC_KEY=public_key, LANGFUSE_SECRET_KEY=secret_key
    )
    return subprocess.run(
        [node, "export.mjs"],
        cwd=JS,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_SECONDS,
        check=False,
    )


def exported_ids(completed: subprocess.CompletedProcess[str]) -> dict[str, str]:
    if completed.returncode != 0:
        pytest.fail(
            f"the Langfuse JS SDK export failed ({completed.returncode}):\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-8000:]}"
        )
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    if not lines:
        pytest.fail(f"the Langfuse JS SDK export printed nothing:\n{completed.stderr}")
    ids: dict[str, str] = json.loads(lines[-1])
    return ids


@pytest.fixture(scope="module")
def platform_url(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """The platform under gunicorn on a free loopback port, on the test database."""
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    with gunicorn(database_url) as port:
        yield f"http://127.0.0.1:{port}"


def spans_by_name(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every span of the tree by name, each with its children's names (the tree as stored)."""
    found: dict[str, dict[str, Any]] = {}
    for node in nodes:
        span = dict(node["span"])
        span["children"] = [child["span"]["name"] for child in node["children"]]
        found[span["name"]] = span
        found.update(spans_by_name(node["children"]))
    return found


@pytest.mark.django_db(transaction=True)
def test_the_js_sdk_trace_is_stored_with_its_tree_generation_and_trace_attributes(
    platform_url: str, tenant: Tenant
) -> None:
    ids = exported_ids(run_export(platform_url, tenant.public_key, tenant.secret_key))

    response = tenant.client().get(f"/api/v1/traces/{ids['trace_id']}")
    assert response.status_code == 200, response.content
    trace = response.json()
    assert trace["span_count"] == 3
    (root,) = trace["spans"]
    spans = spans_by_name(trace["spans"])
    assert set(spans) == {"support-request", "lookup-order", "answer"}
    assert root["span"]["name"] == "support-request"

    # The tree: the ids the SDK gave each observation, and the parent links between them.
    assert spans["support-request"]["span_id"] == ids["root"]
    assert not spans["support-request"]["parent_span_id"]
    assert sorted(spans["support-request"]["children"]) == ["answer", "lookup-order"]
    assert spans["lookup-order"]["span_id"] == ids["tool"]
    assert spans["answer"]["span_id"] == ids["generation"]
    assert spans["lookup-order"]["parent_span_id"] == ids["root"]
    assert spans["answer"]["parent_span_id"] == ids["root"]
    assert spans["lookup-order"]["children"] == spans["answer"]["children"] == []

    # Langfuse's observation types as the platform's kinds.
    assert spans["support-request"]["kind"] == "span"
    assert spans["lookup-order"]["kind"] == "tool"
    generation = spans["answer"]
    assert generation["kind"] == "llm"

    # The generation: model, usage, cost at the default prices, its input and output.
    assert generation["model_requested"] == "gpt-4o-mini"
    assert generation["invocation_params"] == {"temperature": 0.2, "max_tokens": 64}
    usage = generation["usage"]
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (42, 11, 53)
    assert usage["estimated"] is False
    assert generation["cost"]["source"] == "default"
    assert Decimal(generation["cost"]["total"]) == EXPECTED_COST
    assert [(m["role"], m["content"]) for m in generation["input"]] == [
        (m["role"], m["content"]) for m in MESSAGES
    ]
    assert ANSWER in json.dumps(generation["output"])

    # The tool's input and output.
    assert "4471" in json.dumps(spans["lookup-order"]["input"])
    assert "shipped" in json.dumps(spans["lookup-order"]["output"])

    # The root's metadata (langfuse.observation.metadata.*).
    assert spans["support-request"]["metadata"]["channel"] == "chat"

    # The trace: named after its root, user, session and tags from propagateAttributes, and
    # its totals.
    assert trace["name"] == "support-request"
    assert trace["user_id"] == "user-js-1"
    assert trace["session_id"] == "session-js-1"
    assert sorted(trace["tags"]) == ["drop-in", "js-sdk"]
    assert (trace["input_tokens"], trace["output_tokens"]) == (42, 11)
    assert Decimal(trace["cost_total"]) == EXPECTED_COST

    # The session the trace belongs to lists it.
    session = tenant.client().get("/api/v1/sessions/session-js-1").json()
    assert [t["trace_id"] for t in session["traces"]] == [ids["trace_id"]]


@pytest.mark.django_db(transaction=True)
def test_the_js_sdk_export_is_refused_with_a_wrong_secret(
    platform_url: str, tenant: Tenant
) -> None:
    completed = run_export(platform_url, tenant.public_key, "sk-lf-wrong")
    # The span processor's flush rejects on the 401: the script fails, and nothing is stored.
    assert completed.returncode != 0, completed.stdout
    assert "401" in completed.stderr or "Unauthorized" in completed.stderr, completed.stderr
    listing = tenant.client().get("/api/v1/traces").json()
    assert listing["items"] == []
