"""The CI path: ``llmops-eval`` as a real process against a live platform and a real worker,
and the SDK's ``evaluate`` running the app's own code on the suite's items."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from llmops_sdk.config import from_environment
from llmops_sdk.evaluation import PlatformClient, evaluate

from tests.evaluation.conftest import BAD_TEMPLATE, Setup, Workers, ok

pytestmark = pytest.mark.worker


def _cli(live_server: Any, setup: Setup, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LLMOPS_HOST": live_server.url,
        "LLMOPS_SECRET_KEY": setup.tenant.secret_key,
    }
    return subprocess.run(
        [sys.executable, "-m", "llmops_sdk.eval_cli", "run", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_cli_exits_0_on_pass_1_on_fail_2_on_error(
    live_server: Any, setup: Setup, workers: Workers, tmp_path: Path
) -> None:
    setup.standard()
    bad = setup.version("support/answer", BAD_TEMPLATE)
    setup.suite()
    workers.start()

    passed = _cli(live_server, setup, "faq-gate", "--label", "production")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "PASSED" in passed.stdout
    assert "pass rate of correct >= 0.8  pass" in passed.stdout
    assert "5/5 items" in passed.stdout

    failed = _cli(live_server, setup, "faq-gate", "--version", str(bad))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAILED" in failed.stdout
    assert "pass rate of correct >= 0.8  FAIL" in failed.stdout
    # The summary table: evaluator, mean, pass rate, errored, items.
    assert any(
        line.split()[:3] == ["correct", "0.000", "0.000"] for line in failed.stdout.splitlines()
    )

    unknown = _cli(live_server, setup, "no-such-suite")
    assert unknown.returncode == 2
    assert "HTTP 400" in unknown.stdout
    assert "suite" in unknown.stdout

    setup.suite(
        name="offline",
        target={"type": "outputs"},
        thresholds=[{"evaluator": "mentions", "min_pass_rate": 1.0}],
    )
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text(
        "\n".join(
            json.dumps({"key": f"q{i}", "output": f"about {q}"})
            for i, q in enumerate(
                ["refund policy", "opening hours", "shipping cost", "return window", "gift cards"]
            )
        )
    )
    local = _cli(live_server, setup, "offline", "--outputs", str(outputs))
    assert local.returncode == 0, local.stdout + local.stderr

    env = {**os.environ, "LLMOPS_HOST": "http://127.0.0.1:9", "LLMOPS_SECRET_KEY": "sk-x"}
    unreachable = subprocess.run(
        [sys.executable, "-m", "llmops_sdk.eval_cli", "run", "faq-gate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert unreachable.returncode == 2
    assert "cannot reach" in unreachable.stdout


def test_the_sdk_evaluates_the_apps_own_outputs(
    live_server: Any, setup: Setup, workers: Workers
) -> None:
    setup.dataset()
    setup.connection()
    setup.prompt("judges/correct", "<output>{{output}}</output><expected>{{expected}}</expected>")
    setup.suite(name="app", target={"type": "outputs"})
    workers.start()
    seen: list[Any] = []

    def app(question: dict[str, Any]) -> str:
        seen.append(question)
        if question["question"] == "gift cards":
            raise RuntimeError("the app fails on this one")
        return f"Here is our {question['question']}."

    client = PlatformClient(
        from_environment(host=live_server.url, secret_key=setup.tenant.secret_key)
    )
    report = evaluate("app", app, client=client, timeout=120)
    assert len(seen) == 5
    assert report.status == "passed"  # 4 of 5: the 0.8 pass rate of the judge holds
    correct = report.summary["evaluators"]["correct"]
    assert correct["pass_rate"] == 0.8
    assert correct["errored"] == 1
    results = ok(setup.client.get(f"/api/v1/runs/{report.id}/results"), 200)["items"]
    by_key = {r["item_key"]: r for r in results}
    assert by_key["q4"]["error"] == "no output was supplied for this item"
    assert by_key["q0"]["output"] == "Here is our refund policy."
    assert by_key["q0"]["latency_ms"] is not None
