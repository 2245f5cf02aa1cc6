"""Experiment tracking in MLflow's model: experiments, runs, their params, metrics, tags and inputs.

Every row belongs to a project. MLflow names an experiment by a string id; here it is a number
counted per project (``"0"`` is the project's lazily created "Default" experiment). Runs are named
by a 32-hex id, unique across the platform, and always looked up together with their project.
"""

from __future__ import annotations

from django.db import models

from llmops.tenancy.models import Project


class LifecycleStage(models.TextChoices):
    ACTIVE = "active"
    DELETED = "deleted"


class RunStatus(models.TextChoices):
    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"


class LoggedModelStatus(models.TextChoices):
    PENDING = "LOGGED_MODEL_PENDING"
    READY = "LOGGED_MODEL_READY"
    UPLOAD_FAILED = "LOGGED_MODEL_UPLOAD_FAILED"


class Experiment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    # The MLflow experiment_id, per project.
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=500)
    artifact_location = models.CharField(max_length=1000)
    lifecycle_stage = models.CharField(
        max_length=10, choices=LifecycleStage.choices, default=LifecycleStage.ACTIVE
    )
    creation_time = models.BigIntegerField()
    last_update_time = models.BigIntegerField()
    tags = models.JSONField(default=dict)

    class Meta:
        db_table = "tracking_experiment"
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="tracking_exp_number"),
            models.UniqueConstraint(fields=["project", "name"], name="tracking_exp_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Run(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="runs")
    run_id = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=500, blank=True, default="")
    user_id = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    start_time = models.BigIntegerField()
    end_time = models.BigIntegerField(null=True)
    lifecycle_stage = models.CharField(
        max_length=10, choices=LifecycleStage.choices, default=LifecycleStage.ACTIVE
    )
    artifact_uri = models.CharField(max_length=1000)

    class Meta:
        db_table = "tracking_run"
        indexes = [models.Index(fields=["project", "experiment", "start_time"], name="run_exp_t")]

    def __str__(self) -> str:
        return self.run_id


class RunTag(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="tags")
    key = models.CharField(max_length=250)
    value = models.TextField(blank=True, default="")

    class Meta:
        db_table = "tracking_run_tag"
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="tracking_tag_key")]


class Param(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="params")
    key = models.CharField(max_length=250)
    value = models.TextField(blank=True, default="")

    class Meta:
        db_table = "tracking_param"
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="tracking_param_key")]


class Metric(models.Model):
    """One logged value: the full history is kept."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="metric_history")
    key = models.CharField(max_length=250)
    value = models.FloatField(null=True)
    # NaN and infinities are stored apart: not every database keeps them in a float column.
    special = models.CharField(max_length=10, blank=True, default="")
    timestamp = models.BigIntegerField()
    step = models.BigIntegerField(default=0)

    class Meta:
        db_table = "tracking_metric"
        indexes = [models.Index(fields=["run", "key", "step"], name="tracking_metric_hist")]


class LatestMetric(models.Model):
    """The value with the highest (step, timestamp) per run and key: what search compares."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="latest_metrics")
    key = models.CharField(max_length=250)
    value = models.FloatField(null=True)
    special = models.CharField(max_length=10, blank=True, default="")
    timestamp = models.BigIntegerField()
    step = models.BigIntegerField(default=0)

    class Meta:
        db_table = "tracking_latest_metric"
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="tracking_latest_key")]


class RunInput(models.Model):
    """A dataset a run used."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="dataset_inputs")
    name = models.CharField(max_length=500)
    digest = models.CharField(max_length=100)
    source_type = models.CharField(max_length=100, blank=True, default="")
    source = models.TextField(blank=True, default="")
    schema = models.TextField(blank=True, default="")
    profile = models.TextField(blank=True, default="")
    tags = models.JSONField(default=dict)

    class Meta:
        db_table = "tracking_run_input"
        constraints = [
            models.UniqueConstraint(fields=["run", "name", "digest"], name="tracking_input_ds")
        ]


class LoggedModel(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="models")
    model_id = models.CharField(max_length=34, unique=True)
    name = models.CharField(max_length=500)
    artifact_uri = models.CharField(max_length=1000)
    status = models.CharField(
        max_length=30, choices=LoggedModelStatus.choices, default=LoggedModelStatus.PENDING
    )
    status_message = models.TextField(blank=True, default="")
    model_type = models.CharField(max_length=200, blank=True, default="")
    source_run_id = models.CharField(max_length=32, blank=True, default="")
    lifecycle_stage = models.CharField(
        max_length=10, choices=LifecycleStage.choices, default=LifecycleStage.ACTIVE
    )
    creation_timestamp_ms = models.BigIntegerField()
    last_updated_timestamp_ms = models.BigIntegerField()
    tags = models.JSONField(default=dict)
    params = models.JSONField(default=dict)

    class Meta:
        db_table = "tracking_logged_model"
        indexes = [models.Index(fields=["project", "experiment"], name="tracking_model_exp")]

    def __str__(self) -> str:
        return self.model_id


class RunOutput(models.Model):
    """A logged model a run produced (runs/outputs)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="model_outputs")
    model_id = models.CharField(max_length=34)
    step = models.BigIntegerField(default=0)

    class Meta:
        db_table = "tracking_run_output"
        constraints = [
            models.UniqueConstraint(fields=["run", "model_id"], name="tracking_output_model")
        ]
