"""A score's key becomes (project, id): the same client-chosen id may exist in two projects.

Before, ``id`` alone was the primary key, so a project sending an id another project had used
was told "already used", which revealed the other project's ids.

PostgreSQL: the unique index built CONCURRENTLY by 0002 is promoted to the primary key in the
same statement that drops the old one (a table has one primary key, so the swap cannot be split
in two steps). Both columns are already NOT NULL, so promoting the index neither scans nor
rebuilds anything; the ACCESS EXCLUSIVE lock is held only for the catalog change, and
``lock_timeout`` makes the migration fail (and be rerun) instead of queueing every score write
behind a long transaction. SQLite rebuilds the table, as Django does for any change of key there.

Going back builds a primary key on ``id`` alone while holding the lock, and fails if two
projects have meanwhile stored the same id.
"""

import uuid

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState, StateApps

INDEX = "scores_score_project_id_key"
CONSTRAINT = "scores_score_pkey"


def _primary_key_name(schema_editor: BaseDatabaseSchemaEditor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint "
            "WHERE conrelid = 'scores_score'::regclass AND contype = 'p'"
        )
        return str(cursor.fetchone()[0])


def promote_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    old = _primary_key_name(schema_editor)
    schema_editor.execute("SET LOCAL lock_timeout = '10s'")
    schema_editor.execute(
        f'ALTER TABLE scores_score DROP CONSTRAINT "{old}", '
        f"ADD CONSTRAINT {CONSTRAINT} PRIMARY KEY USING INDEX {INDEX}"
    )


def restore_id_key(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    old = _primary_key_name(schema_editor)
    schema_editor.execute(
        f'ALTER TABLE scores_score DROP CONSTRAINT "{old}", '
        f"ADD CONSTRAINT {CONSTRAINT} PRIMARY KEY (id)"
    )


class OnSqlite(migrations.SeparateDatabaseAndState):
    """The state changes everywhere; the database, on SQLite only (PostgreSQL: see above)."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        # Undoing the two operations one by one would put a key on ``id`` while the composite
        # key is still there (two primary keys); one rebuild from the old state does both.
        model = to_state.apps.get_model(app_label, "score")
        current = from_state.apps.get_model(app_label, "score")._meta.get_field("id")
        schema_editor.alter_field(model, current, model._meta.get_field("id"))


NEW_KEY = [
    migrations.AddField(
        model_name="score",
        name="pk",
        field=models.CompositePrimaryKey(
            "project", "id", blank=True, editable=False, primary_key=True, serialize=False
        ),
    ),
    migrations.AlterField(
        model_name="score",
        name="id",
        field=models.UUIDField(default=uuid.uuid4),
    ),
]


class Migration(migrations.Migration):
    dependencies = [("scores", "0002_score_project_id_index")]

    operations = [
        OnSqlite(state_operations=NEW_KEY, database_operations=NEW_KEY),
        migrations.RunPython(promote_index, restore_id_key),
    ]
