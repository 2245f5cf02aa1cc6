"""Scheduled runs fired by beat and online evaluation of ingested traces, on a real worker."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django_celery_beat.models import PeriodicTask

from llmops.evaluation.models import LabelHealth, Run, RunStatus, Schedule, Trigger
from llmops.scores.models import Score, Source
from llmops.tracing.otlp import iter_spans
from tests.conftest import wait_for
from tests.evaluation.conftest import BAD_TEMPLATE, Setup, Workers, ok
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.worker


class Receiver:
    """A webhook target on loopback that keeps what it receives."""

    def __init__(self) -> None:
        received: list[tuple[dict[str, str], dict[str, Any]]] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append((dict(self.headers), json.loads(body)))
                self.send_response(204)
                self.end_headers()

        self.received = received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver()
    yield target
    target.server.shutdown()
    target.server.server_close()


@pytest.mark.usefixtures("egress_allows_loopback")
def test_a_failing_scheduled_run_alerts_and_marks_the_label(
    setup: Setup, workers: Workers, receiver: Receiver
) -> None:
    setup.dataset()
    setup.connection()
    setup.prompt("support/answer", BAD_TEMPLATE, ["production"])
    setup.prompt("judges/correct", "<output>{{output}}</output><expected>{{expected}}</expected>")
    setup.suite()
    ok(
        setup.client.post(
            "/api/v1/webhooks",
            {"url": receiver.url, "events": ["evaluation.run_failed"]},
            format="json",
        )
    )
    bad_cron = setup.client.post(
        "/api/v1/schedules", {"suite": "faq-gate", "cron": "61 * * * *"}, format="json"
    )
    assert bad_cron.status_code == 400
    assert list(bad_cron.json()["fields"]) == ["cron"]
    schedule = ok(
        setup.client.post(
            "/api/v1/schedules",
            {"suite": "faq-gate", "label": "production", "every_seconds": 2},
            format="json",
        )
    )
    assert PeriodicTask.objects.filter(task="evaluation.run_schedule").count() == 1
    workers.start()

    assert wait_for(lambda: bool(receiver.received), 90), "no alert arrived"
    headers, alert = receiver.received[0]
    assert alert["event"] == "evaluation.run_failed"
    assert alert["data"]["label"] == "production"
    assert alert["data"]["status"] == "failed"
    assert alert["data"]["failed_thresholds"][0]["evaluator"] == "correct"
    assert {k.lower(): v for k, v in headers.items()}["x-llmops-signature"].startswith("t=")
    run = Run.objects.filter(trigger=Trigger.SCHEDULE).earliest("created_at")
    assert run.status == RunStatus.FAILED
    assert run.prompt_version is not None
    assert run.prompt_version.number == 1
    health = LabelHealth.objects.get(label="production")
    assert health.failing is True
    gates = ok(setup.client.get("/api/v1/gates", {"prompt": "support/answer"}), 200)
    assert gates[0]["label"] == "production"
    assert gates[0]["suites"] == []
    assert gates[0]["health"]["failing"] is True
    scheduled = {str(r.pk) for r in Run.objects.filter(trigger=Trigger.SCHEDULE)}
    assert gates[0]["health"]["run"] in scheduled
    listed = ok(setup.client.get("/api/v1/schedules"), 200)
    assert listed[0]["id"] == schedule["id"]
    assert listed[0]["last_run"]["status"] in ("queued", "running", "failed")

    ok(setup.client.delete(f"/api/v1/schedules/{schedule['id']}"), 204)
    assert not Schedule.objects.exists()
    assert not PeriodicTask.objects.filter(task="evaluation.run_schedule").exists()


def _ingest(setup: Setup, trace_id: str, name: str, output: str) -> None:
    request = p.request(
        [
            p.span(
                trace_id=trace_id,
                span_id=trace_id[:16],
                name=name,
                attributes={"input.value": "what is the refund policy?", "output.value": output},
            )
        ]
    )
    response = setup.client.post(
        "/v1/traces", request.SerializeToString(), content_type="application/x-protobuf"
    )
    assert response.status_code == 200, response.content
    assert iter_spans(request)[0]


def test_online_rules_score_newly_ingested_traces(setup: Setup, workers: Workers) -> None:
    rule = {
        "name": "refunds",
        "filter": {"name": "chat"},
        "sampling_rate": 1.0,
        "evaluators": [{"type": "contains", "name": "mentions-refund", "value": "refund"}],
    }
    ok(setup.client.post("/api/v1/online-rules", rule, format="json"))
    bad = setup.client.post(
        "/api/v1/online-rules", {**rule, "filter": {"colour": "red"}}, format="json"
    )
    assert bad.status_code == 400
    assert list(bad.json()["fields"]) == ["filter.colour"]
    workers.start()
    _ingest(setup, "1" * 32, "chat", "our refund policy: 30 days")
    _ingest(setup, "2" * 32, "chat", "no idea")
    _ingest(setup, "3" * 32, "search", "refund refund")  # filtered out by name
    scores = Score.objects.filter(project=setup.tenant.project, source=Source.EVAL)
    assert wait_for(lambda: scores.count() == 2, 60)
    by_trace = {s.trace_id: s for s in scores.all()}
    assert by_trace["1" * 32].value == 1.0
    assert by_trace["2" * 32].value == 0.0
    assert by_trace["1" * 32].name == "mentions-refund"
    assert by_trace["1" * 32].metadata["rule"] == "refunds"
    # The same trace again: the score is updated in place, not added twice.
    _ingest(setup, "1" * 32, "chat", "our refund policy: 30 days")
    _ingest(setup, "4" * 32, "chat", "refund")
    assert wait_for(lambda: scores.all().count() == 3, 60)
    assert scores.filter(trace_id="1" * 32).count() == 1
