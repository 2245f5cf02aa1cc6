from __future__ import annotations

from typing import Any

from rest_framework import serializers

from llmops.prompts.models import PromptType
from llmops.restapi.strict import StrictInputSerializer


class PromptCreateInput(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=PromptType.choices)
    template = serializers.JSONField(help_text="A string (text) or a list of messages (chat).")
    config = serializers.DictField(required=False, default=dict)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    description = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=5000
    )
    commit_message = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=500
    )
    labels = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )


class VersionCreateInput(StrictInputSerializer):
    template = serializers.JSONField()
    config = serializers.DictField(required=False, default=dict)
    commit_message = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=500
    )
    labels = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )


class VersionListQuery(StrictInputSerializer):
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=500, help_text="At most this many (default all)."
    )
    before = serializers.IntegerField(
        required=False, min_value=1, help_text="Only versions numbered below this one."
    )


class VersionOutput(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    lineage_ref = serializers.CharField(
        source="pk", help_text="This version's ref in the lineage graph (kind prompt_version)."
    )
    content_hash = serializers.CharField()
    template = serializers.JSONField()
    config = serializers.DictField()
    variables = serializers.ListField(child=serializers.CharField())
    includes = serializers.ListField(child=serializers.DictField())
    commit_message = serializers.CharField()
    author = serializers.CharField()
    derived_from = serializers.IntegerField(
        source="derived_from.number", allow_null=True, default=None
    )
    created_at = serializers.DateTimeField()
    labels = serializers.ListField(child=serializers.CharField(), required=False)


class VersionSavedOutput(serializers.Serializer[Any]):
    created = serializers.BooleanField(help_text="False when identical to the newest version.")
    version = VersionOutput()


class PromptOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    type = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField()
    created_at = serializers.DateTimeField()
    latest_version = serializers.IntegerField(allow_null=True, required=False)


class PromptCreatedOutput(serializers.Serializer[Any]):
    prompt = PromptOutput()
    version = VersionOutput()


class PromptListQuery(StrictInputSerializer):
    search = serializers.CharField(required=False, max_length=200)
    tag = serializers.CharField(required=False, max_length=100)
    folder = serializers.CharField(required=False, max_length=200)


class FetchQuery(StrictInputSerializer):
    label = serializers.CharField(required=False, max_length=64)  # type: ignore[assignment]
    version = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "label" in attrs and "version" in attrs:
            raise serializers.ValidationError({"version": ["Give a label or a version, not both."]})
        return attrs


class FetchOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    type = serializers.CharField()
    version = serializers.IntegerField()
    label = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    content_hash = serializers.CharField()
    template = serializers.JSONField()
    config = serializers.DictField()
    variables = serializers.ListField(child=serializers.CharField())


class LabelMoveInput(StrictInputSerializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=500)


class LabelMoveOutput(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]
    from_version = serializers.IntegerField(
        source="from_version.number", allow_null=True, default=None
    )
    to_version = serializers.IntegerField(source="to_version.number")
    moved_by = serializers.CharField()
    reason = serializers.CharField()
    moved_at = serializers.DateTimeField()


class LabelMoveResultOutput(serializers.Serializer[Any]):
    moved = serializers.BooleanField()
    move = LabelMoveOutput(allow_null=True)


class LabelProtectInput(StrictInputSerializer):
    protected = serializers.BooleanField()


class LabelOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    version = serializers.IntegerField(source="version.number")
    protected = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class HistoryQuery(StrictInputSerializer):
    at = serializers.DateTimeField(required=False, help_text="Only moves up to this time.")


class HistoryOutput(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]
    version_at = serializers.IntegerField(
        allow_null=True, help_text="The version the label pointed at, at 'at' (or now)."
    )
    moves = LabelMoveOutput(many=True)


class RenderInput(StrictInputSerializer):
    label = serializers.CharField(required=False, max_length=64)  # type: ignore[assignment]
    version = serializers.IntegerField(required=False, min_value=1)
    variables = serializers.DictField(required=False, default=dict)
    placeholders = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()), required=False, default=dict
    )


class RenderOutput(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    type = serializers.CharField()
    output = serializers.JSONField(help_text="Text, or a list of messages for chat prompts.")


class DiffQuery(StrictInputSerializer):
    base = serializers.IntegerField(min_value=1, help_text="The older version number.")
    target = serializers.IntegerField(min_value=1, help_text="The newer version number.")


class DiffOutput(serializers.Serializer[Any]):
    base = serializers.IntegerField()
    target = serializers.IntegerField()
    template = serializers.DictField()
    config = serializers.DictField()


class UsageRowOutput(serializers.Serializer[Any]):
    version = serializers.CharField()
    traces = serializers.IntegerField()
    calls = serializers.IntegerField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    cost_total = serializers.DecimalField(max_digits=24, decimal_places=12)
    mean_latency_ms = serializers.FloatField(allow_null=True)
    error_rate = serializers.FloatField()
    scores = serializers.DictField(
        child=serializers.DictField(),
        help_text="Score name → {mean, count} of the numeric scores of the version's traces.",
    )
