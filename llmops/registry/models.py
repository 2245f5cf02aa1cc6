"""The model registry: named models, their numbered versions, aliases and stages.

MLflow's registry concepts, stored per project. Aliases and stages keep their full history
(who moved what, when), and either may carry a gate: metric thresholds on the version's source
run and evaluation suites that must have passed on the version.
"""

from __future__ import annotations

from django.db import models

from llmops.tenancy.models import Project


class Stage(models.TextChoices):
    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"


class VersionStatus(models.TextChoices):
    PENDING_REGISTRATION = "PENDING_REGISTRATION"
    FAILED_REGISTRATION = "FAILED_REGISTRATION"
    READY = "READY"


class RegisteredModel(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=256)
    description = models.TextField(blank=True, default="")
    tags = models.JSONField(default=dict)
    # Version numbers are never reused, even after a version is deleted.
    last_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "registry_model"
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="registry_model_name")
        ]

    def __str__(self) -> str:
        return self.name


class ModelVersion(models.Model):
    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    source = models.TextField(blank=True, default="")
    # The MLflow run id that produced the version; the run may live outside the platform.
    run_id = models.CharField(max_length=64, blank=True, default="")
    run_link = models.TextField(blank=True, default="")
    # MLflow 3: the LoggedModel (m-<hex>) the version registers, when given.
    logged_model_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(
        max_length=24, choices=VersionStatus.choices, default=VersionStatus.READY
    )
    status_message = models.TextField(blank=True, default="")
    description = models.TextField(blank=True, default="")
    current_stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.NONE)
    user_id = models.CharField(max_length=200, blank=True, default="")
    tags = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "registry_model_version"
        constraints = [
            models.UniqueConstraint(fields=["model", "version"], name="registry_version_number")
        ]
        indexes = [
            models.Index(fields=["model", "current_stage"], name="registry_version_stage"),
            models.Index(fields=["run_id"], name="registry_version_run"),
        ]

    def __str__(self) -> str:
        return f"{self.model.name} v{self.version}"


class ModelAlias(models.Model):
    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=256)
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="aliases")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "registry_model_alias"
        constraints = [
            models.UniqueConstraint(fields=["model", "alias"], name="registry_alias_name")
        ]


class AliasMove(models.Model):
    """One change of an alias: set (to a version) or deleted (``to_version`` is None)."""

    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="+")
    alias = models.CharField(max_length=256)
    # Version numbers, so the history survives the deletion of a version.
    from_version = models.PositiveIntegerField(null=True, blank=True)
    to_version = models.PositiveIntegerField(null=True, blank=True)
    moved_by = models.CharField(max_length=200, blank=True, default="")
    gate_passed = models.BooleanField(default=False)
    # What the gate checked and found satisfied, one sentence per condition.
    gate_checks = models.JSONField(default=list)
    moved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "registry_alias_move"
        indexes = [models.Index(fields=["model", "alias", "moved_at"], name="registry_move_alias")]


class StageTransition(models.Model):
    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    archive_existing_versions = models.BooleanField(default=False)
    # Set on the transitions made because another version moved into the stage.
    caused_by_version = models.PositiveIntegerField(null=True, blank=True)
    transitioned_by = models.CharField(max_length=200, blank=True, default="")
    gate_passed = models.BooleanField(default=False)
    gate_checks = models.JSONField(default=list)
    transitioned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "registry_stage_transition"
        indexes = [
            models.Index(fields=["model", "version", "transitioned_at"], name="registry_stage_hist")
        ]


class GateKind(models.TextChoices):
    ALIAS = "alias"
    STAGE = "stage"


class ModelGate(models.Model):
    """What a version must satisfy before an alias points at it or it enters a stage.

    ``metrics``: ``[{"key": ..., "min": ..., "max": ...}]`` checked against the latest metrics of
    the version's source run; ``suites``: names of evaluation suites that must have a passed run
    linked to the version (an ``evaluated`` lineage edge).
    """

    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="gates")
    kind = models.CharField(max_length=8, choices=GateKind.choices)
    target = models.CharField(max_length=256)
    metrics = models.JSONField(default=list)
    suites = models.JSONField(default=list)
    updated_by = models.CharField(max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "registry_gate"
        constraints = [
            models.UniqueConstraint(fields=["model", "kind", "target"], name="registry_gate_target")
        ]
