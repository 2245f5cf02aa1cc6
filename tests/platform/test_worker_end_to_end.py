"""The background path end to end: beat schedules, the broker carries, a real worker process runs
the task and writes to the database. In CI the broker is Redis and the database PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from llmops.system.models import WorkerHeartbeat
from llmops.system.tasks import heartbeat

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db: None, tmp_path: Path) -> Iterator[str]:
    node_name = f"e2e-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "LLMOPS_WORKER_HEARTBEAT_SECONDS": "1",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "llmops",
            "worker",
            "-B",
            "-n",
            node_name,
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield node_name
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-4000:])


def _wait_for(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.worker
def test_beat_and_a_real_worker_record_heartbeats(worker: str) -> None:
    assert _wait_for(
        lambda: WorkerHeartbeat.objects.filter(hostname=worker, beats__gte=2).exists(), 45
    ), "the worker never recorded two scheduled heartbeats"
    row = WorkerHeartbeat.objects.get(hostname=worker)
    before = row.beats
    # A task published from this (web-side) process reaches the same worker too.
    heartbeat.delay()
    assert _wait_for(lambda: WorkerHeartbeat.objects.get(hostname=worker).beats > before, 30)
