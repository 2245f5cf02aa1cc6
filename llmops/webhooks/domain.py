"""Writes of the webhooks context: subscriptions, publishing events (fan-out to deliveries) and
one signed delivery attempt. Every call goes through ``llmops.webhooks.egress``, which vets the
target at registration and at each attempt and reduces what the delivery log shows to a status
class.

Other contexts only call ``publish`` with an event of ``events``; they never touch the models or
the task.

Signature: header ``X-LLMOps-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
HMAC-SHA256 with the subscription's secret over ``"<t>.<raw body>"``. Receivers recompute it and
reject old timestamps, which defeats replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterable, Mapping
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from llmops.celery import app as celery_app
from llmops.tenancy.models import Project
from llmops.webhooks import egress
from llmops.webhooks.events import Event
from llmops.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

# The delivery task's name on the broker. It predates this context and stays as it was: queued
# messages and scheduled retries (up to an hour away) carry it, and during a rolling upgrade old
# workers only know this name, so a new one would drop deliveries. Renaming it would take two
# releases (register both, then send the new one), for no gain to anyone.
DELIVER_TASK = "prompts.deliver_webhook"
MAX_ATTEMPTS = 6
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 10


class RetryLater(Exception):
    """The attempt failed in a way that may recover (network, 429, 5xx)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def subscription_create(
    *, project: Project, url: str, events: Iterable[str]
) -> WebhookSubscription:
    """Subscribe ``url`` to ``events`` (names of ``events.CATALOGUE``); raises
    ``egress.EgressRefused`` (field ``url``) when the platform may not call it. The signing
    secret is on the returned row."""
    egress.check_url(url)
    return WebhookSubscription.objects.create(
        project=project,
        url=url,
        events=sorted(set(events)),
        secret="whsec_" + secrets.token_urlsafe(32),
    )


def subscription_delete(*, subscription: WebhookSubscription) -> None:
    """Delete the subscription with its deliveries and their attempts."""
    subscription.delete()


def publish[P: Mapping[str, object]](
    *, project: Project, event: Event[P], payload: P
) -> list[WebhookDelivery]:
    """Announce ``event`` in ``project``: a delivery per active subscription to it, sent after
    the caller's transaction commits (nothing is sent for a rolled-back change)."""
    deliveries = [
        WebhookDelivery.objects.create(
            subscription=subscription,
            event=event.name,
            payload={
                "event": event.name,
                "project": str(project.pk),
                "created_at": timezone.now().isoformat(),
                "data": dict(payload),
            },
        )
        for subscription in WebhookSubscription.objects.filter(project=project, active=True)
        if event.name in subscription.events
    ]
    for delivery in deliveries:
        # Only after commit: a worker must never look for a delivery that was rolled back.
        transaction.on_commit(partial(_enqueue, delivery.pk))
    return deliveries


def _enqueue(delivery_id: int) -> None:
    # By name: domain code does not import tasks.py (tasks import the domain).
    celery_app.send_task(DELIVER_TASK, args=[delivery_id])


def attempt(delivery_id: int) -> str:
    """Try one delivery once; record the attempt; return the delivery's state afterwards.

    Raises RetryLater when a later try may succeed and attempts remain. A target the egress
    policy refuses (its name now resolves to a refused address) fails at once: retrying would
    only ask the same question again.
    """
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != DeliveryState.PENDING:
        return delivery.state if delivery else DeliveryState.FAILED
    number = delivery.attempt_count + 1
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    started = time.perf_counter()
    outcome = egress.post(
        delivery.subscription.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "llmops-webhooks/1",
            "X-LLMOps-Event": delivery.event,
            "X-LLMOps-Delivery": str(delivery.pk),
            "X-LLMOps-Signature": sign(delivery.subscription.secret, timestamp, body),
        },
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )
    duration_ms = (time.perf_counter() - started) * 1000
    # Only the status class is kept: exception texts, ports and bodies would make this log a
    # way to probe whatever the platform can reach.
    error = "" if outcome.ok else outcome.result
    if outcome.ok:
        state = DeliveryState.DELIVERED
    elif outcome.recoverable and number < MAX_ATTEMPTS:
        state = DeliveryState.PENDING
    else:
        state = DeliveryState.FAILED
    with transaction.atomic():
        # The unique (delivery, number) makes a duplicated task run record nothing twice.
        _, created = WebhookAttempt.objects.get_or_create(
            delivery=delivery,
            number=number,
            defaults={"status_code": outcome.status, "error": error, "duration_ms": duration_ms},
        )
        if created:
            WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(
                attempt_count=F("attempt_count") + 1, state=state
            )
    if state == DeliveryState.PENDING:
        raise RetryLater(outcome.result, retry_after=outcome.retry_after)
    return state
