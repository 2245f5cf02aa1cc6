"""Scores: numeric, boolean or categorical judgements attached to a trace or one of its spans.

They come from end users (thumbs up), annotators, app code through the SDK, and evaluators. A
score names its trace by id and does not require the trace to be stored yet: feedback often
arrives before the exporter has sent the spans it is about.
"""

from __future__ import annotations

import uuid

from django.db import models

from llmops.tenancy.models import Project


class DataType(models.TextChoices):
    NUMERIC = "numeric"
    BOOLEAN = "boolean"
    CATEGORICAL = "categorical"


class Source(models.TextChoices):
    API = "api"
    SDK = "sdk"
    ANNOTATION = "annotation"
    EVAL = "eval"


class Score(models.Model):
    # The key is (project, id): ids are chosen by clients, so they are unique per project only,
    # and one project can neither overwrite nor detect another's (no "already used" answer).
    pk = models.CompositePrimaryKey("project", "id")
    # Client-chosen ids make a retried send idempotent: the same id updates, never duplicates.
    id = models.UUIDField(default=uuid.uuid4)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    trace_id = models.CharField(max_length=32)
    span_id = models.CharField(max_length=16, blank=True, default="")
    name = models.CharField(max_length=100)
    data_type = models.CharField(max_length=12, choices=DataType.choices)
    # Numeric and boolean scores (true = 1, false = 0) have a value; categorical ones a label.
    # Booleans keep both, so they can be averaged and also filtered by "true"/"false".
    value = models.FloatField(null=True)
    string_value = models.CharField(max_length=200, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.API)
    metadata = models.JSONField(default=dict)
    author = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "scores_score"
        indexes = [
            models.Index(fields=["project", "trace_id"], name="scores_trace"),
            models.Index(fields=["project", "name", "created_at"], name="scores_name_time"),
        ]
