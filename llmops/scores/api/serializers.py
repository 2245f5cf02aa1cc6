from __future__ import annotations

from typing import Any

from rest_framework import serializers

from llmops.restapi.strict import StrictInputSerializer
from llmops.restapi.time_range import TimeRangeQuery
from llmops.scores.models import DataType, Source
from llmops.tracing.api.serializers import SpanNodeOutput, TraceOutput, cost_field
from llmops.tracing.metrics import Bucket
from llmops.tracing.models import Status
from llmops.tracing.selectors import TRACE_ORDERINGS

MAX_SCORES_PER_REQUEST = 1000


class ScoreInput(StrictInputSerializer):
    id = serializers.UUIDField(
        required=False, help_text="Chosen by the client to make retries idempotent."
    )
    trace_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    span_id = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=16,
        help_text="Alone, it names a stored span and its trace is looked up.",
    )
    name = serializers.RegexField(r"^[^\s].{0,99}$", max_length=100)
    value = serializers.JSONField(help_text="A number, true / false, or a label (string).")
    data_type = serializers.ChoiceField(
        choices=DataType.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Inferred from the value when absent.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    source = serializers.ChoiceField(choices=Source.choices, default=Source.API)  # type: ignore[assignment]
    metadata = serializers.DictField(required=False, default=dict)


class ScoreOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    trace_id = serializers.CharField()
    span_id = serializers.CharField()
    name = serializers.CharField()
    data_type = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    string_value = serializers.CharField()
    comment = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    metadata = serializers.DictField()
    author = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ScoreListQuery(TimeRangeQuery):
    trace_id = serializers.CharField(required=False, max_length=32)
    span_id = serializers.CharField(required=False, max_length=16)
    name = serializers.CharField(required=False, max_length=100)
    source = serializers.ChoiceField(choices=Source.choices, required=False)  # type: ignore[assignment]
    data_type = serializers.ChoiceField(choices=DataType.choices, required=False)
    start_from = serializers.DateTimeField(required=False)
    to = serializers.DateTimeField(required=False)
    cursor = serializers.CharField(required=False, max_length=500)
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)


class ScoreListOutput(serializers.Serializer[Any]):
    items = ScoreOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class ScoreSummaryOutput(serializers.Serializer[Any]):
    data_type = serializers.CharField()
    count = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    labels = serializers.DictField(child=serializers.IntegerField())


class ScoreMetricsQuery(TimeRangeQuery):
    start_from = serializers.DateTimeField()
    to = serializers.DateTimeField()
    bucket = serializers.ChoiceField(choices=[b.value for b in Bucket], default=Bucket.HOUR.value)
    name = serializers.CharField(required=False, max_length=100)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["to"] <= attrs["start_from"]:
            raise serializers.ValidationError({"to": ["Must be after 'from'."]})
        return attrs


class ScoreMetricsRowOutput(ScoreSummaryOutput):
    bucket = serializers.DateTimeField()
    name = serializers.CharField()
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)


class ScoreMetricsOutput(serializers.Serializer[Any]):
    bucket = serializers.CharField()
    rows = ScoreMetricsRowOutput(many=True)


# Traces read with their scores (the trace list, a trace, a session): tracing sits below
# scores, so these endpoints live here.


class TraceListQuery(TimeRangeQuery):
    start_from = serializers.DateTimeField(required=False)
    to = serializers.DateTimeField(required=False)
    name = serializers.CharField(required=False, max_length=500)
    user_id = serializers.CharField(required=False, max_length=200)
    session_id = serializers.CharField(required=False, max_length=200)
    tags = serializers.CharField(required=False, help_text="Comma-separated; all must match.")
    environment = serializers.CharField(required=False, max_length=100)
    release = serializers.CharField(required=False, max_length=100)
    model = serializers.CharField(required=False, max_length=200)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    has_error = serializers.BooleanField(required=False, allow_null=True, default=None)
    min_cost = cost_field(required=False, min_value=0)
    max_cost = cost_field(required=False, min_value=0)
    min_latency_ms = serializers.FloatField(required=False, min_value=0)
    max_latency_ms = serializers.FloatField(required=False, min_value=0)
    metadata_key = serializers.RegexField(r"^[A-Za-z0-9_\-]{1,100}$", required=False)
    metadata_value = serializers.CharField(required=False, max_length=500)
    prompt_name = serializers.CharField(required=False, max_length=300)
    prompt_version = serializers.CharField(required=False, max_length=50)
    q = serializers.CharField(
        required=False, max_length=200, help_text="Text in span input or output."
    )
    score_name = serializers.CharField(
        required=False, max_length=100, help_text="Traces with at least one score of this name."
    )
    score_min = serializers.FloatField(required=False, help_text="... whose value is at least.")
    score_max = serializers.FloatField(required=False, help_text="... whose value is at most.")
    score_label = serializers.CharField(
        required=False, max_length=200, help_text="... whose label (or true / false) is."
    )
    order_by = serializers.ChoiceField(choices=list(TRACE_ORDERINGS), default="-start_time")
    cursor = serializers.CharField(required=False, max_length=500)
    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "metadata_value" in attrs and "metadata_key" not in attrs:
            raise serializers.ValidationError({"metadata_value": ["Needs metadata_key."]})
        for name in ("score_min", "score_max", "score_label"):
            if name in attrs and "score_name" not in attrs:
                raise serializers.ValidationError({name: ["Needs score_name."]})
        return attrs


class TraceListItemOutput(TraceOutput):
    scores = serializers.DictField(
        child=ScoreSummaryOutput(), help_text="Per score name: count, mean and label counts."
    )


class TraceListOutput(serializers.Serializer[Any]):
    items = TraceListItemOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class TraceDetailOutput(TraceOutput):
    input = serializers.JSONField()
    output = serializers.JSONField()
    spans = SpanNodeOutput(many=True, help_text="The span tree: each node has span and children.")
    scores = ScoreOutput(many=True, help_text="Scores of the trace and of its spans.")


class SessionDetailOutput(serializers.Serializer[Any]):
    session_id = serializers.CharField()
    traces = TraceDetailOutput(many=True)
