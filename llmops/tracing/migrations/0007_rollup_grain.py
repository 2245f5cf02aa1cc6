"""Rollup rows get a grain (hour or day) and the key index leads with it.

PostgreSQL safety: the column is added with a constant DEFAULT (``db_default``), which
PostgreSQL 11+ records in the catalog without rewriting the table. The index change is a plain
DROP INDEX / CREATE INDEX: the rollup table arrived in 0003 of the same release and holds only
the rows written since, so the write lock CREATE INDEX takes is brief. Existing rows are hour
rows; day rows are derived from them by compaction, rebuild and retention (``manage.py
rebuild_rollups`` recomputes the day rows of the hours it rebuilds).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_api_key_scope"),
        ("tracing", "0006_rollup_pending_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="spanrollup",
            name="grain",
            field=models.CharField(
                choices=[("hour", "Hour"), ("day", "Day")],
                db_default="hour",
                default="hour",
                max_length=4,
            ),
        ),
        migrations.RemoveIndex(model_name="spanrollup", name="tracing_rollup_key"),
        migrations.AddIndex(
            model_name="spanrollup",
            index=models.Index(
                fields=["project", "grain", "dimension", "hour", "value"],
                name="tracing_rollup_grain_key",
            ),
        ),
    ]
