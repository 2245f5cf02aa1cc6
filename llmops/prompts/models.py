"""Prompts, their immutable versions, labels (movable pointers) and the history of every move."""

from __future__ import annotations

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
