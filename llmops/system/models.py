"""Operational state of the platform itself."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task that beat schedules.

    Proves the whole background path works: beat schedules, the broker delivers, a worker runs
    and writes to the database.
    """

    hostname = models.CharField(max_length=255, unique=True)
    last_seen_at = models.DateTimeField()
    beats = models.BigIntegerField(default=0)

    class Meta:
        db_table = "system_worker_heartbeat"
