"""Writing spans: map, price, deduplicate, insert, and refresh the traces they touch.

The contract the receiver relies on: when ``spans_ingest`` returns, every accepted span is
committed. Each span becomes one row tuple (``_to_row``, in ``span_writer.SPAN_COLUMNS`` order)
in a single pass without model instances; ``span_writer`` inserts the batch with ``ON CONFLICT
DO NOTHING`` on the span key (PostgreSQL: COPY into a staging table, then one INSERT ... SELECT),
so a retried export stores nothing twice, and exactly the newly stored model calls go to the
rollups in the same transaction. Trace totals are recomputed from the stored spans rather than
incremented (in one SQL statement on PostgreSQL, in Python on SQLite, with the same rules), so
they are right whatever the order or repetition of arrivals.

No span can fail its batch: each is checked on its own (times in a sane window and ending no
earlier than it starts, token counts and costs within what the columns hold, values nested at
most ``MAX_VALUE_DEPTH`` deep) and rejected alone with a reason, and ``_to_row`` cleans every
text and JSON value of what PostgreSQL cannot store (NUL, lone surrogates, NaN and infinities)
for every ingest path. Trace totals saturate at the columns' maximum instead of overflowing.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any
from uuid import UUID

from django.db import connection, models, transaction
from django.db.models.fields.json import KT

from llmops.json_text import storable_text
from llmops.tenancy.models import Project
from llmops.tracing.conventions.mapping import MappedSpan, map_span
from llmops.tracing.experiments import ExperimentItem, experiment_item
from llmops.tracing.models import CostSource, ModelPrice, Span, SpanKind, Status, Trace
from llmops.tracing.otlp import RawSpan, Rejection
from llmops.tracing.pricing import CustomPrice, TokenUsage, price_call
from llmops.tracing.rollups import NewCall, rollups_add
from llmops.tracing.signals import traces_ingested
from llmops.tracing.span_writer import SPAN_COLUMNS, spans_insert
from llmops.tracing.token_estimate import count_chat_tokens, count_text_tokens

log = logging.getLogger(__name__)

# Kinds whose calls are billed per token.
_PRICED_KINDS = {SpanKind.LLM, SpanKind.EMBEDDING}

# The per-span rules (docs/architecture.md, Ingest). A span breaking one is rejected alone.
_EARLIEST_NS = 946_684_800 * 10**9  # 2000-01-01T00:00:00Z
_FUTURE_SLACK_NS = 86_400 * 10**9  # a day ahead of this server's clock, for skewed clocks
# Token counts per span. A trillion is far beyond any real call, and even the largest batch
# (LLMOPS_OTLP_MAX_SPANS is at most millions) cannot sum past a bigint at this size.
MAX_SPAN_TOKENS = 10**12
_BIGINT_MAX = 2**63 - 1
# The cost columns hold 24 digits with 12 decimals, so magnitudes below 10^12 USD; the bound is a
# whole dollar under that because SQLite keeps decimals as floats, which would round up past it.
_COST_MAX = Decimal(10**12 - 1)
# Deepest nesting kept in a JSON column (inputs, outputs, attributes, ...).
MAX_VALUE_DEPTH = 64
_OTEL_KINDS = range(6)  # SpanKind values of the OTLP specification
_TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "total_tokens",
)
_COST_FIELDS = (
    "cost_input",
    "cost_output",
    "cost_cache_read",
    "cost_cache_write",
    "cost_reasoning",
    "cost_total",
)
# Every text and JSON column of a span, cleaned by _clean_row.
_TEXT_FIELDS = [
    (f.attname, f.max_length)
    for f in Span._meta.concrete_fields
    if isinstance(f, models.CharField | models.TextField)
]
_JSON_FIELDS = [f.attname for f in Span._meta.concrete_fields if isinstance(f, models.JSONField)]


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    rejected: list[Rejection]


class SpanRejected(ValueError):
    """This span breaks a per-span rule; the message is the reason given to the exporter."""


_PLAIN = (int, bool, type(None))


def _clean_value(value: Any, depth: int = 0) -> Any:
    """``value`` with every string cleaned and non-finite floats spelled as JSON cannot."""
    kind = type(value)
    if kind is str:
        return storable_text(value)
    if kind in _PLAIN:
        return value
    if kind is dict or kind is list or kind is tuple:
        if depth >= MAX_VALUE_DEPTH:
            raise SpanRejected(f"a value is nested deeper than {MAX_VALUE_DEPTH} levels")
        if kind is dict:
            return {
                storable_text(k) if type(k) is str else k: _clean_value(v, depth + 1)
                for k, v in value.items()
            }
        return [_clean_value(item, depth + 1) for item in value]
    if kind is float and not math.isfinite(value):
        # jsonb has no NaN or Infinity; keep what was sent, as text.
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _fit(text: str, max_length: int) -> str:
    """At most ``max_length`` characters and ``3 * max_length`` bytes of UTF-8.

    Characters of any living script fit the byte bound; it binds only on runs of 4-byte
    characters (emoji), which would otherwise overflow a btree index row (2704 bytes): the
    covering index on spans holds four of these columns.
    """
    text = text[:max_length]
    if text.isascii():
        return text
    encoded = text.encode()
    if len(encoded) <= 3 * max_length:
        return text
    return encoded[: 3 * max_length].decode(errors="ignore")


def _clean_row(row: dict[str, Any]) -> None:
    """Make every text and JSON column storable: the one place for all ingest paths."""
    for name, max_length in _TEXT_FIELDS:
        text = row[name]
        if text:
            text = storable_text(text)
            row[name] = _fit(text, max_length) if max_length else text
    for name in _JSON_FIELDS:
        row[name] = _clean_value(row[name])
    if row["otel_kind"] not in _OTEL_KINDS:
        row["otel_kind"] = 0  # unspecified: an unknown kind is not worth losing the span


def _check_costs(row: dict[str, Any]) -> None:
    for name in _COST_FIELDS:
        cost = row[name]
        if cost is not None and (not cost.is_finite() or abs(cost) > _COST_MAX):
            raise SpanRejected(f"{name} {cost} is outside the stored range (±{_COST_MAX} USD)")


def _iso(ns: int) -> str:
    seconds = ns // 10**9
    if seconds > 253_402_300_799:  # past 9999-12-31, beyond what datetime can show
        return f"{ns} ns"
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_times(raw: RawSpan, latest_ns: int) -> None:
    for what, ns in (("start", raw.start_ns), ("end", raw.end_ns)):
        if not _EARLIEST_NS <= ns <= latest_ns:
            raise SpanRejected(
                f"{what} time {_iso(ns)} is outside the accepted window "
                "(from 2000-01-01 to one day ahead of the server's clock)"
            )
    if raw.end_ns < raw.start_ns:
        # The OTLP decoder refuses these too; every stored span ending no earlier than it starts
        # is what bounds a trace's spans by its start and end (see _REFRESH_SQL).
        raise SpanRejected("end time is before start time")


def project_prices(*, project: Project) -> list[CustomPrice]:
    return [
        CustomPrice(
            model_pattern=row.model_pattern,
            valid_from=row.valid_from,
            input=row.input,
            output=row.output,
            cache_read=row.cache_read,
            cache_write=row.cache_write,
            reasoning=row.reasoning,
            tiers=tuple((int(t[0]), Decimal(str(t[1])), Decimal(str(t[2]))) for t in row.tiers),
        )
        for row in ModelPrice.objects.filter(project=project).order_by("id")
    ]


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(
            str(m.get("content") or "") if isinstance(m, dict) else str(m) for m in value
        )
    return str(value)


def _estimate_usage(span: MappedSpan) -> None:
    """Count tokens with the model's tokenizer when the span reported no usage."""
    model = span.model_answered or span.model_requested
    if isinstance(span.input, list) and all(isinstance(m, dict) for m in span.input):
        span.input_tokens = count_chat_tokens(span.input, model=model)
    else:
        span.input_tokens = count_text_tokens(_text_of(span.input), model=model)
    span.output_tokens = (
        0
        if span.kind == SpanKind.EMBEDDING
        else count_text_tokens(_text_of(span.output), model=model)
    )


