"""Web and worker processes keep no state of their own: two of each on one database and one
Redis behave as one.

Two gunicorn instances (each with its own data folder, as on two machines) and two Celery
worker processes share the test database, the Redis broker and a Redis cache. Spans of one trace
sent half to each node assemble into one trace; sign-in failures counted on one node lock the
username on the other; a task enqueued by one node runs on one worker, once.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection

from llmops.celery import app as celery_app
from llmops.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.conftest import WORKER_ROOT, Tenant, _test_database_url, make_tenant
from tests.faults.stack import Gunicorn, _stop_pid, wait_until
from tests.tracing import otlp_payloads as p

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a PostgreSQL server"),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis"), reason="needs a Redis broker"
    ),
    pytest.mark.worker,
]

TRACE_SPANS = 10
DELIVERIES = 6


def _node_env(tmp: Path) -> dict[str, str]:
    """What both web nodes and both workers share: the database, the broker and the cache."""
    return {
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # The cache shares the broker's Redis database; Django prefixes its keys (":1:").
        "LLMOPS_CACHE_URL": settings.CELERY_BROKER_URL,
        # A username is locked from its 2nd failure, for far longer than the test runs.
        "LLMOPS_SIGNIN_USERNAME_FAILURES": "2",
        "LLMOPS_SIGNIN_ADDRESS_FAILURES": "100000",
        "LLMOPS_SIGNIN_BACKOFF_SECONDS": "600",
        "LLMOPS_EGRESS_ALLOW": "127.0.0.0/8",
        "SESSION_COOKIE_SECURE": "false",
    }


@pytest.fixture
def nodes(transactional_db: None, tmp_path: Path) -> Iterator[tuple[Gunicorn, Gunicorn]]:
    shared = _node_env(tmp_path)
    webs: list[Gunicorn] = []
    try:
        for _ in range(2):
            web = Gunicorn(database_url=shared["DATABASE_URL"])
            web.env.update(shared)
            web.start()
            webs.append(web)
        yield webs[0], webs[1]
    finally:
        for web in webs:
            web.close()


class Workers:
    """Two Celery worker processes (no beat), each with its own data folder."""

    def __init__(self, env: dict[str, str]) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="llmops-two-nodes-workers-"))
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []
        for number in (1, 2):
            log = self.root / f"worker-{number}.log"
            self.logs.append(log)
            with log.open("wb") as out:
                self.processes.append(
                    subprocess.Popen(
                        [
                            *(sys.executable, "-m", "celery", "-A", "llmops", "worker"),
                            *("-n", f"node{number}-{uuid.uuid4().hex[:6]}@localhost"),
                            *("--pool", "solo", "--loglevel", "INFO"),
                        ],
                        cwd=WORKER_ROOT,
                        env={
                            **os.environ,
                            **env,
                            "LLMOPS_DATA_DIR": str(self.root / f"data-{number}"),
                        },
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )

    def ready(self) -> bool:
        return all("ready." in log.read_text(errors="replace") for log in self.logs)

    def runs_of(self, task_name: str) -> list[int]:
        """How many runs of ``task_name`` each worker logged (tasking.platform_task's line)."""
        line = f"task {task_name} done"
        return [log.read_text(errors="replace").count(line) for log in self.logs]

    def output(self) -> str:
        return "\n".join(log.read_text(errors="replace")[-3000:] for log in self.logs)

    def close(self) -> None:
        for process in self.processes:
            _stop_pid(process.pid, signal.SIGTERM)
            process.wait(timeout=30)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def workers(transactional_db: None, tmp_path: Path) -> Iterator[Workers]:
    # Messages left by earlier tests would be run by these workers too and counted as runs.
    celery_app.control.purge()
    started = Workers(_node_env(tmp_path))
    try:
        wait_until("both workers ready", started.ready, 90)
        yield started
    finally:
        started.close()
        print(started.output())
        started.remove()


def _post_spans(web: Gunicorn, key: str, spans: list[Any]) -> None:
    response = requests.post(
        f"{web.base_url}/v1/traces",
        data=p.request(spans).SerializeToString(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-protobuf"},
        timeout=60,
    )
    assert response.status_code == 200, response.text


def test_spans_of_one_trace_sent_to_two_nodes_assemble_into_one_trace(
    nodes: tuple[Gunicorn, Gunicorn],
) -> None:
    a, b = nodes
    tenant = make_tenant("Two", "nodes")
    trace_id = secrets.token_hex(16)
    root = secrets.token_hex(8)
    spans = [p.span(trace_id=trace_id, span_id=root, name="root")] + [
        p.span(trace_id=trace_id, span_id=secrets.token_hex(8), parent=root, name=f"child-{i}")
        for i in range(1, TRACE_SPANS)
    ]
    # Children to node A, the root and the rest to node B, at the same time.
    half = TRACE_SPANS // 2
    with ThreadPoolExecutor(2) as pool:
        sent = [
            pool.submit(_post_spans, a, tenant.secret_key, spans[half:]),
            pool.submit(_post_spans, b, tenant.secret_key, spans[:half]),
        ]
        for future in sent:
            future.result()

    for web in (a, b):
        headers = {"Authorization": f"Bearer {tenant.secret_key}"}
        detail = requests.get(
            f"{web.base_url}/api/v1/traces/{trace_id}", headers=headers, timeout=30
        )
        assert detail.status_code == 200, detail.text
        body = detail.json()
        assert body["name"] == "root"
        # One tree: the root (stored by B) with every child (stored by A) under it.
        [tree] = body["spans"]
        assert tree["span"]["span_id"] == root
        assert sorted(child["span"]["name"] for child in tree["children"]) == sorted(
            f"child-{i}" for i in range(1, TRACE_SPANS)
        )
        listed = requests.get(f"{web.base_url}/api/v1/traces", headers=headers, timeout=30).json()
        assert [item["trace_id"] for item in listed["items"]] == [trace_id]


def test_sign_in_failures_count_across_nodes(nodes: tuple[Gunicorn, Gunicorn]) -> None:
    a, b = nodes
    browser = requests.Session()
    # The CSRF cookie comes from node A and is accepted by node B: the same SECRET_KEY signs it.
    assert browser.get(f"{a.base_url}/api/v1/auth/session", timeout=30).status_code == 200
    token = str(browser.cookies["csrftoken"])
    username = f"nobody-{uuid.uuid4().hex[:8]}"

    def sign_in(web: Gunicorn) -> int:
        response = browser.post(
            f"{web.base_url}/api/v1/auth/login",
            json={"username": username, "password": "wrong password"},
            headers={"X-CSRFToken": token},
            timeout=30,
        )
        return response.status_code

    assert sign_in(a) == 401  # first failure, counted in the shared cache
    assert sign_in(b) == 401  # second failure, on the other node: the username is now locked
    # Node A sees B's failure: with a counter per node it would have counted only one.
    assert sign_in(a) == 429
    assert sign_in(b) == 429


class _Receiver(BaseHTTPRequestHandler):
    received: list[str]
    lock: threading.Lock

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            self.received.append(self.headers["X-LLMOps-Delivery"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[str]]]:
    received: list[str] = []
    handler = type("Receiver", (_Receiver,), {"received": received, "lock": threading.Lock()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_task_enqueued_by_one_node_runs_once_on_either_worker(
    nodes: tuple[Gunicorn, Gunicorn], workers: Workers, receiver: tuple[str, list[str]]
) -> None:
    a, b = nodes
    url, received = receiver
    tenant: Tenant = make_tenant("Two", "tasks")
    headers = {"Authorization": f"Bearer {tenant.key('admin')}"}
    created = requests.post(
        f"{b.base_url}/api/v1/webhooks",
        json={"url": url, "events": ["prompt.version_created"]},
        headers=headers,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    # Node A saves prompts; each publishes one delivery and enqueues its task on commit.
    for number in range(DELIVERIES):
        saved = requests.post(
            f"{a.base_url}/api/v1/prompts",
            json={"name": f"prompt-{number}", "type": "text", "template": "Hello {{name}}"},
            headers=headers,
            timeout=30,
        )
        assert saved.status_code == 201, saved.text

    deliveries = set(
        WebhookDelivery.objects.filter(subscription__project=tenant.project).values_list(
            "pk", flat=True
        )
    )
    assert len(deliveries) == DELIVERIES
    wait_until("every delivery received", lambda: len(received) >= DELIVERIES, 90)
    wait_until(
        "both workers logged their runs",
        lambda: sum(workers.runs_of("prompts.deliver_webhook")) >= DELIVERIES,
        30,
    )
    # Exactly once: each delivery reached the receiver once, was attempted once, and the two
    # workers together ran the task once per delivery.
    assert sorted(received) == sorted(str(pk) for pk in deliveries)
    assert WebhookAttempt.objects.filter(delivery__in=deliveries).count() == DELIVERIES
    assert sum(workers.runs_of("prompts.deliver_webhook")) == DELIVERIES
