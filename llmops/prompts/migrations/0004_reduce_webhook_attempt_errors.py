"""Attempts recorded before the egress module kept exception texts (ports, addresses, "Connection
refused"), readable through the deliveries API. Reduce them to the status class that new attempts
store. Set-based and rerunnable: a second run changes nothing."""

from typing import Any

from django.db import migrations
from django.db.models import Q

CLASSES = ("", "3xx", "4xx", "5xx", "timeout", "connection failed", "refused by egress policy")


def reduce_errors(apps: Any, schema_editor: Any) -> None:
    attempts = apps.get_model("prompts", "WebhookAttempt").objects
    for low, label in ((300, "3xx"), (400, "4xx"), (500, "5xx")):
        attempts.filter(status_code__gte=low, status_code__lt=low + 100).exclude(
            error=label
        ).update(error=label)
    unknown = attempts.filter(status_code__isnull=True).exclude(error__in=CLASSES)
    unknown.filter(Q(error__icontains="timed out") | Q(error__icontains="timeout")).update(
        error="timeout"
    )
    unknown.update(error="connection failed")


class Migration(migrations.Migration):
    dependencies = [
        ("prompts", "0003_model_webhook_events"),
    ]

    operations = [migrations.RunPython(reduce_errors, migrations.RunPython.noop)]
