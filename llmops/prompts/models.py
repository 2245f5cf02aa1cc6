"""Prompts, their immutable versions, labels (movable pointers) and the history of every move."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from llmops.tenancy.models import Project


class PromptType(models.TextChoices):
    TEXT = "text"
    CHAT = "chat"


class Prompt(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    # May contain "/" to place the prompt in folders.
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=8, choices=PromptType.choices)
    tags = models.JSONField(default=list)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "prompts_prompt"
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="prompts_prompt_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PromptVersion(models.Model):
    """Never updated after creation; a change is a new version."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    # A string for text prompts; a list of messages for chat prompts, where a message is
    # {"role", "content"} or a placeholder {"type": "placeholder", "name"}.
    template = models.JSONField()
    config = models.JSONField(default=dict)
    variables = models.JSONField(default=list)
    includes = models.JSONField(default=list)
    commit_message = models.CharField(max_length=500, blank=True, default="")
    author = models.CharField(max_length=200, blank=True, default="")
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "prompts_version"
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "number"], name="prompts_version_unique_number"
            )
        ]


class PromptLabel(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=64)
    version = models.ForeignKey(PromptVersion, on_delete=models.PROTECT, related_name="+")
    protected = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "prompts_label"
        constraints = [
            models.UniqueConstraint(fields=["prompt", "name"], name="prompts_label_unique_name")
        ]


class LabelMove(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="label_moves")
    label = models.CharField(max_length=64)
    from_version = models.ForeignKey(
        PromptVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_version = models.ForeignKey(PromptVersion, on_delete=models.PROTECT, related_name="+")
    moved_by = models.CharField(max_length=200, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    moved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "prompts_label_move"
        indexes = [
            models.Index(fields=["prompt", "label", "moved_at"], name="prompts_move_history")
        ]


class WebhookEvent(models.TextChoices):
    VERSION_CREATED = "prompt.version_created"
    LABEL_MOVED = "prompt.label_moved"
    # A scheduled evaluation run of a label's version did not pass.
    EVALUATION_RUN_FAILED = "evaluation.run_failed"
    MODEL_VERSION_CREATED = "model.version_created"
    MODEL_ALIAS_MOVED = "model.alias_moved"


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
    event = models.CharField(max_length=64, choices=WebhookEvent.choices)
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
            models.UniqueConstraint(fields=["delivery", "number"], name="prompts_attempt_unique")
        ]
