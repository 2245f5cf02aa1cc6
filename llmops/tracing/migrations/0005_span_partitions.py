"""Spans partitioned by day of start time (PostgreSQL); the span key gains the start time.

On PostgreSQL ``tracing_span`` becomes a table ``PARTITION BY RANGE (start_time)``:

- ``tracing_span_legacy`` is the old table, attached for ``[MINVALUE, B)`` where B is the start
  of the UTC day three days ahead (ingest accepts start times up to a day ahead, so no span
  written while this migration runs can fall at or past B). A fresh, empty table is dropped
  instead and the daily partitions start yesterday.
- ``tracing_span_pYYYYMMDD``: one per UTC day, from B (or yesterday) to a week ahead; the beat
  task ``tracing.maintain_partitions`` keeps creating them ahead (llmops/tracing/partitions.py).
- ``tracing_span_default``: the DEFAULT partition, so a span never fails to insert for lack of a
  partition (a day whose partition retention dropped, or days past those created when beat has
  been down). It is kept empty in practice; see partitions.py for what it costs.

A unique key of a partitioned table must contain the partition key, so the span key becomes
(project, trace id, span id, start time) and the primary key (id, start time); Django keeps
``id`` as the pk. A retried export resends a span with the same start time, so a retry still
stores nothing twice. ``id`` keeps counting from the old sequence (``tracing_span_id_seq``,
now a plain sequence owned by the parent's column instead of an identity). No table has a
foreign key to spans.

Locks on a big table (the migration is not atomic so that the long steps hold no strong lock):

1. ``CREATE UNIQUE INDEX CONCURRENTLY`` of the two new keys on the old table: a full scan and
   sort each, as long as the table is big, under SHARE UPDATE EXCLUSIVE: reads and writes go
   on.
2. ``CHECK (start_time < B) NOT VALID`` (ACCESS EXCLUSIVE for an instant), then ``VALIDATE``:
   one scan under SHARE UPDATE EXCLUSIVE, reads and writes go on.
3. One short transaction with ``lock_timeout`` 10 s holds ACCESS EXCLUSIVE on the span table
   for catalog changes only: the old keys are swapped for the prebuilt indexes (``USING
   INDEX``), the table is renamed, the partitioned parent is created with the same columns,
   checks, foreign key and indexes, and the old table is attached. The attach scans nothing:
   the validated CHECK proves the range and the existing indexes are adopted as the parent
   indexes' partitions. Adding the foreign key to the parent also takes SHARE ROW EXCLUSIVE
   on ``tenancy_project`` for that instant. If a lock is not granted in 10 s the step fails and
   the migration is simply run again (every step is idempotent).

Backwards (to 0004) copies every span into a plain table in one transaction under ACCESS
EXCLUSIVE: writes stop for as long as the copy and the index builds take (plan a window on a
big table). Spans that share (project, trace id, span id) but not the start time, which only
the new key allows, keep the lowest id.

SQLite keeps a plain table; only its unique constraint changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import migrations, models, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState, StateApps

LEGACY = "tracing_span_legacy"
LEGACY_PK = "tracing_span_legacy_pkey"
LEGACY_UNIQUE = "tracing_span_legacy_unique"
LEGACY_RANGE = "tracing_span_legacy_range"
OLD_UNIQUE = "tracing_span_unique_id"
NEW_UNIQUE = "tracing_span_unique_start"
SEQUENCE = "tracing_span_id_seq"
DAYS_AHEAD = 7


def _today() -> date:
    return datetime.now(tz=UTC).date()


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _legacy_bound() -> datetime:
    return _midnight(_today() + timedelta(days=3))


def _partitioned(cursor: Any) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'tracing_span'::regclass")
    return bool(cursor.fetchone()[0] == "p")


def _drop_invalid_index(cursor: Any, name: str) -> None:
    # A concurrent build that failed half-way leaves an INVALID index that IF NOT EXISTS
    # would keep forever.
    cursor.execute(
        "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname = %s AND NOT i.indisvalid",
        [name],
    )
    if cursor.fetchone():
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def prepare(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Build the new keys and prove the legacy range while reads and writes go on."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if _partitioned(cursor):
            return
        for name, columns in (
            (LEGACY_PK, "id, start_time"),
            (LEGACY_UNIQUE, "project_id, trace_id, span_id, start_time"),
        ):
            _drop_invalid_index(cursor, name)
            cursor.execute(
                f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON tracing_span ({columns})"
            )
        # A rerun on another day needs its own bound: the old check goes first.
        cursor.execute(f"ALTER TABLE tracing_span DROP CONSTRAINT IF EXISTS {LEGACY_RANGE}")
        cursor.execute(
            f"ALTER TABLE tracing_span ADD CONSTRAINT {LEGACY_RANGE} "
            "CHECK (start_time < %s) NOT VALID",
            [_legacy_bound()],
        )
        cursor.execute(f"ALTER TABLE tracing_span VALIDATE CONSTRAINT {LEGACY_RANGE}")


def _partition_name(day: date) -> str:
    return f"tracing_span_p{day:%Y%m%d}"


def swap(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Replace the table by a partitioned parent holding it; catalog changes only."""
    if schema_editor.connection.vendor != "postgresql":
        return
    connection = schema_editor.connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if _partitioned(cursor):
            return
        cursor.execute("SET LOCAL lock_timeout = '10s'")
        cursor.execute("LOCK TABLE tracing_span IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'tracing_span'::regclass AND conname = %s",
            [LEGACY_RANGE],
        )
        bound_row = cursor.fetchone()
        # Indexes that back no constraint, as Django created them (their definitions name the
        # table tracing_span, which is the parent's name from here on).
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'tracing_span'::regclass AND c.relname NOT IN (%s, %s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            [LEGACY_PK, LEGACY_UNIQUE],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'tracing_span'::regclass AND contype IN ('c', 'f') "
            "AND conname <> %s ORDER BY conname",
            [LEGACY_RANGE],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'tracing_span'::regclass "
            "AND contype IN ('p', 'u') AND conname NOT IN (%s, %s)",
            [LEGACY_PK, LEGACY_UNIQUE],
        )
        old_keys = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT EXISTS (SELECT 1 FROM tracing_span)")
        empty = not cursor.fetchone()[0]
        cursor.execute("SELECT last_value, is_called FROM tracing_span_id_seq")
        last_value, is_called = cursor.fetchone()

        cursor.execute(f"ALTER TABLE tracing_span RENAME TO {LEGACY}")
        cursor.execute(
            "SELECT attidentity FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'id'",
            [LEGACY],
        )
        if cursor.fetchone()[0]:
            cursor.execute(f"ALTER TABLE {LEGACY} ALTER COLUMN id DROP IDENTITY")
        else:  # a serial column: its sequence is about to belong to the parent
            cursor.execute(f"ALTER TABLE {LEGACY} ALTER COLUMN id DROP DEFAULT")
            cursor.execute(f"DROP SEQUENCE {SEQUENCE}")
        for name in old_keys:
            cursor.execute(f"ALTER TABLE {LEGACY} DROP CONSTRAINT {name}")
        keep = not empty and bound_row is not None
        if keep:
            # Instant: the indexes were built (concurrently) by ``prepare``.
            cursor.execute(
                f"ALTER TABLE {LEGACY} ADD CONSTRAINT {LEGACY_PK} PRIMARY KEY USING INDEX {LEGACY_PK}"
            )
            cursor.execute(
                f"ALTER TABLE {LEGACY} ADD CONSTRAINT {LEGACY_UNIQUE} UNIQUE USING INDEX "
                f"{LEGACY_UNIQUE}"
            )
            for name, _ in indexes:
                cursor.execute(f"ALTER INDEX {name} RENAME TO {_legacy_name(name)}")
        cursor.execute(
            f"CREATE TABLE tracing_span (LIKE {LEGACY} "
            "INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION) "
            "PARTITION BY RANGE (start_time)"
        )
        if not keep:
            cursor.execute(f"DROP TABLE {LEGACY}")
        cursor.execute(f"CREATE SEQUENCE {SEQUENCE} OWNED BY tracing_span.id")
        cursor.execute(f"SELECT setval('{SEQUENCE}', %s, %s)", [last_value, is_called])
        cursor.execute(
            f"ALTER TABLE tracing_span ALTER COLUMN id SET DEFAULT nextval('{SEQUENCE}')"
        )
        cursor.execute("ALTER TABLE tracing_span ADD PRIMARY KEY (id, start_time)")
        cursor.execute(
            f"ALTER TABLE tracing_span ADD CONSTRAINT {NEW_UNIQUE} "
            "UNIQUE (project_id, trace_id, span_id, start_time)"
        )
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE tracing_span ADD CONSTRAINT {name} {definition}")
        for _, definition in indexes:
            cursor.execute(definition)

        first = _today() - timedelta(days=1)
        if keep:
            bound = _legacy_bound_of(cursor)
            # The validated CHECK proves the range: the attach scans nothing.
            cursor.execute(
                f"ALTER TABLE tracing_span ATTACH PARTITION {LEGACY} "
                "FOR VALUES FROM (MINVALUE) TO (%s)",
                [bound],
            )
            first = bound.date()
        day = first
        while day <= _today() + timedelta(days=DAYS_AHEAD):
            cursor.execute(
                f"CREATE TABLE {_partition_name(day)} PARTITION OF tracing_span "
                "FOR VALUES FROM (%s) TO (%s)",
                [_midnight(day), _midnight(day + timedelta(days=1))],
            )
            day += timedelta(days=1)
        cursor.execute("CREATE TABLE tracing_span_default PARTITION OF tracing_span DEFAULT")


