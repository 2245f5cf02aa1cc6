"""Benchmark: one evaluation run of 1,000 items, each with one target call and one judge call,
against the local OpenAI-compatible server answering after 200 ms, on 2 Celery worker processes
with a provider concurrency of 32.

The ideal is 1,000 x 2 calls x 0.2 s / 32 in flight = 12.5 s; the goal is under 20 s (1.5x).
Timed from the run being queued to its summary being stored (everything in between: broker,
lanes, calls, per-item writes, tracing of every call into the project, the summary).

    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/llmops_bench \\
        CELERY_BROKER_URL=redis://127.0.0.1:6379/11 .venv/bin/python benchmarks/eval_suite.py
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from live_server import free_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--delay-ms", type=float, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--worker-processes", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmops.settings")
    os.environ["LLMOPS_EVAL_LANES"] = str(args.worker_processes)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    import django

    django.setup()
    from llmops.celery import app as celery_app
    from llmops.evaluation.domain import (
        ItemInput,
        connection_save,
        dataset_create,
        items_change,
        run_start,
        suite_save,
    )
    from llmops.evaluation.models import FINISHED, Run, RunResult, Trigger
    from llmops.prompts.domain import prompt_create
    from llmops.tenancy import domain
    from llmops.tracing.models import Span

    llm_port = free_port()
    llm = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llmops.local_llm.server",
            "--port",
            str(llm_port),
            "--delay-ms",
            str(args.delay_ms),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    celery_app.control.purge()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "llmops",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(args.worker_processes),
            "-n",
            f"bench-{time.time_ns()}@localhost",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ},
        start_new_session=True,
    )
    try:
        organization = domain.organization_create(name="Benchmarks")
        project = domain.project_create(organization=organization, name=f"eval-{time.time_ns()}")
        dataset = dataset_create(project=project, name="bench")
        items_change(
            dataset=dataset,
            upsert=[
                ItemInput(
                    key=f"i{i}", input={"question": f"question {i}"}, expected=f"question {i}"
                )
                for i in range(args.items)
            ],
        )
        connection_save(
            project=project,
            name="local",
            base_url=f"http://127.0.0.1:{llm_port}/v1",
            model_names=["local-model"],
            api_key="sk-bench",
            concurrency=args.concurrency,
            timeout_seconds=30,
        )
        prompt_create(
            project=project,
            name="answer",
            prompt_type="text",
            template="{{question}}",
            labels=["production"],
        )
        prompt_create(
            project=project,
            name="judge",
            prompt_type="text",
            template="<output>{{output}}</output><expected>{{expected}}</expected>",
        )
        suite, _ = suite_save(
            project=project,
            name="bench",
            dataset_name="bench",
            target={
                "type": "prompt",
                "prompt": "answer",
                "connection": "local",
                "model": "local-model",
            },
            evaluators=[
                {
                    "type": "judge",
                    "name": "correct",
                    "prompt": "judge",
                    "label": "latest",
                    "connection": "local",
                    "model": "local-judge",
                    "scale": [1, 5],
                }
            ],
            thresholds=[{"evaluator": "correct", "min_pass_rate": 0.99}],
            baseline_label="production",
        )
        from llmops.prompts.models import PromptVersion

        version = PromptVersion.objects.get(prompt__project=project, prompt__name="answer")
        time.sleep(3)  # the worker processes are up and listening
        started = time.perf_counter()
        run = run_start(
            suite=suite, prompt_version=version, trigger=Trigger.MANUAL, created_by="benchmark"
        )
        while Run.objects.get(pk=run.pk).status not in FINISHED:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        run.refresh_from_db()
        ideal = args.items * 2 * args.delay_ms / 1000 / args.concurrency
        results = RunResult.objects.filter(run=run).count()
        print(f"run {run.pk}: {run.status}, {results} results stored")
        print(f"elapsed: {elapsed:.2f} s; ideal {ideal:.2f} s; ratio {elapsed / ideal:.2f}x")
        print(f"summary: {run.summary['evaluators']}")
        time.sleep(2)
        spans = Span.objects.filter(project=project).count()
        print(f"spans traced into the project: {spans}")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        llm.terminate()
        llm.wait(timeout=10)


if __name__ == "__main__":
    main()
