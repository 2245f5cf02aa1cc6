"""Reads of the webhooks context, always within one project."""

from __future__ import annotations

from django.db.models import QuerySet

from llmops.tenancy.models import Project
from llmops.webhooks.models import WebhookDelivery, WebhookSubscription

RECENT_DELIVERIES = 100


def subscription_list(*, project: Project) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(project=project).order_by("id")


def subscription_get(*, project: Project, subscription_id: int) -> WebhookSubscription | None:
    """The project's subscription, or None for a missing one and for another project's alike."""
    return WebhookSubscription.objects.filter(project=project, pk=subscription_id).first()


def deliveries_recent(*, subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """The latest deliveries, newest first, with their attempts in one more query."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .prefetch_related("attempts")
        .order_by("-id")[:RECENT_DELIVERIES]
    )
