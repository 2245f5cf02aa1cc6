"""Evaluation fixtures: the local OpenAI-compatible server, real worker processes that can be
killed, and a project set up through the API with a dataset, a connection, prompts and a judge."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from llmops.celery import app as celery_app
from llmops.evaluation.models import Run, RunStatus
from llmops.local_llm.server import LocalLLM
from tests.conftest import Tenant, signal_group, start_worker, stop_worker, wait_for

# Items whose expected text the good prompt version's answer contains ("Answer: <question>").
QUESTIONS = ["refund policy", "opening hours", "shipping cost", "return window", "gift cards"]
GOOD_TEMPLATE = "{{question}}"
BAD_TEMPLATE = "I cannot help with that."
JUDGE_RUBRIC = (
    "Judge the answer.\nQuestion: {{input}}\n<output>{{output}}</output>\n"
    "<expected>{{expected}}</expected>"
)


@pytest.fixture
def llm() -> Iterator[LocalLLM]:
    with LocalLLM() as server:
        yield server


@dataclass
class Workers:
    tmp_path: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def start(self, **env: str) -> subprocess.Popen[str]:
        """A real Celery worker (with beat); the watchdog looks for stalled lanes every second."""
        node = f"eval-{uuid.uuid4().hex[:8]}@localhost"
        process = start_worker(
            node,
            self.tmp_path / f"beat-{node}",
            LLMOPS_WORKER_HEARTBEAT_SECONDS="60",
            LLMOPS_EVAL_WATCHDOG_SECONDS="1",
            **env,
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[str]) -> None:
        """SIGKILL: no warm shutdown, no chance to finish or hand back its task."""
        signal_group(process, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for number, process in enumerate(self.processes):
            output = stop_worker(process)
            (self.tmp_path / f"worker-{number}.log").write_text(output)
            print(output[-3000:])


@pytest.fixture
def workers(transactional_db: None, tmp_path: Path) -> Iterator[Workers]:
    # Messages left by earlier tests (their beats' ticks, lanes of runs long gone) would only
    # queue up in front of this test's tasks.
    celery_app.control.purge()
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.content
    return response.json() if response.content else None


@dataclass
class Setup:
    client: APIClient
    tenant: Tenant
    llm: LocalLLM

    def dataset(self, name: str = "faq", questions: list[str] = QUESTIONS) -> None:
        ok(self.client.post("/api/v1/datasets", {"name": name}, format="json"))
        items = [
            {"key": f"q{i}", "input": {"question": q}, "expected": q}
            for i, q in enumerate(questions)
        ]
        ok(self.client.post(f"/api/v1/datasets/{name}/items", {"items": items}, format="json"))

    def connection(self, concurrency: int = 4) -> None:
        ok(
            self.client.post(
                "/api/v1/connections",
                {
                    "name": "local",
                    "base_url": self.llm.base_url,
                    "model_names": ["local-model"],
                    "api_key": "sk-local-test",
                    "concurrency": concurrency,
                    "timeout_seconds": 10,
                },
                format="json",
            )
        )

    def prompt(self, name: str, template: str, labels: list[str] | None = None) -> None:
        body: dict[str, Any] = {"name": name, "type": "text", "template": template}
        if labels:
            body["labels"] = labels
        ok(self.client.post("/api/v1/prompts", body, format="json"))

    def version(self, name: str, template: str) -> int:
        created = ok(
            self.client.post(
                f"/api/v1/prompts/{name}/versions", {"template": template}, format="json"
            )
        )
        return int(created["version"]["number"])

    def suite(self, name: str = "faq-gate", **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": name,
            "dataset": "faq",
            "target": {
                "type": "prompt",
                "prompt": "support/answer",
                "connection": "local",
                "model": "local-model",
            },
            "evaluators": [
                {"type": "contains", "name": "mentions"},
                {
                    "type": "judge",
                    "name": "correct",
                    "prompt": "judges/correct",
                    "label": "latest",
                    "connection": "local",
                    "model": "local-judge",
                    "scale": [1, 5],
                    "pass_at": 4,
                },
            ],
            "thresholds": [{"evaluator": "correct", "min_pass_rate": 0.8}],
        }
        body.update(overrides)
        return dict(ok(self.client.post("/api/v1/suites", body, format="json")))

    def standard(self) -> None:
        self.dataset()
        self.connection()
        self.prompt("support/answer", GOOD_TEMPLATE, ["production"])
        self.prompt("judges/correct", JUDGE_RUBRIC)


@pytest.fixture
def setup(tenant: Tenant, llm: LocalLLM) -> Setup:
    # Connections and gates are an admin's to configure: the setup acts with an admin key.
    return Setup(tenant.client("admin"), tenant, llm)


def wait_run(run_id: str, seconds: float = 90) -> Run:
    assert wait_for(
        lambda: (
            Run.objects.get(pk=run_id).status
            in (RunStatus.PASSED, RunStatus.FAILED, RunStatus.ERRORED, RunStatus.CANCELLED)
        ),
        seconds,
    ), f"run {run_id} did not finish: {Run.objects.get(pk=run_id).status}"
    return Run.objects.get(pk=run_id)


def settle(seconds: float) -> None:
    time.sleep(seconds)
