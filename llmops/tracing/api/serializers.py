from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.fields import SkipField

from llmops.restapi.strict import StrictInputSerializer
from llmops.restapi.time_range import TimeRangeQuery
from llmops.tracing.metrics import Bucket, GroupBy, Measure, Source


def cost_field(**options: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=24, decimal_places=12, **options)


# Fields whose own ``to_representation`` is exactly this builtin of the value.
_PLAIN: dict[type[serializers.Field[Any, Any, Any, Any]], Callable[[Any], Any]] = {
    serializers.CharField: str,
    serializers.IntegerField: int,
    serializers.FloatField: float,
}


class RowsOutput(serializers.Serializer[Any]):
    # Writes model rows with the fields' own representations, minus DRF's generic walk (a
    # comment, not a docstring: the API schema would show it on every output built on this).
    #
    # Per row and field, DRF resolves the source anew (mappings, callables, dotted paths,
    # missing relations) before representing the value; for a list of 50 traces or a tree of
    # spans that walk cost as much as the rest of the request. Here each field is resolved once
    # per serializer into a getter and a writer: a plain attribute is read with ``getattr``, and
    # a plain text, integer or float field is written by the builtin its ``to_representation``
    # calls. Any other field (nested, ``source="*"``, dotted) goes through DRF as before, and so
    # do mappings.

    @cached_property
    def _row_plan(self) -> list[tuple[str, str | None, Callable[[Any], Any], Any]]:
        plan: list[tuple[str, str | None, Callable[[Any], Any], Any]] = []
        for field in self._readable_fields:
            plain = field.source != "*" and len(field.source_attrs) == 1
            writer = _PLAIN.get(type(field), field.to_representation)
            name = str(field.field_name)
            plan.append((name, field.source if plain else None, writer, field))
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if isinstance(instance, Mapping):
            return dict(super().to_representation(instance))
        row: dict[str, Any] = {}
        for name, attribute, writer, field in self._row_plan:
            if attribute:
                value = getattr(instance, attribute)
            else:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            row[name] = None if value is None else writer(value)
        return row


class TraceOutput(RowsOutput):
    trace_id = serializers.CharField()
    name = serializers.CharField()
    start_time = serializers.DateTimeField()
    end_time = serializers.DateTimeField()
    latency_ms = serializers.FloatField()
    status = serializers.CharField()
    user_id = serializers.CharField()
    session_id = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    metadata = serializers.DictField()
    environment = serializers.CharField()
    release = serializers.CharField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    cost_total = cost_field()
    unpriced_span_count = serializers.IntegerField()
    span_count = serializers.IntegerField()
    error_count = serializers.IntegerField()


class UsageOutput(serializers.Serializer[Any]):
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    cache_read_tokens = serializers.IntegerField()
    cache_write_tokens = serializers.IntegerField()
    reasoning_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    estimated = serializers.BooleanField(source="usage_estimated")


class CostOutput(serializers.Serializer[Any]):
    input = cost_field(source="cost_input", allow_null=True)
    output = cost_field(source="cost_output", allow_null=True)
    cache_read = cost_field(source="cost_cache_read", allow_null=True)
    cache_write = cost_field(source="cost_cache_write", allow_null=True)
    reasoning = cost_field(source="cost_reasoning", allow_null=True)
    total = cost_field(source="cost_total", allow_null=True)
    source = serializers.CharField(source="cost_source")  # type: ignore[assignment]


class SpanOutput(RowsOutput):
    span_id = serializers.CharField()
    parent_span_id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    start_time = serializers.DateTimeField()
    end_time = serializers.DateTimeField()
    duration_ms = serializers.FloatField()
    status = serializers.CharField()
    status_message = serializers.CharField()
    error_type = serializers.CharField()
    provider = serializers.CharField()
    model_requested = serializers.CharField()
    model_answered = serializers.CharField()
    invocation_params = serializers.DictField()
    input = serializers.JSONField()
    output = serializers.JSONField()
    documents = serializers.JSONField()
    tool_calls = serializers.JSONField()
    user_id = serializers.CharField()
    session_id = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    metadata = serializers.DictField()
    environment = serializers.CharField()
    release = serializers.CharField()
    prompt_name = serializers.CharField()
    prompt_version = serializers.CharField()
    usage = UsageOutput(source="*")
    cost = CostOutput(source="*")
    attributes = serializers.DictField()
    resource_attributes = serializers.DictField()
    events = serializers.ListField(child=serializers.DictField())


class SpanNodeOutput(serializers.Serializer[Any]):
    span = SpanOutput()
    children = serializers.ListField(child=serializers.DictField())

    def to_representation(self, instance: Any) -> Any:
        # The one bound ``span`` field represents every span of the tree: a serializer built
        # per span binds (deep-copies) its ~35 fields each time, ten times the cost of the span.
        span_output: SpanOutput = self.fields["span"]  # type: ignore[assignment]
        return _span_node(instance, span_output)


