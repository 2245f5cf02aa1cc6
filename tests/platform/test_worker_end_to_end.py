"""The background path end to end: beat schedules, the broker carries, a real worker process runs
the task and writes to the database. In CI the broker is Redis and the database PostgreSQL."""

from __future__ import annotations

import pytest

from llmops.system.models import WorkerHeartbeat
from llmops.system.tasks import heartbeat
from tests.conftest import wait_for


@pytest.mark.worker
def test_beat_and_a_real_worker_record_heartbeats(worker: str) -> None:
    assert wait_for(
        lambda: WorkerHeartbeat.objects.filter(hostname=worker, beats__gte=2).exists(), 45
    ), "the worker never recorded two scheduled heartbeats"
    row = WorkerHeartbeat.objects.get(hostname=worker)
    before = row.beats
    # A task published from this (web-side) process reaches the same worker too.
    heartbeat.delay()
    assert wait_for(lambda: WorkerHeartbeat.objects.get(hostname=worker).beats > before, 30)
