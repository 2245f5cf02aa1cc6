from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from llmops.restapi.strict import StrictInputSerializer

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"
NAME_HELP = "Letters, digits, '_', '.', '-'; up to 100 characters."


class DatasetInput(StrictInputSerializer):
    name = serializers.RegexField(NAME, help_text=NAME_HELP)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000
    )


class DatasetOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    description = serializers.CharField()
    latest_version = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class DatasetVersionOutput(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    item_count = serializers.IntegerField()
    note = serializers.CharField()
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()


class ItemInput(StrictInputSerializer):
    key = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Replaces the item with this key; new when absent.",
    )
    input = serializers.JSONField()
    expected = serializers.JSONField(required=False, allow_null=True, default=None)
    metadata = serializers.DictField(required=False, default=dict)


class ItemsChangeInput(StrictInputSerializer):
    items = ItemInput(many=True, required=False, default=list)
    remove = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ItemsFromTracesInput(StrictInputSerializer):
    trace_ids = serializers.ListField(
        child=serializers.RegexField(r"^[0-9a-f]{32}$"), required=False, default=list
    )
    span_ids = serializers.ListField(
        child=serializers.RegexField(r"^[0-9a-f]{16}$"), required=False, default=list
    )
    output_as_expected = serializers.BooleanField(
        default=True, help_text="Use the stored output as the expected output."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ItemOutput(serializers.Serializer[Any]):
    key = serializers.CharField()
    input = serializers.JSONField()
    expected = serializers.JSONField()
    metadata = serializers.DictField()
    source_trace_id = serializers.CharField()
    source_span_id = serializers.CharField()
    added_in = serializers.IntegerField()


class ItemListOutput(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    items = ItemOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class VersionQuery(serializers.Serializer[Any]):
    version = serializers.IntegerField(required=False, min_value=1)
    cursor = serializers.CharField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)


class ConnectionInput(StrictInputSerializer):
    name = serializers.RegexField(NAME, help_text=NAME_HELP)
    base_url = serializers.URLField(
        max_length=500, help_text="An OpenAI-compatible API, e.g. https://host/v1"
    )
    model_names = serializers.ListField(child=serializers.CharField(max_length=200), default=list)
    api_key = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        max_length=2000,
        write_only=True,
        help_text="Stored encrypted, never returned; omit to keep the stored one.",
    )
    concurrency = serializers.IntegerField(min_value=1, max_value=1024, default=8)
    timeout_seconds = serializers.FloatField(min_value=0.1, max_value=3600, default=60.0)


class ConnectionOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    base_url = serializers.CharField()
    model_names = serializers.ListField(child=serializers.CharField())
    has_api_key = serializers.SerializerMethodField()
    concurrency = serializers.IntegerField()
    timeout_seconds = serializers.FloatField()
    created_at = serializers.DateTimeField()

    def get_has_api_key(self, connection: Any) -> bool:
        return bool(connection.api_key_encrypted)


class SuiteInput(StrictInputSerializer):
    name = serializers.RegexField(NAME, help_text=NAME_HELP)
    dataset = serializers.CharField(max_length=100)
    target = serializers.JSONField(
        help_text='{"type": "prompt", "prompt": name, "connection": name, "model": m, '
        '"params": {...}} or {"type": "outputs"}'
    )
    evaluators = serializers.JSONField(help_text="A list of evaluator specs.")
    thresholds = serializers.JSONField(required=False, default=list)  # type: ignore[arg-type]
    baseline_label = serializers.RegexField(r"^[A-Za-z0-9_.\-]{1,64}$", default="production")


class SuiteOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    dataset = serializers.CharField(source="dataset.name")
    target = serializers.JSONField()
    evaluators = serializers.JSONField()
    thresholds = serializers.JSONField()
    baseline_label = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ModelVersionRef(StrictInputSerializer):
    name = serializers.CharField(max_length=256)
    version = serializers.IntegerField(min_value=1)


class RunInput(StrictInputSerializer):
    suite = serializers.CharField(max_length=100)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The prompt version to run."
    )
    label = serializers.CharField(  # type: ignore[assignment]
        required=False, max_length=64, help_text="Or: the version behind this label."
    )
    outputs = serializers.JSONField(
        required=False,
        default=None,
        help_text='For an "outputs" suite: [{"key", "output", "latency_ms"?, "input_tokens"?, '
        '"output_tokens"?, "cost"?}]',
    )
    trigger = serializers.ChoiceField(choices=["manual", "ci"], default="manual")
    model_version = ModelVersionRef(
        required=False,
        help_text="The registered model version these outputs came from: the run is linked to "
        "it in the lineage graph, and a model alias gated on this suite accepts it.",
    )


class RunOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    suite = serializers.CharField(source="suite.name")
    status = serializers.CharField()
    trigger = serializers.CharField()
    dataset_version = serializers.IntegerField()
    prompt_version = serializers.SerializerMethodField()
    baseline_run = serializers.UUIDField(source="baseline_id", allow_null=True)
    progress = serializers.SerializerMethodField()
    summary = serializers.JSONField()
    thresholds = serializers.JSONField(source="threshold_results")
    error = serializers.CharField()
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_prompt_version(self, run: Any) -> dict[str, Any] | None:
        target = run.config.get("target", {})
        if target.get("type") != "prompt":
            return None
        return {"prompt": target["prompt"], "version": target["prompt_version"]}

    def get_progress(self, run: Any) -> dict[str, int]:
        done = getattr(run, "done_items", None)
        if done is None:
            done = run.results.count()
        return {"done": int(done), "total": run.total_items}


