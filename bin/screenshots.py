"""Screenshots of the web UI's main pages for the README, taken from the running app.

Starts the platform (``manage.py runplatform``: web server, worker and beat) on a fresh data
folder, fills its demo project through the public interfaces an app would use (the REST API,
the SDK's OpenTelemetry export with the instrumented ``openai`` client, the ``mlflow`` client),
lets the worker run two evaluation runs, then drives Debian's Chromium over the main pages and
writes one PNG each into ``docs/screenshots/``. The local OpenAI-compatible server stands in
for the LLM provider.

    bin/screenshots            # what the README's images are made with
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llmops.local_llm.server import LocalLLM  # noqa: E402

CHROMIUM = os.environ.get("LLMOPS_CHROMIUM", "/usr/bin/chromium")
QUESTIONS = ["refund policy", "opening hours", "shipping cost", "return window", "gift cards"]
USERS = ["ana", "ben", "chen", "dara"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(what: str, check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


class Platform:
    """``manage.py runplatform`` in its own process group, stopped as Ctrl-C would."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.data_dir = data_dir
        env = {
            **os.environ,
            "LLMOPS_DATA_DIR": str(data_dir),
            "SECRET_KEY": "screenshots-only-secret-key-not-for-production-000000",
            "LLMOPS_WEB_UI_DIST": str(ROOT / "frontend" / "dist"),
        }
        for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
            env.pop(name, None)  # the embedded default, whatever the shell says
        self.log = (data_dir / "platform.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [
                sys.executable,
                "manage.py",
                "runplatform",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def credentials(self) -> dict[str, str]:
        path = self.data_dir / "demo-credentials.json"
        wait_until("the demo project", path.exists, 180)
        wait_until(
            "the web server",
            lambda: requests.get(self.url + "/healthz", timeout=2).status_code == 200,
            120,
        )
        saved: dict[str, str] = json.loads(path.read_text())
        return saved

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


class Api:
    def __init__(self, url: str, secret_key: str) -> None:
        self.base = url + "/api/v1"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {secret_key}"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, self.base + path, json=body, timeout=30)
        if response.status_code >= 400:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None


def admin_key(url: str, credentials: dict[str, str]) -> str:
    """An admin-scope key for the demo project, issued the way an owner would: signed in.

    The demo key is a member key; connections are an admin's to create.
    """
    browser = requests.Session()
    browser.get(url + "/api/v1/auth/session", timeout=30)
    csrf: dict[str, str] = {"X-CSRFToken": browser.cookies["csrftoken"] or "", "Referer": url + "/"}
    signed_in = browser.post(
        url + "/api/v1/auth/login",
        json={"username": credentials["username"], "password": credentials["password"]},
        headers=csrf,
        timeout=30,
    )
    signed_in.raise_for_status()
    csrf["X-CSRFToken"] = browser.cookies["csrftoken"] or ""
    issued = browser.post(
        url + "/api/v1/api-keys",
        json={"scope": "admin", "note": "screenshots"},
        headers={**csrf, "X-Project-Id": credentials["project_id"]},
        timeout=30,
    )
    issued.raise_for_status()
    secret: str = issued.json()["secret_key"]
    return secret


def seed_prompts(api: Api) -> None:
    api.call(
        "POST",
        "/prompts",
        {
            "name": "support/answer",
            "type": "chat",
            "tags": ["support"],
            "template": [
                {"role": "system", "content": "You answer customers of {{shop}}."},
                {"role": "user", "content": "{{question}}"},
            ],
            "config": {"model": "gpt-4o-mini", "parameters": {"temperature": 0.2}},
            "labels": ["production"],
            "commit_message": "first answer prompt",
        },
    )
    for system, message in (
        ("You answer customers of {{shop}}. Be brief.", "shorter answers"),
        (
            "You answer customers of {{shop}}. Be brief and cite the policy.",
            "cite the policy",
        ),
    ):
        api.call(
            "POST",
            "/prompts/support/answer/versions",
            {
                "template": [
                    {"role": "system", "content": system},
                    {"type": "placeholder", "name": "history"},
                    {"role": "user", "content": "{{question}}"},
                ],
                "config": {"model": "gpt-4o-mini", "parameters": {"temperature": 0.1}},
                "commit_message": message,
            },
        )
    api.call("PUT", "/prompts/support/answer/labels/staging", {"version": 3})
    api.call(
        "POST",
        "/prompts",
        {
            "name": "support/faq-answer",
            "type": "text",
            "template": "{{question}}",
            "labels": ["production"],
        },
    )
    api.call(
        "POST",
        "/prompts",
        {
            "name": "judges/correct",
            "type": "text",
            "tags": ["judge"],
            "template": (
                "Judge the answer.\nQuestion: {{input}}\n<output>{{output}}</output>\n"
                "<expected>{{expected}}</expected>"
            ),
        },
    )


def seed_live_traces(url: str, secret_key: str, llm: LocalLLM) -> None:
    """An instrumented RAG agent answering a few customers: real SDK spans, real HTTP calls."""
    import llmops_sdk as llmops
    import openai

    llmops.init(host=url, secret_key=secret_key, environment="production")
    client = llmops.instrument_openai(openai.OpenAI(base_url=llm.base_url, api_key="local"))

    def search(question: str) -> list[dict[str, Any]]:
        with llmops.span("vector search", kind="retriever") as span:
            docs = [
                {"id": "policy-3", "score": 0.91, "content": f"Our {question} is on page 3."},
                {"id": "faq-12", "score": 0.64, "content": "Support answers within a day."},
            ]
            span.set_input(question)
            span.set_documents(docs)
        return docs

    @llmops.observe(kind="agent")
    def answer(question: str) -> str:
        facts = " ".join(doc["content"] for doc in search(question))
        prompt = llmops.get_prompt("support/answer", label="production")
        messages = prompt.compile(shop="Parcel & Co", question=f"{question}? Facts: {facts}")
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        return reply.choices[0].message.content or ""

    for turn, question in enumerate(QUESTIONS * 2):
        user = USERS[turn % len(USERS)]
        with llmops.propagate_attributes(
            user_id=user, session_id=f"chat-{user}", tags=["support", "web"]
        ):
            answer(f"What is your {question}")
    llmops.flush()


def seed_history(url: str, secret_key: str) -> None:
    """A day of earlier LLM calls, so the dashboard has a shape: backdated OpenTelemetry spans
    exported over OTLP/HTTP protobuf, as any instrumented app would send them."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.trace import Status, StatusCode, set_span_in_context

    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(
        BatchSpanProcessor(
            OTLPSpanExporter(
                endpoint=url + "/v1/traces",
                headers={"Authorization": f"Bearer {secret_key}"},
            )
        )
    )
    tracer = provider.get_tracer("screenshots")
    rng = random.Random(7)  # noqa: S311 - made-up demo data, not secrets
    now = time.time_ns()
    models = [("gpt-4o-mini", 0.6), ("gpt-4o", 0.25), ("claude-3-5-sonnet-20241022", 0.15)]
    for hour in range(24, 0, -1):
        for _ in range(rng.randint(3, 8)):
            start = now - hour * 3_600_000_000_000 + rng.randint(0, 3_500) * 1_000_000_000
            model = rng.choices([m for m, _ in models], [w for _, w in models])[0]
            version = rng.choice([1, 1, 2, 3])
            duration = int(rng.lognormvariate(6.5, 0.5) * 1_000_000)
            user = rng.choice(USERS)
            root = tracer.start_span(
                "support-agent",
                start_time=start,
                attributes={"user.id": user, "session.id": f"chat-{user}-{hour}"},
            )
            child = tracer.start_span(
                f"chat {model}",
                context=set_span_in_context(root),
                start_time=start + 5_000_000,
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.system": "anthropic" if model.startswith("claude") else "openai",
                    "gen_ai.request.model": model,
                    "gen_ai.usage.input_tokens": rng.randint(200, 1500),
                    "gen_ai.usage.output_tokens": rng.randint(40, 400),
                    "llmops.prompt.name": "support/answer",
                    "llmops.prompt.version": str(version),
                },
            )
            if rng.random() < 0.06:
                child.set_status(Status(StatusCode.ERROR, "rate limited"))
            child.end(end_time=start + duration)
            root.end(end_time=start + duration + 10_000_000)
    provider.shutdown()


def seed_evaluation(api: Api, llm: LocalLLM) -> list[str]:
    api.call("POST", "/datasets", {"name": "faq"})
    items = [
        {"key": f"q{i}", "input": {"question": q}, "expected": q} for i, q in enumerate(QUESTIONS)
    ]
    api.call("POST", "/datasets/faq/items", {"items": items})
    api.call(
        "POST",
        "/connections",
        {
            "name": "local",
            "base_url": llm.base_url,
            "model_names": ["local-model", "local-judge"],
            "api_key": "sk-local",
            "concurrency": 4,
            "timeout_seconds": 10,
        },
    )
    api.call(
        "POST",
        "/suites",
        {
            "name": "faq-gate",
            "dataset": "faq",
            "target": {
                "type": "prompt",
                "prompt": "support/faq-answer",
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
        },
    )
    # Version 2 stops answering the question: every item regresses, for the comparison page.
    api.call(
        "POST",
        "/prompts/support/faq-answer/versions",
        {"template": "Sorry, I can only help with orders.", "commit_message": "narrower scope"},
    )
    runs = []
    for version in (1, 2):
        run = api.call("POST", "/runs", {"suite": "faq-gate", "version": version})
        runs.append(str(run["id"]))
    for run_id in runs:
        wait_until(
            f"evaluation run {run_id}",
            lambda run_id=run_id: (
                api.call("GET", f"/runs/{run_id}")["status"]  # type: ignore[misc]
                in ("passed", "failed", "errored")
            ),
            180,
        )
    return runs


def seed_tracking(url: str, secret_key: str) -> dict[str, str]:
    os.environ["MLFLOW_TRACKING_URI"] = url
    os.environ["MLFLOW_TRACKING_TOKEN"] = secret_key
    import mlflow
    from mlflow import MlflowClient

    experiment = mlflow.set_experiment("churn-classifier")
    run_ids = []
    for lr in (0.1, 0.03, 0.01):
        with mlflow.start_run(run_name=f"lr-{lr}") as run:
            mlflow.log_params({"lr": lr, "max_depth": 6, "n_estimators": 200})
            for step in range(20):
                loss = 0.7 * (1 - lr) ** (step * 3) + 0.15 + lr
                mlflow.log_metric("loss", round(loss, 4), step=step)
                mlflow.log_metric("auc", round(1 - loss / 1.4, 4), step=step)
            run_ids.append(run.info.run_id)
    client = MlflowClient()
    client.create_registered_model("churn-classifier", description="Weekly churn model")
    for run_id in run_ids[1:]:
        client.create_model_version(
            "churn-classifier", source=f"runs:/{run_id}/model", run_id=run_id
        )
    client.set_registered_model_alias("churn-classifier", "champion", "1")
    client.set_registered_model_alias("churn-classifier", "champion", "2")
    client.transition_model_version_stage("churn-classifier", "2", "Production")
    return {"experiment_id": str(experiment.experiment_id), "mlflow_run_id": run_ids[-1]}


def shoot(url: str, credentials: dict[str, str], seeded: dict[str, str], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.set_default_timeout(20_000)
        page.goto(url + "/prompts")
        page.get_by_label("Username").fill(credentials["username"])
        page.get_by_label("Password").fill(credentials["password"])
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Prompts", exact=True).wait_for()

        def snap(name: str, path: str, ready: Callable[[], None]) -> None:
            page.goto(url + path)
            ready()
            page.wait_for_load_state("networkidle")
            target = out / f"{name}.png"
            page.screenshot(path=str(target))
            taken.append(target)
            print(f"  {target}  <- {path}")

        snap(
            "prompts",
            "/prompts",
            lambda: page.get_by_text("judges/").first.wait_for(),
        )

        def prompt_diff() -> None:
            page.get_by_label("Base").select_option("1")
            page.get_by_label("Target").select_option("3")
            page.get_by_role("button", name="Show diff").click()
            diff = page.locator(".diff-messages, .diff-lines").first
            diff.wait_for()
            # The diff is below the version: bring its heading to the top of the window.
            page.get_by_role("heading", name="Compare versions").evaluate(
                "el => el.scrollIntoView({block: 'start'})"
            )

        snap("prompt-diff", "/prompts/support/answer", prompt_diff)
        snap("traces", "/traces", lambda: page.locator("table tbody tr").first.wait_for())

        def trace_detail() -> None:
            page.get_by_role("button", name="chat gpt-4o-mini").first.click()
            page.get_by_role("list", name="Conversation").first.wait_for()

        snap("trace", f"/traces/{seeded['trace_id']}", trace_detail)
        snap("dashboard", "/dashboard", lambda: page.locator("figure.chart svg").first.wait_for())
        snap(
            "session",
            "/sessions/chat-ana",
            lambda: page.get_by_text("refund policy").first.wait_for(),
        )
        snap(
            "evaluation-run",
            f"/evaluations/runs/{seeded['run_b']}",
            lambda: page.get_by_text("failed").first.wait_for(),
        )
        snap(
            "run-compare",
            f"/evaluations/compare/{seeded['run_a']}/{seeded['run_b']}",
            lambda: page.locator("table.compare tbody tr").first.wait_for(),
        )
        snap(
            "experiment",
            f"/experiments/{seeded['experiment_id']}",
            lambda: page.get_by_text("lr-0.01").first.wait_for(),
        )
        snap(
            "experiment-run",
            f"/experiments/runs/{seeded['mlflow_run_id']}",
            lambda: page.locator("figure.chart svg").first.wait_for(),
        )
        snap(
            "model",
            "/models/churn-classifier",
            lambda: page.get_by_text("champion").first.wait_for(),
        )
        snap(
            "lineage",
            "/lineage?" + urlencode({"kind": "model_version", "ref": seeded["model_version_ref"]}),
            lambda: page.locator("svg").first.wait_for(),
        )
        browser.close()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if not (ROOT / "frontend" / "dist" / "index.html").is_file():
        raise SystemExit("build the web UI first: cd frontend && npm ci && npm run build")
    with tempfile.TemporaryDirectory(prefix="llmops-screens-") as folder, LocalLLM() as llm:
        platform = Platform(Path(folder), free_port())
        try:
            credentials = platform.credentials()
            api = Api(platform.url, admin_key(platform.url, credentials))
            print("filling the demo project…")
            seed_prompts(api)
            seed_live_traces(platform.url, credentials["secret_key"], llm)
            seed_history(platform.url, credentials["secret_key"])
            run_a, run_b = seed_evaluation(api, llm)
            seeded = {"run_a": run_a, "run_b": run_b}
            seeded.update(seed_tracking(platform.url, credentials["secret_key"]))
            traces = api.call("GET", "/traces?name=answer&limit=1")["items"]
            seeded["trace_id"] = traces[0]["trace_id"]
            model = api.call("GET", "/models/churn-classifier")
            seeded["model_version_ref"] = next(
                v["lineage_ref"] for v in model["versions"] if str(v["version"]) == "2"
            )
            print("taking screenshots…")
            shoot(platform.url, credentials, seeded, args.out)
        finally:
            platform.stop()


if __name__ == "__main__":
    main()
