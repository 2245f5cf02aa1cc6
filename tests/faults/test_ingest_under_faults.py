"""Trace ingestion loses and duplicates nothing while its web workers are killed and its
database restarts under load.

The client is the real OpenTelemetry OTLP/HTTP exporter with its own retry policy (429, 502,
503, 504 and connection errors, backoff up to its timeout): the server's part is to answer a
failure it can recover from with one of those, and to store a retried batch only once.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import psycopg
import pytest
import requests
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.faults.stack import Stack, wait_until

pytestmark = pytest.mark.faults

SPANS = 20_000
SPANS_PER_TRACE = 10
BATCH = 200  # spans per export: whole traces
SENDERS = 2  # one per gunicorn worker
# Per export, retries included: the exporter backs off 1, 2, 4, 8, 16 s (6 attempts), which
# rides out a database restart many times over.
EXPORT_TIMEOUT_SECONDS = 120
# Not a performance bound: only there so a hung server fails the test instead of hanging CI.
LOAD_DEADLINE_SECONDS = 600


def _spans() -> list[ReadableSpan]:
    """SPANS finished spans, SPANS_PER_TRACE to a trace, with the SDK's random ids."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("llmops.tests.faults")
    for number in range(SPANS // SPANS_PER_TRACE):
        with tracer.start_as_current_span(f"request {number}", attributes={"n": number}):
            for step in range(SPANS_PER_TRACE - 1):
                with tracer.start_as_current_span(f"step {step}", attributes={"step": step}):
                    pass
    provider.shutdown()
    return list(memory.get_finished_spans())


def _ids(span: ReadableSpan) -> tuple[str, str]:
    context = span.get_span_context()
    assert context is not None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


@dataclass
class Load:
    """Batches sent by SENDERS threads, each with its own exporter; counts what came back."""

    endpoint: str
    secret_key: str
    batches: Sequence[Sequence[ReadableSpan]]
    exported: int = 0
    failed: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._send, daemon=True) for _ in range(SENDERS)]
        for thread in self._threads:
            thread.start()

    def done(self) -> int:
        with self._lock:
            return self.exported + len(self.failed)

    def finished(self) -> bool:
        return not any(thread.is_alive() for thread in self._threads)

    def refusals(self) -> int:
        """Responses other than success so far (retried ones included)."""
        with self._lock:
            return sum(n for status, n in self.statuses.items() if status >= 400)

    def reached(self, fraction: float) -> Callable[[], bool]:
        return lambda: self.done() >= fraction * len(self.batches) or self.finished()

    def _count(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        with self._lock:
            self.statuses[response.status_code] += 1

    def _send(self) -> None:
        session = requests.Session()
        session.hooks["response"].append(self._count)
        exporter = OTLPSpanExporter(
            endpoint=f"{self.endpoint}/v1/traces",
            headers={"Authorization": f"Bearer {self.secret_key}"},
            timeout=EXPORT_TIMEOUT_SECONDS,
            session=session,
        )
        try:
            while True:
                with self._lock:
                    index = self._next
                    self._next += 1
                if index >= len(self.batches):
                    return
                result = exporter.export(self.batches[index])
                with self._lock:
                    if result is SpanExportResult.SUCCESS:
                        self.exported += 1
                    else:
                        self.failed.append(index)
        except Exception as exc:  # reported by the test, never swallowed
            with self._lock:
                self.errors.append(repr(exc))
        finally:
            exporter.shutdown()  # type: ignore[no-untyped-call]


def test_killed_workers_and_database_restarts_lose_and_duplicate_no_span(stack: Stack) -> None:
    project_id, secret_key = stack.web.create_project("ingest-under-faults")
    spans = _spans()
    sent = {_ids(span) for span in spans}
    assert len(sent) == SPANS
    load = Load(
        stack.web.base_url,
        secret_key,
        [spans[start : start + BATCH] for start in range(0, SPANS, BATCH)],
    )
    total = len(load.batches)
    killed: list[set[int]] = []
    postmasters = [stack.postgres.pid()]

    def kill_workers() -> None:
        killed.append(stack.web.kill_workers())
        # The master notices and forks new ones while the exporters retry.
        wait_until(
            "gunicorn respawning its killed workers",
            lambda: len(stack.web.workers() - killed[-1]) == 2,
            60,
        )

    def restart_database() -> None:
        stack.postgres.restart("fast")
        postmasters.append(stack.postgres.pid())

    def database_outage() -> None:
        """A crash (no shutdown checkpoint) and a while down: exports keep arriving meanwhile,
        and the server must tell them to come back later."""
        refused = load.refusals()
        stack.postgres.stop("immediate")
        wait_until(
            "/healthz reporting the database down", lambda: stack.web.health_status() == 503, 30
        )
        wait_until(
            "an export refused while the database is down",
            lambda: load.refusals() > refused or load.finished(),
            60,
        )
        stack.postgres.start()
        postmasters.append(stack.postgres.pid())

    # Each fault lands once the load has come that far, whatever the machine's speed.
    plan: list[tuple[float, Callable[[], None]]] = [
        (0.10, kill_workers),
        (0.25, restart_database),
        (0.45, kill_workers),
        (0.65, database_outage),
    ]
    load.start()
    for fraction, fault in plan:
        wait_until(
            f"the load reaching {fraction:.0%} before {fault.__name__}",
            load.reached(fraction),
            LOAD_DEADLINE_SECONDS,
        )
        assert not load.finished(), f"the load ended before {fault.__name__}: {load.statuses}"
        fault()
    wait_until("the load finishing", load.finished, LOAD_DEADLINE_SECONDS)

    with psycopg.connect(stack.postgres.url(), autocommit=True) as conn:
        stored_rows = conn.execute(
            "SELECT trace_id, span_id FROM tracing_span WHERE project_id = %s", [project_id]
        ).fetchall()
        traces, spans_in_traces = conn.execute(
            "SELECT count(*), coalesce(sum(span_count), 0) FROM tracing_trace"
            " WHERE project_id = %s",
            [project_id],
        ).fetchone() or (0, 0)
    stored = {(trace_id, span_id) for trace_id, span_id in stored_rows}
    lost = len(sent - stored)
    duplicated = len(stored_rows) - len(stored)
    outcome = (
        f"sent {SPANS} spans in {total} exports: {load.exported} exported, "
        f"{len(load.failed)} failed, errors {load.errors}; stored {len(stored_rows)} rows, "
        f"lost {lost}, duplicated {duplicated}; HTTP statuses {dict(load.statuses)}; "
        f"killed workers {killed}; postmasters {postmasters}"
    )
    print(outcome)
    # The faults happened as planned.
    assert [len(pids) for pids in killed] == [2, 2], outcome
    assert len(set(postmasters)) == 3, outcome
    assert load.errors == [], outcome
    assert (lost, duplicated) == (0, 0), f"{outcome}\n{stack.logs()}"
    assert stored == sent, outcome
    assert load.failed == [], f"{outcome}\n{stack.logs()}"
    # Trace rows are recomputed from their spans, whatever the order of retried batches.
    assert (traces, spans_in_traces) == (SPANS // SPANS_PER_TRACE, SPANS), outcome
