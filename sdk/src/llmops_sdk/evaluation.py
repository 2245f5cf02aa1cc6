"""Evaluation runs from code and from CI: start a suite on the platform and wait for its verdict.

Two ways to produce what is evaluated:

- the platform runs the prompt version itself (``run_suite("faq", version=3)``);
- your code produces the outputs (``evaluate("faq", task=my_app)``): each item of the suite's
  dataset is passed to ``task``, its answer and latency are posted, and the platform's workers
  score them with the suite's evaluators and thresholds.

Unlike tracing, these calls are made on purpose and wait for an answer, so they raise
:class:`EvaluationError` when the platform cannot be reached or refuses the request.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmops_sdk.config import Settings, from_environment

log = logging.getLogger("llmops_sdk")

FINISHED = ("passed", "failed", "errored", "cancelled")


class EvaluationError(RuntimeError):
    """The platform could not be reached, refused the request, or the run did not finish."""


@dataclass(frozen=True)
class RunReport:
    id: str
    status: str
    summary: Mapping[str, Any]
    thresholds: Sequence[Mapping[str, Any]]
    error: str
    data: Mapping[str, Any]

    @property
    def passed(self) -> bool:
        return self.status == "passed"


class PlatformClient:
    def __init__(self, settings: Settings | None = None, *, timeout: float = 30.0) -> None:
        self.settings = settings or from_environment()
        self.timeout = timeout
        if not self.settings.secret_key:
            raise EvaluationError("no secret key: set LLMOPS_SECRET_KEY")

    def request(self, method: str, path: str, body: Any = None) -> Any:
        url = self.settings.host.rstrip("/") + path
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 — the configured host
            url,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.settings.secret_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:2000]
            raise EvaluationError(f"{method} {path}: HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise EvaluationError(
                f"{method} {path}: cannot reach {self.settings.host}: {exc}"
            ) from None
        return json.loads(raw) if raw else None


def _report(data: Mapping[str, Any]) -> RunReport:
    return RunReport(
        id=str(data["id"]),
        status=str(data["status"]),
        summary=data.get("summary") or {},
        thresholds=data.get("thresholds") or [],
        error=str(data.get("error") or ""),
        data=data,
    )


def wait_for_run(
    client: PlatformClient,
    run_id: str,
    *,
    timeout: float = 1800.0,
    poll_seconds: float = 1.0,
    on_progress: Callable[[Mapping[str, Any]], None] | None = None,
) -> RunReport:
    deadline = time.monotonic() + timeout
    while True:
        data = client.request("GET", f"/api/v1/runs/{run_id}")
        if on_progress is not None:
            on_progress(data)
        if data["status"] in FINISHED:
            return _report(data)
        if time.monotonic() > deadline:
            raise EvaluationError(f"run {run_id} did not finish within {timeout:g} s")
        time.sleep(poll_seconds)


def start_run(
    client: PlatformClient,
    suite: str,
    *,
    version: int | None = None,
    label: str | None = None,
    outputs: Sequence[Mapping[str, Any]] | None = None,
) -> Mapping[str, Any]:
    body: dict[str, Any] = {"suite": suite, "trigger": "ci"}
    if version is not None:
        body["version"] = version
    if label is not None:
        body["label"] = label
    if outputs is not None:
        body["outputs"] = list(outputs)
    return dict(client.request("POST", "/api/v1/runs", body))


def run_suite(
    suite: str,
    *,
    version: int | None = None,
    label: str | None = None,
    outputs: Sequence[Mapping[str, Any]] | None = None,
    timeout: float = 1800.0,
    client: PlatformClient | None = None,
) -> RunReport:
    """Run ``suite`` on the platform and wait for its verdict."""
    client = client or PlatformClient()
    started = start_run(client, suite, version=version, label=label, outputs=outputs)
    return wait_for_run(client, str(started["id"]), timeout=timeout)


def dataset_items(client: PlatformClient, dataset: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {"limit": "1000", **({"cursor": cursor} if cursor else {})}
        page = client.request(
            "GET",
            f"/api/v1/datasets/{urllib.parse.quote(dataset)}/items?{urllib.parse.urlencode(query)}",
        )
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def evaluate(
    suite: str,
    task: Callable[[Any], Any],
    *,
    timeout: float = 1800.0,
    client: PlatformClient | None = None,
) -> RunReport:
    """Run your own ``task`` on every item of the suite's dataset, then have the platform score
    the outputs. An item whose task raises is sent without an output (it counts as errored)."""
    client = client or PlatformClient()
    definition = client.request("GET", f"/api/v1/suites/{urllib.parse.quote(suite)}")
    outputs: list[dict[str, Any]] = []
    for item in dataset_items(client, definition["dataset"]):
        started = time.perf_counter()
        try:
            output = task(item["input"])
        except Exception:  # the app's failure on one item is that item's result
            log.warning(
                "task failed on item %s; it is sent without an output", item["key"], exc_info=True
            )
            continue
        outputs.append(
            {
                "key": item["key"],
                "output": output,
                "latency_ms": (time.perf_counter() - started) * 1000,
            }
        )
    if not outputs:
        raise EvaluationError("the task produced no output for any item")
    return run_suite(suite, outputs=outputs, timeout=timeout, client=client)
