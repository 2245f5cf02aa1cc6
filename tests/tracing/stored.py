"""Spans stored through the real ingest path, with readable ids: shared by the storage tests
(partitions, retention, trace reads)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.db import connection

from llmops.tenancy.models import Project
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans
from tests.tracing import otlp_payloads as p

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's"
)


def trace_hex(n: int) -> str:
    return f"{n:032x}"


def span_hex(n: int) -> str:
    return f"{n:016x}"


def ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 10**9 + moment.microsecond * 1000


def store(project: Project, spans: list[Any]) -> None:
    """Ingest ``spans`` (otlp_payloads spans) for ``project``; every one must be accepted."""
    raw, rejected = iter_spans(p.request(spans))
    assert rejected == []
    assert spans_ingest(project=project, raw_spans=raw).rejected == []