def _legacy_name(name: str) -> str:
    renamed = name.replace("tracing_span_", f"{LEGACY}_", 1)
    return (renamed if renamed != name else f"{name}_legacy")[:63]


def _legacy_bound_of(cursor: Any) -> datetime:
    cursor.execute(
        "SELECT (regexp_match(pg_get_constraintdef(oid), '''([^'']+)'''))[1]::timestamptz "
        "FROM pg_constraint WHERE conrelid = %s::regclass AND conname = %s",
        [LEGACY, LEGACY_RANGE],
    )
    bound: datetime = cursor.fetchone()[0]
    return bound


def unswap(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Copy every span back into a plain table with the old keys (writes wait meanwhile)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    connection = schema_editor.connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if not _partitioned(cursor):
            return
        cursor.execute("LOCK TABLE tracing_span IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = 'tracing_span'::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
        )
        indexes = [row[0].replace(" ON ONLY ", " ON ", 1) for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'tracing_span'::regclass AND contype IN ('c', 'f') ORDER BY conname"
        )
        constraints = cursor.fetchall()
        cursor.execute("SELECT last_value, is_called FROM tracing_span_id_seq")
        last_value, is_called = cursor.fetchone()
        cursor.execute(
            "CREATE TABLE tracing_span_plain (LIKE tracing_span "
            "INCLUDING STORAGE INCLUDING COMPRESSION)"
        )
        cursor.execute("INSERT INTO tracing_span_plain SELECT * FROM tracing_span")
        # The old key has no start time: of spans differing only in it, the first stored stays.
        cursor.execute(
            "DELETE FROM tracing_span_plain a USING tracing_span_plain b "
            "WHERE a.project_id = b.project_id AND a.trace_id = b.trace_id "
            "AND a.span_id = b.span_id AND a.id > b.id"
        )
        cursor.execute("DROP TABLE tracing_span")  # its partitions and sequence with it
        cursor.execute("ALTER TABLE tracing_span_plain RENAME TO tracing_span")
        cursor.execute(
            "ALTER TABLE tracing_span ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('tracing_span', 'id'), %s, %s)",
            [last_value, is_called],
        )
        cursor.execute("ALTER TABLE tracing_span ADD CONSTRAINT tracing_span_pkey PRIMARY KEY (id)")
        cursor.execute(
            f"ALTER TABLE tracing_span ADD CONSTRAINT {OLD_UNIQUE} "
            "UNIQUE (project_id, trace_id, span_id)"
        )
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE tracing_span ADD CONSTRAINT {name} {definition}")
        for definition in indexes:
            cursor.execute(definition)


def unprepare(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Drop what ``prepare`` left on a plain table (nothing once ``unswap`` has run)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if _partitioned(cursor):
            return
        cursor.execute(f"ALTER TABLE tracing_span DROP CONSTRAINT IF EXISTS {LEGACY_RANGE}")
        for name in (LEGACY_PK, LEGACY_UNIQUE):
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class OnSQLite:
    """Mixin: the operation's database change on SQLite only (PostgreSQL does it by hand)."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)  # type: ignore[misc]

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            return
        super().database_backwards(app_label, schema_editor, from_state, to_state)  # type: ignore[misc]


class RemoveConstraintOnSQLite(OnSQLite, migrations.RemoveConstraint):
    pass


class AddConstraintOnSQLite(OnSQLite, migrations.AddConstraint):
    pass


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tracing", "0004_trace_metrics_index")]

    operations = [
        migrations.RunPython(prepare, unprepare),
        migrations.RunPython(swap, unswap),
        RemoveConstraintOnSQLite(model_name="span", name=OLD_UNIQUE),
        AddConstraintOnSQLite(
            model_name="span",
            constraint=models.UniqueConstraint(
                fields=("project", "trace_id", "span_id", "start_time"), name=NEW_UNIQUE
            ),
        ),
    ]
