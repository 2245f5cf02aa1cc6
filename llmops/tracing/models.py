"""Spans and traces as stored: one span model for every tracing convention.

Spans are written in bulk by the OTLP receiver and never updated afterwards: the first write of
a (project, trace id, span id) wins, so a retried export changes nothing. Traces are derived
rows, recomputed from their stored spans whenever spans of the trace arrive.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from llmops.tenancy.models import Project


def _cost(**options: Any) -> models.DecimalField[Any, Any]:
    # USD with 12 decimals: a single cheap call (one token at $0.05/M) is still exact.
    return models.DecimalField(max_digits=24, decimal_places=12, **options)


class SpanKind(models.TextChoices):
    LLM = "llm"
    EMBEDDING = "embedding"
    RETRIEVER = "retriever"
    RERANKER = "reranker"
    TOOL = "tool"
    AGENT = "agent"
    CHAIN = "chain"
    GUARDRAIL = "guardrail"
    EVALUATOR = "evaluator"
    SPAN = "span"


class Status(models.TextChoices):
    UNSET = "unset"
    OK = "ok"
    ERROR = "error"


class CostSource(models.TextChoices):
    NONE = "", "not priced (no usage)"
    SPAN = "span", "sent on the span"
    DEFAULT = "default", "default price table"
    CUSTOM = "custom", "project price"
    UNPRICED = "unpriced", "no price known for the model"


class Span(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    trace_id = models.CharField(max_length=32)
    span_id = models.CharField(max_length=16)
    parent_span_id = models.CharField(max_length=16, blank=True, default="")
    name = models.CharField(max_length=500)
    kind = models.CharField(max_length=16, choices=SpanKind.choices)
    otel_kind = models.PositiveSmallIntegerField(default=0)
    scope = models.CharField(max_length=200, blank=True, default="")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    duration_ms = models.FloatField()
    status = models.CharField(max_length=8, choices=Status.choices)
    status_message = models.TextField(blank=True, default="")
    error_type = models.CharField(max_length=200, blank=True, default="")

    provider = models.CharField(max_length=100, blank=True, default="")
    model_requested = models.CharField(max_length=200, blank=True, default="")
    model_answered = models.CharField(max_length=200, blank=True, default="")
    invocation_params = models.JSONField(default=dict)
    input = models.JSONField(null=True)
    output = models.JSONField(null=True)
    documents = models.JSONField(null=True)
    tool_calls = models.JSONField(null=True)

    user_id = models.CharField(max_length=200, blank=True, default="")
    session_id = models.CharField(max_length=200, blank=True, default="")
    tags = models.JSONField(default=list)
    metadata = models.JSONField(default=dict)
    environment = models.CharField(max_length=100, blank=True, default="")
    release = models.CharField(max_length=100, blank=True, default="")
    prompt_name = models.CharField(max_length=300, blank=True, default="")
    prompt_version = models.CharField(max_length=50, blank=True, default="")

    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    cache_read_tokens = models.BigIntegerField(default=0)
    cache_write_tokens = models.BigIntegerField(default=0)
    reasoning_tokens = models.BigIntegerField(default=0)
    total_tokens = models.BigIntegerField(default=0)
    usage_estimated = models.BooleanField(default=False)

    cost_input = _cost(null=True)
    cost_output = _cost(null=True)
    cost_cache_read = _cost(null=True)
    cost_cache_write = _cost(null=True)
    cost_reasoning = _cost(null=True)
    cost_total = _cost(null=True)
    cost_source = models.CharField(max_length=16, choices=CostSource.choices, blank=True)

    # Everything the conventions did not map, kept as sent.
    attributes = models.JSONField(default=dict)
    resource_attributes = models.JSONField(default=dict)
    events = models.JSONField(default=list)
    ingested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "tracing_span"
        constraints = [
            # The start time is in the key because PostgreSQL partitions spans by it (a unique
            # key of a partitioned table must hold the partition key; migration 0005). A
            # retried export resends a span with its start time, so it still stores nothing
            # twice.
            models.UniqueConstraint(
                fields=["project", "trace_id", "span_id", "start_time"],
                name="tracing_span_unique_start",
            )
        ]
        indexes = [
            # Covering: the metrics query reads only these columns, so PostgreSQL answers it
            # from the index without visiting the wide span rows (inputs and outputs).
            models.Index(
                fields=["project", "start_time"],
                name="tracing_span_project_start",
                include=[
                    "kind",
                    "status",
                    "model_answered",
                    "model_requested",
                    "prompt_name",
                    "prompt_version",
                    "duration_ms",
                    "input_tokens",
                    "output_tokens",
                    "total_tokens",
                    "cost_total",
                ],
            ),
            models.Index(
                fields=["project", "model_answered", "start_time"], name="tracing_span_model"
            ),
            models.Index(
                fields=["project", "prompt_name", "prompt_version"], name="tracing_span_prompt"
            ),
        ]


class Trace(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    trace_id = models.CharField(max_length=32)
    root_span_id = models.CharField(max_length=16, blank=True, default="")
    name = models.CharField(max_length=500, blank=True, default="")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    latency_ms = models.FloatField()
    status = models.CharField(max_length=8, choices=Status.choices)
    user_id = models.CharField(max_length=200, blank=True, default="")
    session_id = models.CharField(max_length=200, blank=True, default="")
    tags = models.JSONField(default=list)
    metadata = models.JSONField(default=dict)
    environment = models.CharField(max_length=100, blank=True, default="")
    release = models.CharField(max_length=100, blank=True, default="")
    input = models.JSONField(null=True)
    output = models.JSONField(null=True)
    # Copied up from the spans so that filtering traces by model or prompt version is an index
    # lookup on traces instead of a join to every span.
    model_names = models.JSONField(default=list)
    prompt_versions = models.JSONField(default=list)  # ["name@version", ...]
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    total_tokens = models.BigIntegerField(default=0)
    cost_total = _cost(default=0)
    unpriced_span_count = models.IntegerField(default=0)
    span_count = models.IntegerField(default=0)
    error_count = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "tracing_trace"
        constraints = [
            models.UniqueConstraint(fields=["project", "trace_id"], name="tracing_trace_unique_id")
        ]
        indexes = [
            models.Index(fields=["project", "-start_time"], name="tracing_trace_recent"),
            models.Index(fields=["project", "user_id", "-start_time"], name="tracing_trace_user"),
            models.Index(
                fields=["project", "session_id", "start_time"], name="tracing_trace_session"
            ),
            models.Index(fields=["project", "name", "-start_time"], name="tracing_trace_name"),
        ]


class RollupDimension(models.TextChoices):
    ALL = "all"
    MODEL = "model"
    PROVIDER = "provider"
    PROMPT_VERSION = "prompt_version"
    ENVIRONMENT = "environment"
    USER = "user"


class SpanRollup(models.Model):
    """Totals of a project's model calls (LLM and embedding spans) in one hour, by one dimension.

    Each call adds to one row per dimension (all calls, its model, provider, prompt version,
    environment, user), so a month of metrics by model reads a few hundred rows instead of the
    spans. Rows are written only for spans that were newly stored, in the same transaction, so a
    retried export adds nothing twice and a late span adds to its own hour. Several rows may
    hold the same key (one per ingest batch) until compaction merges them; readers sum them.
    ``latency_sketch`` is a serialized DDSketch of the calls' durations (mergeable percentiles).

    ``grain`` says what ``hour`` starts: an hour row (written by ingest as deltas, compacted
    later) or a day row (``hour`` is midnight UTC). A day row is derived, never written by
    ingest: it is the merge of the day's *compacted* hour rows, recomputed in the transaction
    that changes them (compaction, rebuild, retention), so a reader of a whole day reads the day
    row plus the day's hour rows still pending (``compacted=False``) in one statement.
    """

    class Grain(models.TextChoices):
        HOUR = "hour"
        DAY = "day"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    # db_default: PostgreSQL adds the column with a constant default without rewriting the table.
    grain = models.CharField(
        max_length=4, choices=Grain.choices, default=Grain.HOUR, db_default=Grain.HOUR
    )
    dimension = models.CharField(max_length=16, choices=RollupDimension.choices)
    value = models.CharField(max_length=400, blank=True, default="")
    call_count = models.BigIntegerField(default=0)
    error_count = models.BigIntegerField(default=0)
    unpriced_count = models.BigIntegerField(default=0)
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    total_tokens = models.BigIntegerField(default=0)
    cost_total = _cost(default=0)
    latency_sketch = models.BinaryField()
    compacted = models.BooleanField(default=False)

    class Meta:
        db_table = "tracing_span_rollup"
        indexes = [
            # Readers filter by grain (a month by day reads day rows only, never hour rows).
            models.Index(
                fields=["project", "grain", "dimension", "hour", "value"],
                name="tracing_rollup_grain_key",
            ),
            # Compaction looks for delta rows; compacted rows (nearly all) stay out of it. Only
            # hour rows are ever pending, so readers of a day's pending deltas use it too.
            models.Index(
                fields=["project", "dimension", "hour", "value"],
                condition=models.Q(compacted=False),
                name="tracing_rollup_pending",
            ),
        ]


class RetentionPolicy(models.Model):
    """How long a project keeps its traces; no row means forever."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="+")
    days = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "tracing_retention_policy"


