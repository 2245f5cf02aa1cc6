"""Datasets, provider connections, suites, runs and their results, release gates, schedules
and online evaluation rules."""

from __future__ import annotations

import uuid

from django.db import models

from llmops.prompts.models import Prompt, PromptVersion
from llmops.tenancy.models import Project


class Dataset(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # Free-form, as Langfuse datasets carry it; the platform itself reads none of it.
    metadata = models.JSONField(default=dict, db_default={})
    latest_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "evaluation_dataset"
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="evaluation_dataset_name")
        ]


class DatasetVersion(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    item_count = models.PositiveIntegerField()
    note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "evaluation_dataset_version"
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="evaluation_dsv_number")
        ]


class DatasetItem(models.Model):
    """One item as it was from version ``added_in`` up to (not including) ``removed_in``.

    Items are never edited: a change ends the old row and starts a new one with the same key,
    so every dataset version stays readable exactly as a run saw it.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=200)
    input = models.JSONField(null=True)
    expected = models.JSONField(null=True)
    metadata = models.JSONField(default=dict)
    source_trace_id = models.CharField(max_length=32, blank=True, default="")
    source_span_id = models.CharField(max_length=16, blank=True, default="")
    added_in = models.PositiveIntegerField()
    removed_in = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        db_table = "evaluation_dataset_item"
        indexes = [
            models.Index(fields=["dataset", "added_in"], name="evaluation_item_added"),
            models.Index(fields=["dataset", "key"], name="evaluation_item_key"),
        ]


class ProviderConnection(models.Model):
    """An OpenAI-compatible endpoint; the API key is encrypted at rest and never returned."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    base_url = models.URLField(max_length=500)
    model_names = models.JSONField(default=list)
    api_key_encrypted = models.TextField(blank=True, default="")
    concurrency = models.PositiveIntegerField(default=8)
    timeout_seconds = models.FloatField(default=60.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "evaluation_provider_connection"
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="evaluation_connection_name")
        ]


class Suite(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="+")
    # {"type": "prompt", "prompt": name, "connection": name, "model": m, "params": {...}}
    # or {"type": "outputs"} (the client posts the outputs).
    target = models.JSONField()
    evaluators = models.JSONField()
    thresholds = models.JSONField(default=list)
    # The label whose version's run is the baseline of "no regression" thresholds.
    baseline_label = models.CharField(max_length=64, default="production")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "evaluation_suite"
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="evaluation_suite_name")
        ]


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    ERRORED = "errored"
    CANCELLED = "cancelled"


FINISHED = (RunStatus.PASSED, RunStatus.FAILED, RunStatus.ERRORED, RunStatus.CANCELLED)


class Trigger(models.TextChoices):
    MANUAL = "manual"
    GATE = "gate"
    SCHEDULE = "schedule"
    CI = "ci"
    BASELINE = "baseline"
    # Outputs produced and judged by an external client's experiment runner (Langfuse SDKs),
    # recorded item by item as they arrive.
    EXPERIMENT = "experiment"


