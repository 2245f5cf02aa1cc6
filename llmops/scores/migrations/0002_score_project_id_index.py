"""Builds the unique index on (project, id) that becomes the scores' primary key in 0003.

Score ids are chosen by clients, so they can only be unique per project. Building the index
CONCURRENTLY keeps score writes flowing on a live PostgreSQL, which is why this migration is not
atomic. A concurrent build that failed half-way leaves an INVALID index behind; it is dropped and
built again, so the migration can simply be rerun. SQLite gets the new key from 0003 directly.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEX = "scores_score_project_id_key"


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
            "WHERE c.relname = %s",
            [INDEX],
        )
        found = cursor.fetchone()
    if found is not None and not found[0]:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(
        f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON scores_score (project_id, id)"
    )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("scores", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
