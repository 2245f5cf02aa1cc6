"""Webhook deliveries: fan-out on events, signed POSTs, one recorded attempt per try.

Signature: header ``X-LLMOps-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
HMAC-SHA256 with the subscription's secret over ``"<t>.<raw body>"``. Receivers recompute it and
reject old timestamps, which defeats replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from llmops.celery import app as celery_app
from llmops.prompts.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from llmops.tenancy.models import Project

DELIVER_TASK = "prompts.deliver_webhook"
MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 10


class RetryLater(Exception):
    """The attempt failed in a way that may recover (network, 429, 5xx)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def fanout(*, project: Project, event: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Create a delivery per active subscription to ``event`` and send them after commit."""
    deliveries = [
        WebhookDelivery.objects.create(
            subscription=subscription,
            event=event,
            payload={
                "event": event,
                "project": str(project.pk),
                "created_at": timezone.now().isoformat(),
                "data": payload,
            },
        )
        for subscription in WebhookSubscription.objects.filter(project=project, active=True)
        if event in subscription.events
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

    Raises RetryLater when a later try may succeed and attempts remain.
    """
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != DeliveryState.PENDING:
        return delivery.state if delivery else DeliveryState.FAILED
    number = delivery.attempt_count + 1
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 — the URL was validated as http(s).
        delivery.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "llmops-webhooks/1",
            "X-LLMOps-Event": delivery.event,
            "X-LLMOps-Delivery": str(delivery.pk),
            "X-LLMOps-Signature": sign(delivery.subscription.secret, timestamp, body),
        },
    )
    started = time.perf_counter()
    status: int | None = None
    error = ""
    retry_after: float | None = None
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        error = f"HTTP {exc.code}"
        header = exc.headers.get("Retry-After") if exc.headers else None
        if header and header.isdigit():
            retry_after = float(header)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration_ms = (time.perf_counter() - started) * 1000
    recoverable = status is None or status == 429 or status >= 500 or status == 408
    if status is not None and 200 <= status < 300:
        state = DeliveryState.DELIVERED
    elif recoverable and number < MAX_ATTEMPTS:
        state = DeliveryState.PENDING
    else:
        state = DeliveryState.FAILED
    with transaction.atomic():
        # The unique (delivery, number) makes a duplicated task run record nothing twice.
        _, created = WebhookAttempt.objects.get_or_create(
            delivery=delivery,
            number=number,
            defaults={"status_code": status, "error": error, "duration_ms": duration_ms},
        )
        if created:
            WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(
                attempt_count=F("attempt_count") + 1, state=state
            )
    if state == DeliveryState.PENDING:
        raise RetryLater(error or f"HTTP {status}", retry_after=retry_after)
    return state