# The row's values in SPAN_COLUMNS order (more than one column: always a tuple).
_IN_COLUMN_ORDER: Callable[[dict[str, Any]], tuple[Any, ...]] = itemgetter(*SPAN_COLUMNS)


def _to_row(project_id: UUID, span: MappedSpan, prices: Sequence[CustomPrice]) -> tuple[Any, ...]:
    """The stored span as a tuple in ``SPAN_COLUMNS`` order: priced, checked and cleaned."""
    estimated = False
    if span.kind in _PRICED_KINDS and not span.has_usage and (span.input or span.output):
        _estimate_usage(span)
        estimated = True
    usage = TokenUsage(
        input_tokens=span.input_tokens or 0,
        output_tokens=span.output_tokens or 0,
        cache_read_tokens=span.cache_read_tokens or 0,
        cache_write_tokens=span.cache_write_tokens or 0,
        reasoning_tokens=span.reasoning_tokens or 0,
        total_tokens=span.total_tokens or (span.input_tokens or 0) + (span.output_tokens or 0),
    )
    for name in _TOKEN_FIELDS:  # before pricing, which would multiply an absurd count
        value = getattr(usage, name)
        if not 0 <= value <= MAX_SPAN_TOKENS:
            raise SpanRejected(f"{name} {value} is outside 0..{MAX_SPAN_TOKENS}")
    row: dict[str, Any] = {
        "project_id": project_id,
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id,
        "name": span.name,
        "kind": span.kind,
        "otel_kind": span.otel_kind,
        "scope": span.scope,
        "start_time": span.start_time,
        "end_time": span.end_time,
        "duration_ms": span.duration_ms,
        "status": span.status,
        "status_message": span.status_message,
        "error_type": span.error_type[:200],
        "provider": span.provider[:100],
        "model_requested": span.model_requested[:200],
        "model_answered": span.model_answered[:200],
        "invocation_params": span.invocation_params,
        "input": span.input,
        "output": span.output,
        "documents": span.documents,
        "tool_calls": span.tool_calls,
        "user_id": span.user_id,
        "session_id": span.session_id,
        "tags": span.tags,
        "metadata": span.metadata,
        "environment": span.environment,
        "release": span.release,
        "prompt_name": span.prompt_name[:300],
        "prompt_version": span.prompt_version[:50],
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "total_tokens": usage.total_tokens,
        "usage_estimated": estimated,
        "cost_input": None,
        "cost_output": None,
        "cost_cache_read": None,
        "cost_cache_write": None,
        "cost_reasoning": None,
        "cost_total": None,
        "cost_source": CostSource.NONE.value,
        "attributes": span.attributes,
        "resource_attributes": span.resource_attributes,
        "events": span.events,
    }
    if span.cost_sent is not None:
        sent = span.cost_sent
        row["cost_total"] = sent.total
        row["cost_input"] = sent.input
        row["cost_output"] = sent.output
        row["cost_cache_read"] = sent.cache_read
        row["cost_cache_write"] = sent.cache_write
        row["cost_reasoning"] = sent.reasoning
        row["cost_source"] = CostSource.SPAN.value
    elif span.kind in _PRICED_KINDS and (usage.input_tokens or usage.output_tokens):
        model = span.model_answered or span.model_requested
        cost = (
            price_call(
                usage=usage,
                model=model,
                provider=span.provider or None,
                at=span.start_time,
                overrides=prices,
            )
            if model
            else None
        )
        if cost is None:
            row["cost_source"] = CostSource.UNPRICED.value
        else:
            row["cost_input"] = cost.input
            row["cost_output"] = cost.output
            row["cost_cache_read"] = cost.cache_read
            row["cost_cache_write"] = cost.cache_write
            row["cost_reasoning"] = cost.reasoning
            row["cost_total"] = cost.total
            row["cost_source"] = (
                CostSource.CUSTOM.value if cost.source == "custom" else CostSource.DEFAULT.value
            )
    _check_costs(row)
    _clean_row(row)
    return _IN_COLUMN_ORDER(row)