class ModelPrice(models.Model):
    """A project's own price for models matching a pattern; wins over the default price table.

    Prices are USD per million tokens. Rows are never edited in place by the API: a new price is
    a new row with a later ``valid_from``, so spans already priced keep the price of their time.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    model_pattern = models.CharField(max_length=200)
    valid_from = models.DateTimeField(null=True, blank=True)
    input = models.DecimalField(max_digits=18, decimal_places=9)
    output = models.DecimalField(max_digits=18, decimal_places=9)
    cache_read = models.DecimalField(max_digits=18, decimal_places=9, null=True, blank=True)
    cache_write = models.DecimalField(max_digits=18, decimal_places=9, null=True, blank=True)
    reasoning = models.DecimalField(max_digits=18, decimal_places=9, null=True, blank=True)
    # [[threshold_input_tokens, input, output], ...] for long-context prices.
    tiers = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "tracing_model_price"
        indexes = [models.Index(fields=["project", "model_pattern"], name="tracing_price_pattern")]


class PendingRun(models.Model):
    """A LangSmith run seen but not complete yet (no ``end_time``): a post waiting for its patch,
    or a patch that came before its post. Spans are written once, so the run becomes a span only
    when complete (llmops/tracing/langsmith_runs.py); until then its fields, merged as they
    arrive, wait here."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    run_id = models.UUIDField()
    # The trace's id (32 hex) once known, so a trace's reads can list its runs still running.
    trace_id = models.CharField(max_length=32, blank=True, default="")
    fields = models.JSONField(default=dict)
    has_post = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "tracing_pending_run"
        constraints = [
            models.UniqueConstraint(fields=["project", "run_id"], name="tracing_pending_run_id")
        ]
        indexes = [
            models.Index(fields=["project", "trace_id"], name="tracing_pending_trace"),
            models.Index(fields=["updated_at"], name="tracing_pending_age"),
        ]
