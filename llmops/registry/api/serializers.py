from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from llmops.restapi.strict import StrictInputSerializer


class AliasOutput(serializers.Serializer[Any]):
    alias = serializers.CharField()
    version = serializers.IntegerField()


class ModelSummaryOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    description = serializers.CharField()
    tags = serializers.DictField(child=serializers.CharField())
    latest_version = serializers.IntegerField(allow_null=True)
    aliases = AliasOutput(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ModelListOutput(serializers.Serializer[Any]):
    items = ModelSummaryOutput(many=True)


@extend_schema_serializer(component_name="ModelVersion")  # prompts has a VersionOutput too
class VersionOutput(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]
    run_id = serializers.CharField()
    run_link = serializers.CharField()
    model_id = serializers.CharField(source="logged_model_id")
    status = serializers.CharField()
    description = serializers.CharField()
    current_stage = serializers.CharField()
    user_id = serializers.CharField()
    tags = serializers.DictField(child=serializers.CharField())
    aliases = serializers.ListField(child=serializers.CharField())
    lineage_ref = serializers.CharField(
        help_text="The version's ref in the lineage graph (kind model_version)."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class AliasMoveOutput(serializers.Serializer[Any]):
    alias = serializers.CharField()
    from_version = serializers.IntegerField(allow_null=True)
    to_version = serializers.IntegerField(
        allow_null=True, help_text="None when the alias was deleted."
    )
    moved_by = serializers.CharField()
    gate_passed = serializers.BooleanField()
    gate_checks = serializers.ListField(
        child=serializers.CharField(), help_text="The gate's conditions found satisfied."
    )
    moved_at = serializers.DateTimeField()


class StageTransitionOutput(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    from_stage = serializers.CharField()
    to_stage = serializers.CharField()
    archive_existing_versions = serializers.BooleanField()
    caused_by_version = serializers.IntegerField(
        allow_null=True,
        help_text="Set when the version was archived because this version entered its stage.",
    )
    transitioned_by = serializers.CharField()
    gate_passed = serializers.BooleanField()
    gate_checks = serializers.ListField(
        child=serializers.CharField(), help_text="The gate's conditions found satisfied."
    )
    transitioned_at = serializers.DateTimeField()


class MetricThresholdSchema(serializers.Serializer[Any]):
    key = serializers.CharField()
    min = serializers.FloatField(required=False)
    max = serializers.FloatField(required=False)


@extend_schema_serializer(component_name="ModelGate")  # evaluation has a GateOutput too
class GateOutput(serializers.Serializer[Any]):
    alias = serializers.CharField(allow_null=True)
    stage = serializers.CharField(allow_null=True)
    metrics = MetricThresholdSchema(many=True)
    suites = serializers.ListField(child=serializers.CharField())
    updated_by = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)


class GateListOutput(serializers.Serializer[Any]):
    items = GateOutput(many=True)


class ModelDetailOutput(ModelSummaryOutput):
    versions = VersionOutput(many=True)
    alias_history = AliasMoveOutput(many=True)
    stage_history = StageTransitionOutput(many=True)
    gates = GateOutput(many=True)


@extend_schema_serializer(component_name="ModelGateInput")  # evaluation has a GateInput too
class GateInput(StrictInputSerializer):
    alias = serializers.CharField(
        required=False, max_length=256, help_text="The alias to gate (or give 'stage')."
    )
    stage = serializers.CharField(
        required=False, max_length=16, help_text="Staging, Production or Archived (or 'alias')."
    )
    metrics = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        default=list,
        help_text='Thresholds on the source run\'s latest metrics: [{"key": "accuracy", '
        '"min": 0.9}, {"key": "loss", "max": 0.3}].',
    )
    suites = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        default=list,
        help_text="Evaluation suites that must have a passed run of the version.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("alias" in attrs) == ("stage" in attrs):
            raise serializers.ValidationError({"alias": ["Give exactly one of alias or stage."]})
        return attrs
