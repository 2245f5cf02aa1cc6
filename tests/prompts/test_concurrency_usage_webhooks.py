"""Concurrent saves, usage per version from traces, and signed webhook deliveries."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from llmops.prompts import webhooks
from llmops.prompts.domain import label_move, prompt_create, version_create
from llmops.prompts.models import (
    DeliveryState,
    Prompt,
    PromptVersion,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans
from tests.conftest import Tenant, wait_for
from tests.tracing import otlp_payloads as p


@pytest.mark.django_db(transaction=True)
def test_parallel_saves_get_distinct_numbers(live_server: Any, tenant: Tenant) -> None:
    prompt_create(project=tenant.project, name="busy", prompt_type="text", template="v1")
    url = f"{live_server.url}/api/v1/prompts/busy/versions"

    def save(index: int) -> int:
        request = urllib.request.Request(  # noqa: S310 — the test's own live server
            url,
            data=json.dumps({"template": f"version from writer {index}"}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {tenant.secret_key}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            assert response.status == 201
            return int(json.loads(response.read())["version"]["number"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(save, range(8)))
    assert sorted(numbers) == list(range(2, 10))
    assert sorted(PromptVersion.objects.values_list("number", flat=True)) == list(range(1, 10))


@pytest.mark.django_db
def test_usage_per_version_comes_from_spans(tenant: Tenant) -> None:
    prompt_create(project=tenant.project, name="qa", prompt_type="text", template="{{q}}")
    spans = []
    for index, (version, error) in enumerate([("1", False), ("1", True), ("2", False)]):
        spans.append(
            p.span(
                trace_id=f"{index + 1:032x}",
                span_id=f"{index + 1:016x}",
                duration_ns=(index + 1) * 10**8,
                error=error,
                attributes={
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.usage.input_tokens": 1000,
                    "gen_ai.usage.output_tokens": 100,
                    "gen_ai.prompt.name": "qa",
                    "gen_ai.prompt.version": version,
                },
            )
        )
    raw, _ = iter_spans(p.request(spans))
    spans_ingest(project=tenant.project, raw_spans=raw)
    rows = tenant.client().get("/api/v1/prompts/qa/usage").json()
    assert [
        (r["version"], r["traces"], r["calls"], r["total_tokens"], r["error_rate"]) for r in rows
    ] == [
        ("1", 2, 2, 2200, 0.5),
        ("2", 1, 1, 1100, 0.0),
    ]
    assert rows[0]["mean_latency_ms"] == pytest.approx(150.0)
    assert rows[0]["cost_total"] == "0.000420000000"  # 2 x (1000 x 0.15 + 100 x 0.60) / 1M


class Receiver:
    """A webhook endpoint on loopback that answers with a scripted list of statuses."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver([])
    yield server
    server.close()


def subscribe(tenant: Tenant, url: str, events: list[str]) -> dict[str, Any]:
    response = tenant.client("admin").post(
        "/api/v1/webhooks", {"url": url, "events": events}, format="json"
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    assert body["secret"].startswith("whsec_")
    return body


def verify(secret: str, headers: dict[str, str], body: bytes) -> None:
    parts = dict(item.split("=", 1) for item in headers["x-llmops-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(parts["v1"], expected.hexdigest())


@pytest.mark.django_db
@pytest.mark.usefixtures("egress_allows_loopback")
def test_attempts_retry_recoverable_failures_and_record_each(
    tenant: Tenant, receiver: Receiver
) -> None:
    receiver.statuses = [503, 429]
    hook = subscribe(tenant, receiver.url, ["prompt.version_created"])
    prompt_create(project=tenant.project, name="x", prompt_type="text", template="a")
    delivery = WebhookDelivery.objects.get()
    for _ in range(2):
        with pytest.raises(webhooks.RetryLater):
            webhooks.attempt(delivery.pk)
    assert webhooks.attempt(delivery.pk) == DeliveryState.DELIVERED
    assert list(WebhookAttempt.objects.order_by("number").values_list("number", "status_code")) == [
        (1, 503),
        (2, 429),
        (3, 200),
    ]
    headers, body = receiver.requests[-1]
    verify(hook["secret"], headers, body)
    assert json.loads(body)["data"]["prompt"] == "x"
    deliveries = tenant.client("admin").get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert deliveries[0]["state"] == "delivered"
    assert [a["status_code"] for a in deliveries[0]["attempts"]] == [503, 429, 200]


@pytest.mark.django_db
@pytest.mark.usefixtures("egress_allows_loopback")
def test_client_errors_fail_at_once(tenant: Tenant, receiver: Receiver) -> None:
    receiver.statuses = [410]
    subscribe(tenant, receiver.url, ["prompt.version_created"])
    prompt_create(project=tenant.project, name="x", prompt_type="text", template="a")
    delivery = WebhookDelivery.objects.get()
    assert webhooks.attempt(delivery.pk) == DeliveryState.FAILED
    assert webhooks.attempt(delivery.pk) == DeliveryState.FAILED  # a redelivered task does nothing
    assert WebhookAttempt.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("egress_allows_loopback")
def test_unreachable_endpoint_gives_up_after_the_last_attempt(tenant: Tenant) -> None:
    WebhookSubscription.objects.create(
        project=tenant.project,
        url="http://127.0.0.1:9/closed",
        secret="s",
        events=["prompt.version_created"],
    )
    prompt_create(project=tenant.project, name="x", prompt_type="text", template="a")
    delivery = WebhookDelivery.objects.get()
    for _ in range(webhooks.MAX_ATTEMPTS - 1):
        with pytest.raises(webhooks.RetryLater):
            webhooks.attempt(delivery.pk)
    assert webhooks.attempt(delivery.pk) == DeliveryState.FAILED
    attempt = WebhookAttempt.objects.order_by("number").last()
    assert attempt is not None
    assert attempt.status_code is None
    assert attempt.error == "connection failed"


@pytest.mark.worker
@pytest.mark.usefixtures("egress_allows_loopback")
def test_a_real_worker_delivers_the_signed_label_moved_event_with_the_diff(
    worker: str, tenant: Tenant, receiver: Receiver
) -> None:
    hook = subscribe(tenant, receiver.url, ["prompt.label_moved"])
    prompt, _ = prompt_create(
        project=tenant.project,
        name="greet",
        prompt_type="text",
        template="Hello",
        labels=["production"],
    )
    v2 = version_create(prompt=Prompt.objects.get(pk=prompt.pk), template="Hello there").version
    label_move(prompt=prompt, label="production", version=v2, moved_by="ann", reason="warmer")
    assert wait_for(lambda: len(receiver.requests) >= 2, 30), "the worker delivered nothing"
    payloads = []
    for headers, body in receiver.requests:
        verify(hook["secret"], headers, body)
        assert headers["x-llmops-event"] == "prompt.label_moved"
        payloads.append(json.loads(body)["data"])
    moved = next(item for item in payloads if item["to_version"] == 2)
    assert (moved["from_version"], moved["moved_by"], moved["reason"]) == (1, "ann", "warmer")
    assert moved["diff"]["template"]["lines"] == [
        {"op": "removed", "old": 1, "new": None, "text": "Hello"},
        {"op": "added", "old": None, "new": 1, "text": "Hello there"},
    ]
    assert wait_for(
        lambda: set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}, 10
    )
