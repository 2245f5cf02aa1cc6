"""Webhook subscriptions, the deliveries events create, and every attempt at one.

The tables keep the names they had when webhooks lived in the prompts app: moving the models
here changed Django's state only (``webhooks/0001``, ``prompts/0005``), not the schema, so an
upgrade copies and locks nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from llmops.tenancy.models import Project


class WebhookSubscription(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    # Used to sign payloads, so it must be readable; returned only when created.
    secret = models.CharField(max_length=100)
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "prompts_webhook_subscription"


class DeliveryState(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(models.Model):
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    # An event name of the catalogue (``events.CATALOGUE``); plain text, without choices, so a
    # new event needs no migration.
    event = models.CharField(max_length=64)
    payload = models.JSONField()
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "prompts_webhook_delivery"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True)
    error = models.CharField(max_length=500, blank=True, default="")
    duration_ms = models.FloatField()

    class Meta:
        db_table = "prompts_webhook_attempt"
        constraints = [
            # Named as in the database, which the move left as it was.
            models.UniqueConstraint(fields=["delivery", "number"], name="prompts_attempt_unique")
        ]