# Most per-trace advisory locks one transaction takes. PostgreSQL keeps advisory locks in a
# shared table of max_locks_per_transaction x max_connections entries (6,400 by default) for all
# sessions together, so one lock per trace of a big batch ran out of it ("out of shared
# memory"). 257 per writer leaves room for twenty concurrent writers.
MAX_TRACE_LOCKS = 256
_ALL_TRACES_KEY = int.from_bytes(
    hashlib.blake2b(b"llmops.tracing.ingest", digest_size=8).digest(), "big", signed=True
)


def _lock_traces(project: Project, trace_ids: Sequence[str]) -> None:
    """Serialise concurrent writers of the same trace until commit (PostgreSQL only).

    Two batches that both carry spans of one trace would each recompute the trace from what they
    can see, and the later commit could overwrite the other's totals. A transaction-scoped
    advisory lock per trace, taken in sorted order (no deadlocks), makes the second batch wait
    and then see the first batch's spans; batches of different traces run side by side.

    The count is bounded: every batch first takes one lock on "all traces", shared when it
    locks its traces one by one (at most ``MAX_TRACE_LOCKS``), exclusive when it touches more
    traces than that; the exclusive holder then runs alone, without per-trace locks. SQLite
    already runs one writer at a time.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if len(trace_ids) > MAX_TRACE_LOCKS:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ALL_TRACES_KEY])
            return
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_ALL_TRACES_KEY])
        keys = sorted(
            int.from_bytes(
                hashlib.blake2b(f"{project.pk}:{t}".encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            for t in trace_ids
        )
        cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [keys])


# Ids per query, well under SQLite's and PostgreSQL's limits on bound parameters.
_IDS_PER_QUERY = 2000


_TRACE_FIELDS = [
    "root_span_id",
    "name",
    "start_time",
    "end_time",
    "latency_ms",
    "status",
    "user_id",
    "session_id",
    "tags",
    "metadata",
    "environment",
    "release",
    "input",
    "output",
    "model_names",
    "prompt_versions",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_total",
    "unpriced_span_count",
    "span_count",
    "error_count",
    "updated_at",
]


def traces_refresh(
    *,
    project: Project,
    trace_ids: Sequence[str],
    new_starts: tuple[datetime, datetime] | None = None,
) -> None:
    """Recompute the trace rows of ``trace_ids`` from their stored spans.

    ``new_starts`` is the earliest and latest start of spans just written to these traces (if
    any): on PostgreSQL the spans are read within the traces' known time range widened by it,
    so a partitioned span table is read only in the partitions that can hold them.

    Totals saturate at what their columns hold (tokens at 2^63-1, cost at ±999999999999 USD)
    rather than fail the write: spans of one trace may keep arriving in any number of batches.
    """
    refresh = _refresh_sql if connection.vendor == "postgresql" else _refresh
    for start in range(0, len(trace_ids), _IDS_PER_QUERY):
        refresh(project, trace_ids[start : start + _IDS_PER_QUERY], new_starts)


def _models_and_prompts(rows: Iterable[tuple[Any, ...]]) -> tuple[set[str], set[str]]:
    """The model names and ``name@version`` prompts of these spans, as their traces list them:
    the listeners (lineage groups) take them from here instead of reading the traces again."""
    models: set[str] = set()
    prompts: set[str] = set()
    for answered, requested, prompt, version in {
        (row[_ANSWERED_COLUMN], row[_REQUESTED_COLUMN], row[_PROMPT_COLUMN], row[_VERSION_COLUMN])
        for row in rows
    }:
        models.update((answered or requested, requested))
        if prompt:
            prompts.add(f"{prompt}@{version}")
    models.discard("")
    return models, prompts


_ANSWERED_COLUMN = SPAN_COLUMNS.index("model_answered")
_REQUESTED_COLUMN = SPAN_COLUMNS.index("model_requested")
_PROMPT_COLUMN = SPAN_COLUMNS.index("prompt_name")
_VERSION_COLUMN = SPAN_COLUMNS.index("prompt_version")


def _starts(rows: Iterable[tuple[Any, ...]]) -> tuple[datetime, datetime] | None:
    starts = [row[_START_COLUMN] for row in rows]
    return (min(starts), max(starts)) if starts else None


_START_COLUMN = SPAN_COLUMNS.index("start_time")


def _saturated(total: int) -> int:
    return min(total, _BIGINT_MAX)


# The trace rows in one statement, with the same rules as _refresh (the SQLite path):
# - spans in order of (start time, span id); the root is the first span without a parent;
# - name: the trace name a span carries (metadata "trace_name", Langfuse's langfuse.trace.name):
#   the root's, else the first span's that has one; without one the root span's name, else the
#   first span's; input, output, metadata: the root's;
# - user, session, environment, release: the root's when it has one, else the first non-empty;
# - tags, model names (answered or requested, then requested), prompt versions: the union in
#   order of first appearance;
# - sums saturate at the columns' bounds; status is error if any span failed, else the root's.
# Each part is computed once (MATERIALIZED): planned without statistics on fresh rows, a join
# could otherwise recompute an aggregate once per trace; and there is one join only.
# Spans are read with start_time in [lo, hi] (_TRACE_BOUNDS_SQL), given as values so that the
# planner prunes partitions and weighs the range against the trace ids with real numbers.
_REFRESH_SQL = """
WITH
-- Each span with its position in the trace and, over the whole trace (one sort for all), the
-- trace's totals, its root's values and its first non-empty values: the row at position 1
-- carries the trace.
spans AS MATERIALIZED (
    SELECT
        s.trace_id, s.tags, s.model_requested, s.model_answered, s.prompt_name,
        s.prompt_version,
        row_number() OVER in_order AS pos,
        first_value(s.name) OVER in_order AS first_name,
        (array_agg(s.metadata->>'trace_name') FILTER (WHERE s.parent_span_id = '') OVER whole)[1]
            AS root_trace_name,
        (array_agg(s.metadata->>'trace_name') FILTER (WHERE s.metadata->>'trace_name' <> '')
            OVER whole)[1] AS first_trace_name,
        (array_agg(s.span_id) FILTER (WHERE s.parent_span_id = '') OVER whole)[1] AS root_id,
        (array_agg(s.name) FILTER (WHERE s.parent_span_id = '') OVER whole)[1] AS root_name,
        (array_agg(s.status) FILTER (WHERE s.parent_span_id = '') OVER whole)[1] AS root_status,
        (array_agg(s.input) FILTER (WHERE s.parent_span_id = '') OVER whole)[1] AS input,
        (array_agg(s.output) FILTER (WHERE s.parent_span_id = '') OVER whole)[1] AS output,
        (array_agg(s.metadata) FILTER (WHERE s.parent_span_id = '') OVER whole)[1] AS metadata,
        (array_agg(s.user_id) FILTER (WHERE s.parent_span_id = '') OVER whole)[1] AS root_user,
        (array_agg(s.session_id) FILTER (WHERE s.parent_span_id = '') OVER whole)[1]
            AS root_session,
        (array_agg(s.environment) FILTER (WHERE s.parent_span_id = '') OVER whole)[1]
            AS root_environment,
        (array_agg(s.release) FILTER (WHERE s.parent_span_id = '') OVER whole)[1]
            AS root_release,
        (array_agg(s.user_id) FILTER (WHERE s.user_id <> '') OVER whole)[1] AS first_user,
        (array_agg(s.session_id) FILTER (WHERE s.session_id <> '') OVER whole)[1]
            AS first_session,
        (array_agg(s.environment) FILTER (WHERE s.environment <> '') OVER whole)[1]
            AS first_environment,
        (array_agg(s.release) FILTER (WHERE s.release <> '') OVER whole)[1] AS first_release,
        min(s.start_time) OVER whole AS start_time,
        max(s.end_time) OVER whole AS end_time,
        LEAST(sum(s.input_tokens) OVER whole, %(bigint_max)s)::bigint AS input_tokens,
        LEAST(sum(s.output_tokens) OVER whole, %(bigint_max)s)::bigint AS output_tokens,
        LEAST(sum(s.total_tokens) OVER whole, %(bigint_max)s)::bigint AS total_tokens,
        GREATEST(-%(cost_max)s, LEAST(COALESCE(sum(s.cost_total) OVER whole, 0), %(cost_max)s))
            AS cost_total,
        count(*) FILTER (WHERE s.cost_source = 'unpriced') OVER whole AS unpriced_span_count,
        count(*) OVER whole AS span_count,
        count(*) FILTER (WHERE s.status = 'error') OVER whole AS error_count
    FROM tracing_span s
    WHERE s.project_id = %(project)s AND s.trace_id = ANY(%(trace_ids)s)
        AND s.start_time >= %(lo)s AND s.start_time <= %(hi)s
    WINDOW in_order AS (PARTITION BY s.trace_id ORDER BY s.start_time, s.span_id),
        whole AS (in_order ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
-- Tags, model names (answered or requested, then requested) and prompt versions, each at its
-- first appearance in span order.
items AS MATERIALIZED (
    SELECT DISTINCT ON (trace_id, list, item) trace_id, list, item, pos, ord
    FROM (
        SELECT s.trace_id, 'tags' AS list, e.item, s.pos, e.ord
        FROM spans s, jsonb_array_elements(s.tags) WITH ORDINALITY AS e(item, ord)
        UNION ALL
        SELECT s.trace_id, 'models', to_jsonb(m.model), s.pos, m.ord
        FROM spans s,
            LATERAL (VALUES
                (1, COALESCE(NULLIF(s.model_answered, ''), s.model_requested)),
                (2, s.model_requested)
            ) AS m(ord, model)
        WHERE m.model <> ''
        UNION ALL
        SELECT s.trace_id, 'prompts', to_jsonb(s.prompt_name || '@' || s.prompt_version), s.pos, 1
        FROM spans s
        WHERE s.prompt_name <> ''
    ) listed
    ORDER BY trace_id, list, item, pos, ord
),
lists AS MATERIALIZED (
    SELECT
        trace_id,
        jsonb_agg(item ORDER BY pos, ord) FILTER (WHERE list = 'tags') AS tags,
        jsonb_agg(item ORDER BY pos, ord) FILTER (WHERE list = 'models') AS model_names,
        jsonb_agg(item ORDER BY pos, ord) FILTER (WHERE list = 'prompts') AS prompt_versions
    FROM items
    GROUP BY trace_id
)
INSERT INTO tracing_trace (
    project_id, trace_id, root_span_id, name, start_time, end_time, latency_ms, status,
    user_id, session_id, tags, metadata, environment, release, input, output, model_names,
    prompt_versions, input_tokens, output_tokens, total_tokens, cost_total,
    unpriced_span_count, span_count, error_count, updated_at
)
SELECT
    %(project)s, t.trace_id, COALESCE(t.root_id, ''),
    LEFT(COALESCE(
        NULLIF(t.root_trace_name, ''), t.first_trace_name,
        CASE WHEN t.root_id IS NULL THEN t.first_name ELSE t.root_name END
    ), 500),
    t.start_time, t.end_time,
    EXTRACT(EPOCH FROM t.end_time - t.start_time)::float8 * 1000,
    CASE WHEN t.error_count > 0 THEN 'error' ELSE COALESCE(t.root_status, 'unset') END,
    COALESCE(NULLIF(t.root_user, ''), t.first_user, ''),
    COALESCE(NULLIF(t.root_session, ''), t.first_session, ''),
    COALESCE(l.tags, '[]'::jsonb),
    COALESCE(t.metadata, '{}'::jsonb),
    COALESCE(NULLIF(t.root_environment, ''), t.first_environment, ''),
    COALESCE(NULLIF(t.root_release, ''), t.first_release, ''),
    t.input, t.output,
    COALESCE(l.model_names, '[]'::jsonb),
    COALESCE(l.prompt_versions, '[]'::jsonb),
    t.input_tokens, t.output_tokens, t.total_tokens, t.cost_total,
    t.unpriced_span_count, t.span_count, t.error_count, now()
FROM spans t
LEFT JOIN lists l ON l.trace_id = t.trace_id
WHERE t.pos = 1
ON CONFLICT (project_id, trace_id) DO UPDATE SET
    root_span_id = EXCLUDED.root_span_id, name = EXCLUDED.name,
    start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
    latency_ms = EXCLUDED.latency_ms, status = EXCLUDED.status, user_id = EXCLUDED.user_id,
    session_id = EXCLUDED.session_id, tags = EXCLUDED.tags, metadata = EXCLUDED.metadata,
    environment = EXCLUDED.environment, release = EXCLUDED.release, input = EXCLUDED.input,
    output = EXCLUDED.output, model_names = EXCLUDED.model_names,
    prompt_versions = EXCLUDED.prompt_versions, input_tokens = EXCLUDED.input_tokens,
    output_tokens = EXCLUDED.output_tokens, total_tokens = EXCLUDED.total_tokens,
    cost_total = EXCLUDED.cost_total, unpriced_span_count = EXCLUDED.unpriced_span_count,
    span_count = EXCLUDED.span_count, error_count = EXCLUDED.error_count,
    updated_at = EXCLUDED.updated_at
"""


# lo is the earliest of the new spans' starts and the stored traces' starts (the least start of
# their spans), hi the latest of the new spans' starts and the stored traces' ends. Every stored
# span starts no later than it ends (the OTLP decoder and _check_times refuse others), so each
# span of these traces starts in [lo, hi]: the bound lets PostgreSQL skip partitions and never
# leaves a span out. With nothing to bound by (no trace rows, no new spans) it is unbounded.
_TRACE_BOUNDS_SQL = """
SELECT
    COALESCE(LEAST(%(new_lo)s::timestamptz, min(start_time)), '-infinity'::timestamptz),
    COALESCE(GREATEST(%(new_hi)s::timestamptz, max(end_time)), 'infinity'::timestamptz)
FROM tracing_trace
WHERE project_id = %(project)s AND trace_id = ANY(%(trace_ids)s)
"""


def _refresh_sql(
    project: Project, trace_ids: Sequence[str], new_starts: tuple[datetime, datetime] | None
) -> None:
    if not trace_ids:
        return
    ids = list(trace_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            _TRACE_BOUNDS_SQL,
            {
                "project": project.pk,
                "trace_ids": ids,
                "new_lo": new_starts[0] if new_starts else None,
                "new_hi": new_starts[1] if new_starts else None,
            },
        )
        lo, hi = cursor.fetchone()
        cursor.execute(
            _REFRESH_SQL,
            {
                "project": project.pk,
                "trace_ids": ids,
                "lo": lo,
                "hi": hi,
                "bigint_max": _BIGINT_MAX,
                "cost_max": _COST_MAX,
            },
        )


def _refresh(
    project: Project, trace_ids: Sequence[str], new_starts: tuple[datetime, datetime] | None = None
) -> None:
    """The trace rows, computed in Python (SQLite; and the reference the SQL is tested against)."""
    if not trace_ids:
        return
    columns = (
        "trace_id",
        "span_id",
        "parent_span_id",
        "name",
        "start_time",
        "end_time",
        "status",
        "user_id",
        "session_id",
        "tags",
        "environment",
        "release",
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "cost_total",
        "cost_source",
        "model_requested",
        "model_answered",
        "prompt_name",
        "prompt_version",
    )
    by_trace: dict[str, list[dict[str, Any]]] = {}
    for row in Span.objects.filter(project=project, trace_id__in=trace_ids).values(
        *columns, trace_name=KT("metadata__trace_name")
    ):
        by_trace.setdefault(row["trace_id"], []).append(row)
    roots: dict[str, dict[str, Any]] = {}
    for row in (
        Span.objects.filter(project=project, trace_id__in=trace_ids, parent_span_id="")
        .order_by("-start_time", "-span_id")
        .values("trace_id", "span_id", "input", "output", "metadata")
    ):
        roots[row["trace_id"]] = dict(row)  # the last one kept: the earliest root

    traces: list[Trace] = []
    for trace_id, spans in by_trace.items():
        spans.sort(key=lambda s: (s["start_time"], s["span_id"]))
        root_meta: dict[str, Any] = dict(roots.get(trace_id) or {})
        root = next((s for s in spans if s["span_id"] == root_meta.get("span_id")), None)
        first = root or spans[0]
        start = min(s["start_time"] for s in spans)
        end = max(s["end_time"] for s in spans)
        errors = sum(1 for s in spans if s["status"] == Status.ERROR)
        tags: list[str] = []
        model_names: list[str] = []
        prompt_versions: list[str] = []
        for s in spans:
            tags.extend(t for t in s["tags"] if t not in tags)
            model = s["model_answered"] or s["model_requested"]
            if model and model not in model_names:
                model_names.append(model)
            if s["model_requested"] and s["model_requested"] not in model_names:
                model_names.append(s["model_requested"])
            if s["prompt_name"]:
                prompt = f"{s['prompt_name']}@{s['prompt_version']}"
                if prompt not in prompt_versions:
                    prompt_versions.append(prompt)

        def first_value(
            key: str,
            spans: list[dict[str, Any]] = spans,
            root: dict[str, Any] | None = root,
        ) -> str:
            # The root's value, else the first span's that has one (children may carry the
            # user or session when the root does not, or has not arrived yet).
            if root is not None and root[key]:
                return str(root[key])
            return next((str(s[key]) for s in spans if s[key]), "")

        traces.append(
            Trace(
                project=project,
                trace_id=trace_id,
                root_span_id=root["span_id"] if root else "",
                name=(first_value("trace_name") or first["name"])[:500],
                start_time=start,
                end_time=end,
                latency_ms=(end - start).total_seconds() * 1000,
                status=Status.ERROR if errors else (root["status"] if root else Status.UNSET),
                user_id=first_value("user_id"),
                session_id=first_value("session_id"),
                tags=tags,
                metadata=root_meta.get("metadata") or {},
                environment=first_value("environment"),
                release=first_value("release"),
                model_names=model_names,
                prompt_versions=prompt_versions,
                input=root_meta.get("input"),
                output=root_meta.get("output"),
                input_tokens=_saturated(sum(s["input_tokens"] for s in spans)),
                output_tokens=_saturated(sum(s["output_tokens"] for s in spans)),
                total_tokens=_saturated(sum(s["total_tokens"] for s in spans)),
                cost_total=max(
                    -_COST_MAX,
                    min(sum((s["cost_total"] or Decimal(0) for s in spans), Decimal(0)), _COST_MAX),
                ),
                unpriced_span_count=sum(
                    1 for s in spans if s["cost_source"] == CostSource.UNPRICED
                ),
                span_count=len(spans),
                error_count=errors,
            )
        )
    Trace.objects.bulk_create(
        traces,
        update_conflicts=True,
        unique_fields=["project", "trace_id"],
        update_fields=_TRACE_FIELDS,
    )


def spans_ingest(
    *, project: Project, raw_spans: Sequence[RawSpan], announce: bool = True
) -> IngestResult:
    """Store ``raw_spans`` of ``project``; committed when this returns.

    ``announce`` sends ``traces_ingested`` with the batch's trace ids, model names, prompt
    versions and experiment items (online evaluation, the lineage groups and experiment runs
    listen); the platform's own evaluation spans are stored without it, so judging a trace never
    triggers more judging.
    """
    rejected: list[Rejection] = []
    prices = project_prices(project=project)
    rows: dict[tuple[str, str], tuple[Any, ...]] = {}
    experiment_items: list[ExperimentItem] = []
    latest_ns = time.time_ns() + _FUTURE_SLACK_NS
    for raw in raw_spans:
        key = (raw.trace_id, raw.span_id)
        if key in rows:
            continue  # the same span twice in one batch: the first one wins, as across batches
        try:
            _check_times(raw, latest_ns)
            span = map_span(raw)
            rows[key] = _to_row(project.pk, span, prices)
            if span.experiment is not None:
                item = experiment_item(span)
                if item is not None:
                    experiment_items.append(item)
        except SpanRejected as exc:
            rejected.append(Rejection(raw.span_id, str(exc)))
        except RecursionError:
            # A JSON text in an attribute, nested too deep for the parser.
            rejected.append(Rejection(raw.span_id, "a value is nested too deeply to read"))
        except Exception as exc:
            log.warning("span %s rejected: %s", raw.span_id, exc, exc_info=True)
            rejected.append(Rejection(raw.span_id, f"could not be read: {type(exc).__name__}"))
    trace_ids = sorted({trace_id for trace_id, _ in rows})
    with transaction.atomic():
        _lock_traces(project, trace_ids)
        calls = spans_insert(list(rows.values()))
        if calls:
            rollups_add(project_id=project.pk, calls=[NewCall(*call) for call in calls])
        traces_refresh(project=project, trace_ids=trace_ids, new_starts=_starts(rows.values()))
    if announce and trace_ids:
        model_names, prompt_versions = _models_and_prompts(rows.values())
        traces_ingested.send(
            sender=Trace,
            project=project,
            trace_ids=trace_ids,
            model_names=model_names,
            prompt_versions=prompt_versions,
            experiment_items=experiment_items,
        )
    return IngestResult(accepted=len(rows), rejected=rejected)