class Run(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    suite = models.ForeignKey(Suite, on_delete=models.CASCADE, related_name="runs")
    dataset_version = models.PositiveIntegerField()
    prompt_version = models.ForeignKey(
        PromptVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The run of the version behind the suite's baseline label that "no regression" thresholds
    # and pairwise judges compare with; this run starts when that one has finished.
    baseline = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="dependents"
    )
    schedule = models.ForeignKey(
        "Schedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Everything the run needs, resolved when it starts (templates, judge rubrics, models), so
    # chunks run later or again see exactly the same configuration.
    config = models.JSONField(default=dict)
    # Same prompt version, dataset version and resolved evaluators: a passing run can be reused.
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=12, choices=Trigger.choices, default=Trigger.MANUAL)
    total_items = models.PositiveIntegerField(default=0)
    lanes = models.PositiveSmallIntegerField(default=2)
    summary = models.JSONField(default=dict)
    threshold_results = models.JSONField(default=list)
    error = models.TextField(blank=True, default="")
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "evaluation_run"
        indexes = [
            models.Index(fields=["project", "suite", "-created_at"], name="evaluation_run_suite"),
            models.Index(fields=["suite", "fingerprint", "status"], name="evaluation_run_reuse"),
        ]


class RunResult(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(DatasetItem, on_delete=models.PROTECT, related_name="+")
    item_key = models.CharField(max_length=200)
    output = models.JSONField(null=True)
    # {evaluator name: {"score", "passed", "label", "reason", "error"}}
    verdicts = models.JSONField(default=dict)
    error = models.TextField(blank=True, default="")
    latency_ms = models.FloatField(null=True)
    total_tokens = models.IntegerField(default=0)
    # The trace holding this item's calls to the target and judges ("" when it made none).
    trace_id = models.CharField(max_length=32, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "evaluation_run_result"
        constraints = [
            # A retried chunk writes nothing twice.
            models.UniqueConstraint(fields=["run", "item"], name="evaluation_result_once")
        ]


class Experiment(models.Model):
    """An experiment run by an external client (a Langfuse dataset run, a LangSmith session),
    keyed by the client's experiment id. Its run exists from the first item recorded; scores of
    the experiment as a whole (run-level evaluations) may come before that and are kept here."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True, default="")
    run = models.OneToOneField(
        Run, null=True, blank=True, on_delete=models.CASCADE, related_name="experiment"
    )
    # {score name: {"score", "label", "reason", "id"}}: the run-level scores.
    scores = models.JSONField(default=dict)
    # A LangSmith session (tracing project) has its own UUID, unique name, and, as an
    # experiment of evaluate(), its reference dataset from the start (before any item runs).
    session_id = models.UUIDField(null=True, blank=True)
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True, default="", db_default="")
    extra = models.JSONField(default=dict, db_default={})
    end_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "evaluation_experiment"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "external_id"], name="evaluation_experiment_once"
            ),
            models.UniqueConstraint(
                fields=["project", "session_id"],
                condition=models.Q(session_id__isnull=False),
                name="evaluation_session_once",
            ),
            # LangSmith refuses a second session of a name (evaluate() then picks another).
            models.UniqueConstraint(
                fields=["project", "name"],
                condition=models.Q(session_id__isnull=False),
                name="evaluation_session_name_once",
            ),
        ]


class RunLane(models.Model):
    """One of the run's parallel lanes: the task working it proves it is alive by heartbeats.

    A lane whose heartbeat stops (a killed worker) is handed to a new task with a new token;
    the old task, should it still be alive, sees the token change and stops.
    """

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="lane_rows")
    lane = models.PositiveSmallIntegerField()
    token = models.UUIDField(default=uuid.uuid4)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    done = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "evaluation_run_lane"
        constraints = [models.UniqueConstraint(fields=["run", "lane"], name="evaluation_lane_once")]


class LabelGate(models.Model):
    """A protected label's gate: the suites a version must pass to be promoted onto it."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=64)
    suite = models.ForeignKey(Suite, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "evaluation_label_gate"
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "label", "suite"], name="evaluation_gate_once"
            )
        ]


class LabelHealth(models.Model):
    """Set by scheduled runs: a label whose version failed its last scheduled run is failing."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=64)
    failing = models.BooleanField(default=False)
    run = models.ForeignKey(Run, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "evaluation_label_health"
        constraints = [
            models.UniqueConstraint(fields=["prompt", "label"], name="evaluation_health_once")
        ]


class PromotionStatus(models.TextChoices):
    PENDING = "pending"
    PASSED = "passed"
    REFUSED = "refused"
    ERRORED = "errored"


class Promotion(models.Model):
    """One attempt to move a protected label onto a version, with the runs that decided it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=64)
    version = models.ForeignKey(PromptVersion, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=PromotionStatus.choices, default=PromotionStatus.PENDING
    )
    runs = models.ManyToManyField(Run, related_name="promotions")
    failures = models.JSONField(default=list)
    reason = models.CharField(max_length=500, blank=True, default="")
    requested_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "evaluation_promotion"


class Schedule(models.Model):
    """Runs a suite on the version behind a label, on a cron expression or an interval."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    suite = models.ForeignKey(Suite, on_delete=models.CASCADE, related_name="schedules")
    label = models.CharField(max_length=64, default="production")
    cron = models.CharField(max_length=100, blank=True, default="")
    every_seconds = models.PositiveIntegerField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    last_run = models.ForeignKey(Run, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "evaluation_schedule"


class OnlineRule(models.Model):
    """Evaluators applied to a sample of newly ingested traces; results become scores."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    # Trace filters, as the trace list takes them: {"name": ..., "tags": [...], ...}
    filter = models.JSONField(default=dict)
    sampling_rate = models.FloatField(default=1.0)
    evaluators = models.JSONField()
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "evaluation_online_rule"
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="evaluation_rule_name")
        ]
