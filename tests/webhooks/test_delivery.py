"""Signed webhook deliveries: one recorded attempt per try, retries of what can recover, and a
real worker delivering a published event."""

from __future__ import annotations

import json

import pytest

from llmops.prompts.domain import label_move, prompt_create, version_create
from llmops.prompts.models import Prompt
from llmops.webhooks import domain as webhooks
from llmops.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from tests.conftest import Tenant, wait_for
from tests.webhooks.receivers import Receiver, subscribe, verify


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
