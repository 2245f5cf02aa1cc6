"""The event catalogue is what subscriptions accept; other contexts publish through it alone; a
model event is delivered and signed like a prompt event; queued deliveries keep their task."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from llmops.celery import app as celery_app
from llmops.registry import domain as registry
from llmops.webhooks import domain as webhooks
from llmops.webhooks import events
from llmops.webhooks.models import DeliveryState, WebhookDelivery
from tests.conftest import Tenant
from tests.webhooks.receivers import Receiver, subscribe, verify

LLMOPS = Path(__file__).resolve().parents[2] / "llmops"


def test_the_catalogue_lists_each_event_once_with_its_payload_fields() -> None:
    assert {
        name: sorted(event.payload.__annotations__) for name, event in events.CATALOGUE.items()
    } == {
        "prompt.version_created": ["author", "commit_message", "content_hash", "prompt", "version"],
        "prompt.label_moved": [
            "diff",
            "from_version",
            "label",
            "moved_by",
            "prompt",
            "reason",
            "to_version",
        ],
        "evaluation.run_failed": [
            "error",
            "failed_thresholds",
            "label",
            "prompt",
            "run",
            "status",
            "suite",
            "version",
        ],
        "model.version_created": ["created_by", "model", "run_id", "source", "version"],
        "model.alias_moved": [
            "alias",
            "from_version",
            "gate_checks",
            "gate_passed",
            "model",
            "moved_by",
            "to_version",
        ],
    }


@pytest.mark.django_db
def test_a_subscription_to_an_event_outside_the_catalogue_is_refused(tenant: Tenant) -> None:
    response = tenant.client("admin").post(
        "/api/v1/webhooks",
        {"url": "https://hooks.example.com/x", "events": ["prompt.deleted"]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["events.0"]


@pytest.mark.django_db
def test_publishing_without_subscribers_creates_nothing(tenant: Tenant) -> None:
    payload = events.ModelVersionCreated(
        model="m", version=1, source="s3://b/1", run_id=None, created_by=""
    )
    assert (
        webhooks.publish(
            project=tenant.project, event=events.MODEL_VERSION_CREATED, payload=payload
        )
        == []
    )
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("egress_allows_loopback")
def test_a_model_alias_move_is_delivered_signed_like_prompt_events(
    tenant: Tenant, receiver: Receiver
) -> None:
    hook = subscribe(tenant, receiver.url, ["model.alias_moved"])
    model = registry.model_create(project=tenant.project, name="m")
    version = registry.version_create(model=model, source="s3://b/1")
    registry.alias_set(model=model, alias="prod", version=version, moved_by="ann")
    delivery = WebhookDelivery.objects.get()
    assert webhooks.attempt(delivery.pk) == DeliveryState.DELIVERED
    headers, body = receiver.requests[0]
    verify(hook["secret"], headers, body)
    assert headers["x-llmops-event"] == "model.alias_moved"
    sent = json.loads(body)
    assert (sent["event"], sent["project"]) == ("model.alias_moved", str(tenant.project.pk))
    assert sent["data"] == {
        "model": "m",
        "alias": "prod",
        "from_version": None,
        "to_version": 1,
        "moved_by": "ann",
        "gate_passed": False,
        "gate_checks": [],
    }


def test_the_delivery_task_keeps_the_name_queued_messages_carry() -> None:
    celery_app.loader.import_default_modules()
    assert webhooks.DELIVER_TASK == "prompts.deliver_webhook"
    task = celery_app.tasks[webhooks.DELIVER_TASK]
    assert task.run.__module__ == "llmops.webhooks.tasks"


def _webhook_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {name for name in names if name.startswith("llmops.webhooks")}
    return found


def test_other_contexts_only_publish_through_the_domain_and_the_catalogue() -> None:
    allowed = {"llmops.webhooks.domain", "llmops.webhooks.events"}
    offending = {
        str(path.relative_to(LLMOPS)): sorted(imports - allowed)
        for path in LLMOPS.rglob("*.py")
        if not path.is_relative_to(LLMOPS / "webhooks")
        and path.name not in ("settings.py", "urls.py")
        and (imports := _webhook_imports(path)) - allowed
    }
    assert offending == {}
