"""Moving the webhook models from the prompts app to their own changes Django's state only: rows
written before the move are read through the webhooks app afterwards, and content types follow."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from llmops.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.conftest import Tenant

# Unapplies webhooks/0001, and prompts/0005 with it.
BEFORE_THE_MOVE: list[tuple[str, str | None]] = [("webhooks", None)]


def _migrate(targets: list[tuple[str, str | None]] | None = None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_survive_it(tenant: Tenant) -> None:
    executor = _migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state(("prompts", "0004_reduce_webhook_attempt_errors")).apps
    subscription = old.get_model("prompts", "WebhookSubscription").objects.create(
        project_id=tenant.project.pk,
        url="https://hooks.example.com/x",
        secret="whsec_old",
        events=["prompt.label_moved"],
    )
    delivery = old.get_model("prompts", "WebhookDelivery").objects.create(
        subscription=subscription,
        event="prompt.label_moved",
        payload={"event": "prompt.label_moved", "data": {"label": "production"}},
        state="pending",
        attempt_count=1,
    )
    old.get_model("prompts", "WebhookAttempt").objects.create(
        delivery=delivery, number=1, status_code=503, error="5xx", duration_ms=12.5
    )
    ContentType.objects.get_or_create(app_label="prompts", model="webhooksubscription")

    _migrate()
    ContentType.objects.clear_cache()

    moved = WebhookSubscription.objects.get()
    assert (moved.pk, moved.project_id, moved.secret) == (
        subscription.pk,
        tenant.project.pk,
        "whsec_old",
    )
    assert list(
        WebhookDelivery.objects.values_list("pk", "subscription_id", "state", "attempt_count")
    ) == [(delivery.pk, subscription.pk, "pending", 1)]
    assert list(WebhookAttempt.objects.values_list("delivery_id", "number", "error")) == [
        (delivery.pk, 1, "5xx")
    ]
    assert ContentType.objects.get_for_model(WebhookSubscription).app_label == "webhooks"
    assert not ContentType.objects.filter(app_label="prompts", model="webhooksubscription").exists()
