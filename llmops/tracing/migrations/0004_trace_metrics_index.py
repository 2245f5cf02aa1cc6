"""A covering index for trace-level metrics: a day of a project's traces read from the index only.

The metrics query of traces (no grouping, or by user or environment) reads these columns of
every trace in the range; with them INCLUDEd in a (project, start_time) index PostgreSQL answers
it with an index-only scan instead of visiting every heap page of the range.

PostgreSQL only, and built CONCURRENTLY so adding it to a live database does not block trace
writes; that is why this migration is not atomic. A concurrent build that failed half-way
leaves an INVALID index behind, which IF NOT EXISTS would keep forever: it is dropped first.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

NAME = "tracing_trace_metrics_cover"
COLUMNS = (
    "latency_ms, input_tokens, output_tokens, total_tokens, cost_total, error_count, "
    "environment, user_id"
)


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s AND NOT i.indisvalid",
            [NAME],
        )
        invalid = cursor.fetchone() is not None
    if invalid:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} "
        f"ON tracing_trace (project_id, start_time) INCLUDE ({COLUMNS})"
    )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tracing", "0003_span_rollup")]

    operations = [migrations.RunPython(create, drop)]
