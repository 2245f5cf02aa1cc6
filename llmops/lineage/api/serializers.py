from __future__ import annotations

from typing import Any

from rest_framework import serializers

from llmops.lineage.models import EdgeKind, NodeKind
from llmops.lineage.selectors import MAX_DEPTH, Direction
from llmops.restapi.strict import StrictInputSerializer


class NodeOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    ref = serializers.CharField()
    # DRF removes declared fields from the class, so shadowing Field.label is safe at run time.
    label = serializers.CharField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()


class GraphNodeOutput(NodeOutput):
    upstream_distance = serializers.IntegerField(allow_null=True)
    downstream_distance = serializers.IntegerField(allow_null=True)


class GraphEdgeOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    source = serializers.IntegerField(help_text="The upstream node's id.")  # type: ignore[assignment]
    target = serializers.IntegerField(help_text="The downstream node's id.")
    created_at = serializers.DateTimeField()


class GraphOutput(serializers.Serializer[Any]):
    root = GraphNodeOutput()
    nodes = GraphNodeOutput(many=True)
    edges = GraphEdgeOutput(many=True)


class GraphQueryInput(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=NodeKind.choices)
    ref = serializers.CharField(max_length=200)
    direction = serializers.ChoiceField(
        choices=[d.value for d in Direction], default=Direction.BOTH.value
    )
    depth = serializers.IntegerField(min_value=0, max_value=MAX_DEPTH, default=3)


class NodeListQueryInput(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=NodeKind.choices, required=False)
    q = serializers.CharField(
        max_length=200,
        required=False,
        help_text="Only nodes whose label or ref contains this text (case-insensitive).",
    )
    cursor = serializers.IntegerField(min_value=1, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)


class NodeListOutput(serializers.Serializer[Any]):
    items = NodeOutput(many=True)
    next_cursor = serializers.IntegerField(allow_null=True)


class NodeRefInput(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=NodeKind.choices)
    ref = serializers.CharField(max_length=200)
    label = serializers.CharField(max_length=300, required=False, default="")  # type: ignore[assignment]


class EdgeCreateInput(StrictInputSerializer):
    upstream = NodeRefInput()
    downstream = NodeRefInput()
    kind = serializers.ChoiceField(choices=EdgeKind.choices)


class ImpactQueryInput(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=NodeKind.choices)
    ref = serializers.CharField(max_length=200)


class ImpactOutput(serializers.Serializer[Any]):
    root = GraphNodeOutput()
    prompt_versions = GraphNodeOutput(many=True)
    model_versions = GraphNodeOutput(many=True)
    eval_runs = GraphNodeOutput(many=True)
    experiment_runs = GraphNodeOutput(many=True)


class BehindQueryInput(StrictInputSerializer):
    prompt = serializers.CharField(max_length=200, required=False)
    label = serializers.CharField(max_length=64, required=False)  # type: ignore[assignment]
    model = serializers.CharField(max_length=200, required=False)
    alias = serializers.CharField(max_length=64, required=False)
    depth = serializers.IntegerField(min_value=0, max_value=MAX_DEPTH, default=MAX_DEPTH)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("prompt")) == bool(attrs.get("model")):
            raise serializers.ValidationError(
                {"prompt": ["Give prompt and label, or model and alias."]}
            )
        if attrs.get("prompt") and not attrs.get("label"):
            raise serializers.ValidationError({"label": ["Required with prompt."]})
        if attrs.get("model") and not attrs.get("alias"):
            raise serializers.ValidationError({"alias": ["Required with model."]})
        return attrs
