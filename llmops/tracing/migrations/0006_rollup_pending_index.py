"""A partial index of the rollup rows not yet compacted, which compaction looks for each minute.

A plain CREATE INDEX: the rollup table arrived in 0003 of the same release and holds only the
rows written since, so the write lock it takes is brief.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_api_key_scope"),
        ("tracing", "0005_span_partitions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="spanrollup",
            index=models.Index(
                condition=models.Q(("compacted", False)),
                fields=["project", "dimension", "hour", "value"],
                name="tracing_rollup_pending",
            ),
        ),
    ]
