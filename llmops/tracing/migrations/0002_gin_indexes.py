"""GIN indexes for the JSON list filters of the trace list (tags, models, prompt versions).

PostgreSQL only (SQLite has no GIN), and built CONCURRENTLY so that adding them to a live
database does not lock trace writes; that is why this migration is not atomic.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEXES = {
    "tracing_trace_tags_gin": "tags",
    "tracing_trace_models_gin": "model_names",
    "tracing_trace_prompts_gin": "prompt_versions",
}


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
            f"ON tracing_trace USING gin ({column} jsonb_path_ops)"
        )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tracing", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
