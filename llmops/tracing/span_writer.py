"""Writing mapped span rows: PostgreSQL COPY into a staging table, then one INSERT ... SELECT.

Rows arrive as plain tuples in ``SPAN_COLUMNS`` order, already checked and cleaned by ingest.
On PostgreSQL they are copied (binary COPY) into a session temporary table and moved into
``tracing_span`` with ``ON CONFLICT DO NOTHING`` in the caller's transaction, so the first write
of a span wins and a retried batch stores nothing twice. The conflict has no target on purpose:
the same statement works whichever unique key the span table has (plain, or partitioned by start
time with the start time in the key), and always writes through the table name ``tracing_span``.
``RETURNING`` tells exactly which spans were new, for the rollups. SQLite (the embedded default)
takes the plain ORM path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models
from psycopg.types.json import set_json_dumps

from llmops.tracing import fast_json
from llmops.tracing.models import Span, SpanKind
from llmops.tracing.rollups import NewCall

# Every stored column of a span except the generated ones (id, ingested_at), in the order of
# the model. A row is a tuple in this order.
SPAN_COLUMNS: tuple[str, ...] = tuple(
    str(f.column) for f in Span._meta.concrete_fields if f.column not in ("id", "ingested_at")
)

# The binary COPY format wants each column's exact type.
_COPY_TYPES = {
    "CharField": "text",
    "TextField": "text",
    "BigIntegerField": "int8",
    "PositiveSmallIntegerField": "int2",
    "FloatField": "float8",
    "DateTimeField": "timestamptz",
    "DecimalField": "numeric",
    "JSONField": "jsonb",
    "BooleanField": "bool",
    "BigAutoField": "int8",
    "AutoField": "int4",
    "UUIDField": "uuid",
}


def _copy_type(field: models.Field[Any, Any]) -> str:
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    return _COPY_TYPES[target.get_internal_type()]


_TYPES = [
    _copy_type(f) for f in Span._meta.concrete_fields if f.column not in ("id", "ingested_at")
]
_STAGE = "llmops_span_stage"
_COLUMN_LIST = ", ".join(SPAN_COLUMNS)

# Kinds whose calls the rollups count.
_CALL_KINDS = (SpanKind.LLM.value, SpanKind.EMBEDDING.value)
# The new model calls, in rollups.NewCall's field order (the model: answered, else requested).
_CALL_COLUMNS = tuple(
    "COALESCE(NULLIF(model_answered, ''), model_requested)" if f.name == "model" else f.name
    for f in fields(NewCall)
)
_RETURNED = (
    "kind, start_time, model_answered, model_requested, provider, prompt_name, prompt_version, "
    "environment, user_id, status, duration_ms, input_tokens, output_tokens, total_tokens, "
    "cost_total, cost_source"
)
# One statement: empty the stage into the span table, keeping the spans already stored, and
# answer the model calls among the spans that were new.
_INSERT = f"""
WITH staged AS (DELETE FROM {_STAGE} RETURNING {_COLUMN_LIST}),
inserted AS (
    INSERT INTO tracing_span ({_COLUMN_LIST}, ingested_at)
    SELECT {_COLUMN_LIST}, now() FROM staged
    ON CONFLICT DO NOTHING
    RETURNING {_RETURNED}
)
SELECT {", ".join(_CALL_COLUMNS)} FROM inserted WHERE kind IN ('llm', 'embedding')
"""  # noqa: S608 — only the model's column names are interpolated

_CREATE_STAGE = f"""
CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ON COMMIT DELETE ROWS AS
SELECT {_COLUMN_LIST} FROM tracing_span WITH NO DATA
"""  # noqa: S608 — only the model's column names are interpolated

# A call as the rollups take it (rollups.NewCall's fields, in order).
CallValues = tuple[
    datetime, str, str, str, str, str, str, str, float, int, int, int, Decimal | None, str
]


def _copy_rows(rows: Iterable[Sequence[Any]]) -> None:
    """COPY ``rows`` into this session's staging table (created on first use)."""
    with connection.cursor() as cursor:
        # Through Django's cursor: its error translation and execute wrappers apply.
        # Temporary, so private to this session; emptied at commit, and by _INSERT itself when
        # the caller's transaction is a savepoint inside a longer one.
        cursor.execute(_CREATE_STAGE)
        with connection.wrap_database_errors:
            raw = cursor.cursor
            # Dumpers follow the column types given to set_types, so the JSON columns' values
            # go to the jsonb dumper as they are: written with fast_json on this cursor only.
            set_json_dumps(fast_json.dumps, raw)
            with raw.copy(f"COPY {_STAGE} ({_COLUMN_LIST}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(_TYPES)
                for row in rows:
                    copy.write_row(row)


def spans_insert(rows: Sequence[tuple[Any, ...]]) -> list[CallValues]:
    """Store ``rows`` (first write wins); return the newly stored LLM and embedding calls.

    Runs in the caller's transaction: the caller holds the trace locks.
    """
    if not rows:
        return []
    if connection.vendor == "postgresql":
        _copy_rows(rows)
        with connection.cursor() as cursor:
            cursor.execute(_INSERT)
            return [tuple(r) for r in cursor.fetchall()]
    return _insert_orm(rows)


_ATTNAMES = tuple(
    f.attname for f in Span._meta.concrete_fields if f.column not in ("id", "ingested_at")
)
_IDS_PER_QUERY = 2000


def _insert_orm(rows: Sequence[tuple[Any, ...]]) -> list[CallValues]:
    """SQLite: the keys already stored are read first (one writer at a time, in this
    transaction), so the new spans are known without RETURNING."""
    project_col = SPAN_COLUMNS.index("project_id")
    trace_col = SPAN_COLUMNS.index("trace_id")
    span_col = SPAN_COLUMNS.index("span_id")
    project_id = rows[0][project_col]
    trace_ids = sorted({row[trace_col] for row in rows})
    with connection.cursor() as cursor:
        # A write first (it changes no row): SQLite takes this transaction's write lock now, so
        # a concurrent writer waits here instead of both reading and then failing to upgrade.
        cursor.execute("UPDATE tracing_span SET id = id WHERE id = -1")
    existing: set[tuple[str, str]] = set()
    for start in range(0, len(trace_ids), _IDS_PER_QUERY):
        existing.update(
            Span.objects.filter(
                project_id=project_id, trace_id__in=trace_ids[start : start + _IDS_PER_QUERY]
            ).values_list("trace_id", "span_id")
        )
    new = [row for row in rows if (row[trace_col], row[span_col]) not in existing]
    Span.objects.bulk_create(
        [Span(**dict(zip(_ATTNAMES, row, strict=True))) for row in new],
        ignore_conflicts=True,
        batch_size=1000,
    )
    calls: list[CallValues] = []
    for row in new:
        values = dict(zip(SPAN_COLUMNS, row, strict=True))
        if values["kind"] in _CALL_KINDS:
            calls.append(
                (
                    values["start_time"],
                    values["model_answered"] or values["model_requested"],
                    values["provider"],
                    values["prompt_name"],
                    values["prompt_version"],
                    values["environment"],
                    values["user_id"],
                    values["status"],
                    values["duration_ms"],
                    values["input_tokens"],
                    values["output_tokens"],
                    values["total_tokens"],
                    values["cost_total"],
                    values["cost_source"],
                )
            )
    return calls
