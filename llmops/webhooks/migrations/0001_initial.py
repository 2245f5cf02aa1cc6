"""Webhooks move out of the prompts app into their own: a change of Django's state only.

The tables (``prompts_webhook_*``), their rows, indexes and constraints stay exactly as the
prompts migrations made them, so on a live PostgreSQL this migration takes no lock and copies
nothing. This app's state adopts the models here; ``prompts/0005`` drops them from the prompts
app's state afterwards. A fresh database gets the tables from ``prompts/0001`` and then the same
two state changes. Content types (and the permissions that point at them) follow the models; on
a fresh database there are none yet, so that step does nothing there.
"""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("webhooksubscription", "webhookdelivery", "webhookattempt")


def _relabel(apps: Any, old: str, new: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects
    taken = set(
        content_types.filter(app_label=new, model__in=MODELS).values_list("model", flat=True)
    )
    content_types.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


def content_types_forward(apps: Any, schema_editor: Any) -> None:
    _relabel(apps, "prompts", "webhooks")


def content_types_backward(apps: Any, schema_editor: Any) -> None:
    _relabel(apps, "webhooks", "prompts")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("prompts", "0004_reduce_webhook_attempt_errors"),
        ("tenancy", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="WebhookSubscription",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("url", models.URLField(max_length=500)),
                        ("secret", models.CharField(max_length=100)),
                        ("events", models.JSONField(default=list)),
                        ("active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="tenancy.project",
                            ),
                        ),
                    ],
                    options={"db_table": "prompts_webhook_subscription"},
                ),
                migrations.CreateModel(
                    name="WebhookDelivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("event", models.CharField(max_length=64)),
                        ("payload", models.JSONField()),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("delivered", "Delivered"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=16,
                            ),
                        ),
                        ("attempt_count", models.PositiveIntegerField(default=0)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "subscription",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="webhooks.webhooksubscription",
                            ),
                        ),
                    ],
                    options={"db_table": "prompts_webhook_delivery"},
                ),
                migrations.CreateModel(
                    name="WebhookAttempt",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("number", models.PositiveIntegerField()),
                        ("attempted_at", models.DateTimeField(auto_now_add=True)),
                        ("status_code", models.PositiveIntegerField(null=True)),
                        ("error", models.CharField(blank=True, default="", max_length=500)),
                        ("duration_ms", models.FloatField()),
                        (
                            "delivery",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="attempts",
                                to="webhooks.webhookdelivery",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "prompts_webhook_attempt",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("delivery", "number"), name="prompts_attempt_unique"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