def _span_node(node: dict[str, Any], span_output: SpanOutput) -> dict[str, Any]:
    return {
        "span": span_output.to_representation(node["span"]),
        "children": [_span_node(child, span_output) for child in node["children"]],
    }


class SessionListQuery(StrictInputSerializer):
    user_id = serializers.CharField(required=False, max_length=200)
    cursor = serializers.CharField(required=False, max_length=500)
    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)


@extend_schema_serializer(component_name="TraceSession")  # tenancy has a SessionOutput too
class SessionOutput(serializers.Serializer[Any]):
    session_id = serializers.CharField()
    user_id = serializers.CharField()
    trace_count = serializers.IntegerField()
    first_trace_at = serializers.DateTimeField()
    last_trace_at = serializers.DateTimeField()
    total_tokens = serializers.IntegerField()
    cost_total = cost_field()
    error_count = serializers.IntegerField()


class SessionListOutput(serializers.Serializer[Any]):
    items = SessionOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class MetricsQuery(TimeRangeQuery):
    start_from = serializers.DateTimeField()
    to = serializers.DateTimeField()
    bucket = serializers.ChoiceField(choices=[b.value for b in Bucket], default=Bucket.HOUR.value)
    group_by = serializers.ChoiceField(
        choices=[g.value for g in GroupBy], default=GroupBy.NONE.value
    )
    measure = serializers.ChoiceField(
        choices=[m.value for m in Measure],
        required=False,
        help_text=(
            "traces (the default for no grouping, user, environment, tag) or calls (LLM and "
            "embedding spans; always so for model, provider, prompt_version; not for tag)."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["to"] <= attrs["start_from"]:
            raise serializers.ValidationError({"to": ["Must be after 'from'."]})
        return attrs


class MetricsRowOutput(serializers.Serializer[Any]):
    bucket = serializers.DateTimeField()
    group = serializers.CharField()
    count = serializers.IntegerField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    cost_total = cost_field()
    latency_p50_ms = serializers.FloatField(allow_null=True)
    latency_p95_ms = serializers.FloatField(allow_null=True)
    latency_p99_ms = serializers.FloatField(allow_null=True)
    error_rate = serializers.FloatField()


class MetricsOutput(serializers.Serializer[Any]):
    measured = serializers.ChoiceField(
        choices=["traces", "spans"], help_text="spans: model calls (LLM and embedding spans)"
    )
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field, not Field.source
        choices=[s.value for s in Source],
        help_text=(
            "Where the numbers came from: rollups (hourly totals of calls, latency percentiles "
            "within 1% of exact), spans, or traces."
        ),
    )
    bucket = serializers.CharField()
    group_by = serializers.CharField()
    rows = MetricsRowOutput(many=True)


class RetentionInput(StrictInputSerializer):
    days = serializers.IntegerField(min_value=1, max_value=36500, allow_null=True)


class RetentionOutput(serializers.Serializer[Any]):
    days = serializers.IntegerField(allow_null=True)


class ModelPriceInput(StrictInputSerializer):
    model_pattern = serializers.CharField(max_length=200)
    valid_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    input = serializers.DecimalField(max_digits=18, decimal_places=9, min_value=0)
    output = serializers.DecimalField(max_digits=18, decimal_places=9, min_value=0)
    cache_read = serializers.DecimalField(
        max_digits=18, decimal_places=9, min_value=0, required=False, allow_null=True, default=None
    )
    cache_write = serializers.DecimalField(
        max_digits=18, decimal_places=9, min_value=0, required=False, allow_null=True, default=None
    )
    reasoning = serializers.DecimalField(
        max_digits=18, decimal_places=9, min_value=0, required=False, allow_null=True, default=None
    )
    tiers = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=3, max_length=3),
        required=False,
        default=list,
        help_text="[[threshold_input_tokens, input, output], ...] per million tokens",
    )


class ModelPriceOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    model_pattern = serializers.CharField()
    valid_from = serializers.DateTimeField(allow_null=True)
    input = serializers.DecimalField(max_digits=18, decimal_places=9)
    output = serializers.DecimalField(max_digits=18, decimal_places=9)
    cache_read = serializers.DecimalField(max_digits=18, decimal_places=9, allow_null=True)
    cache_write = serializers.DecimalField(max_digits=18, decimal_places=9, allow_null=True)
    reasoning = serializers.DecimalField(max_digits=18, decimal_places=9, allow_null=True)
    tiers = serializers.JSONField()
    created_at = serializers.DateTimeField()