class LaneOutput(serializers.Serializer[Any]):
    lane = serializers.IntegerField()
    items = serializers.IntegerField(help_text="How many of the run's items this lane works.")
    done = serializers.BooleanField()
    attempts = serializers.IntegerField(
        help_text="How many times the lane was handed to a new task after its worker stalled."
    )
    heartbeat_at = serializers.DateTimeField(allow_null=True)


class RunDetailOutput(RunOutput):
    lanes = serializers.SerializerMethodField()

    @extend_schema_field(LaneOutput(many=True))
    def get_lanes(self, run: Any) -> list[dict[str, Any]]:
        # Item i belongs to lane i % lanes (llmops.evaluation.domain.execution), so a lane's
        # share is arithmetic; no need to load the items.
        return [
            LaneOutput(
                {
                    "lane": row.lane,
                    "items": len(range(row.lane, run.total_items, run.lanes)),
                    "done": row.done,
                    "attempts": row.attempts,
                    "heartbeat_at": row.heartbeat_at,
                }
            ).data
            for row in run.lane_rows.order_by("lane")
        ]


class RunListQuery(serializers.Serializer[Any]):
    suite = serializers.CharField(required=False, max_length=100)
    status = serializers.CharField(required=False, max_length=12)
    cursor = serializers.CharField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


class RunListOutput(serializers.Serializer[Any]):
    items = RunOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class ResultOutput(serializers.Serializer[Any]):
    item_key = serializers.CharField()
    input = serializers.JSONField(source="item.input")
    expected = serializers.JSONField(source="item.expected")
    output = serializers.JSONField()
    verdicts = serializers.JSONField()
    error = serializers.CharField()
    latency_ms = serializers.FloatField(allow_null=True)
    total_tokens = serializers.IntegerField()
    trace_id = serializers.CharField(
        help_text="The trace of this item's target and judge calls; empty when it made none."
    )


class ResultListQuery(serializers.Serializer[Any]):
    failed = serializers.BooleanField(required=False, allow_null=True, default=None)
    cursor = serializers.CharField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)


class ResultListOutput(serializers.Serializer[Any]):
    items = ResultOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class ComparisonOutput(serializers.Serializer[Any]):
    base = serializers.UUIDField()
    target = serializers.UUIDField()
    evaluators = serializers.ListField(child=serializers.CharField())
    summary = serializers.JSONField()
    items = serializers.JSONField(help_text="Per item, regressions first.")


class GateInput(StrictInputSerializer):
    prompt = serializers.CharField(max_length=200)
    label = serializers.CharField(max_length=64)  # type: ignore[assignment]
    suites = serializers.ListField(child=serializers.CharField(max_length=100), min_length=1)


class GateOutput(serializers.Serializer[Any]):
    prompt = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    suites = serializers.ListField(child=serializers.CharField())
    health = serializers.JSONField(allow_null=True)


class GateQuery(serializers.Serializer[Any]):
    prompt = serializers.CharField(max_length=200)


class PromotionInput(StrictInputSerializer):
    prompt = serializers.CharField(max_length=200)
    label = serializers.CharField(max_length=64)  # type: ignore[assignment]
    version = serializers.IntegerField(min_value=1)


class PromotionOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    prompt = serializers.CharField(source="prompt.name")
    label = serializers.CharField()  # type: ignore[assignment]
    version = serializers.IntegerField(source="version.number")
    status = serializers.CharField()
    reason = serializers.CharField()
    runs = serializers.SerializerMethodField()
    failures = serializers.JSONField()
    requested_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_runs(self, promotion: Any) -> list[dict[str, Any]]:
        # The runs, their suites and progress come prefetched (selectors.promotions_with_runs).
        return [
            {
                "id": str(run.pk),
                "suite": run.suite.name,
                "status": run.status,
                "progress": RunOutput().get_progress(run),
            }
            for run in promotion.runs.all()
        ]


class PromotionListQuery(serializers.Serializer[Any]):
    prompt = serializers.CharField(required=False, max_length=200)
    cursor = serializers.CharField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


class PromotionListOutput(serializers.Serializer[Any]):
    items = PromotionOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class ScheduleInput(StrictInputSerializer):
    suite = serializers.CharField(max_length=100)
    label = serializers.CharField(max_length=64, default="production")  # type: ignore[assignment]
    cron = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    every_seconds = serializers.IntegerField(required=False, allow_null=True, default=None)


class ScheduleOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    suite = serializers.CharField(source="suite.name")
    label = serializers.CharField()  # type: ignore[assignment]
    cron = serializers.CharField()
    every_seconds = serializers.IntegerField(allow_null=True)
    enabled = serializers.BooleanField()
    last_run = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_last_run(self, schedule: Any) -> dict[str, Any] | None:
        run = schedule.last_run
        if run is None:
            return None
        return {"id": str(run.pk), "status": run.status, "finished_at": run.finished_at}


class RuleInput(StrictInputSerializer):
    name = serializers.RegexField(NAME, help_text=NAME_HELP)
    filter = serializers.JSONField(
        required=False, default=dict, help_text="Trace filters, as the trace list takes them."
    )
    sampling_rate = serializers.FloatField(min_value=0.0, max_value=1.0, default=1.0)
    evaluators = serializers.JSONField()
    enabled = serializers.BooleanField(default=True)


class RuleOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    filter = serializers.JSONField()
    sampling_rate = serializers.FloatField()
    evaluators = serializers.JSONField()
    enabled = serializers.BooleanField()
    created_at = serializers.DateTimeField()
