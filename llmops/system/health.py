"""What ``/healthz`` checks: the database answers and the broker accepts a connection."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from llmops.celery import app


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check("database", False, f"{type(exc).__name__}: {exc}")
    return Check("database", True, connection.vendor)


def check_broker() -> Check:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
            transport = conn.transport_cls
    except Exception as exc:
        return Check("broker", False, f"{type(exc).__name__}: {exc}")
    return Check("broker", True, str(transport))
