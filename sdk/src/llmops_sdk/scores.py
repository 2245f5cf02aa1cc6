"""``score(...)``: feedback and judgements on traces and spans, sent in the background.

Scores wait in a bounded queue and a daemon thread posts them in batches. A batch the server
cannot take now (unreachable, 429, 5xx) is retried with backoff; a score the server refuses as
invalid is logged and dropped, the rest of its batch is sent. A score naming only a span the
server has not stored yet is retried a few times, since spans are exported on their own clock.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace

from llmops_sdk.config import Settings
from llmops_sdk.safety import report

log = logging.getLogger("llmops_sdk")

MAX_QUEUE = 10_000
BATCH = 100
MAX_BACKOFF_SECONDS = 30.0
SPAN_LOOKUP_ATTEMPTS = 5


@dataclass
class _Pending:
    body: dict[str, Any]
    attempts: int = 0
    not_before: float = 0.0


class ScoreSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.queue: deque[_Pending] = deque()
        self.dropped = 0
        self.sent = 0
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._busy = False
        self._stopped = False
        self._backoff = 0.0
        self._resume_at = 0.0
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        # The worker thread does not exist in a forked child; its lock may be held by it.
        self._wake = threading.Condition()
        self._thread = None
        self._busy = False

    def enqueue(self, body: dict[str, Any]) -> None:
        if len(self.queue) >= MAX_QUEUE:
            self.dropped += 1
            return
        self.queue.append(_Pending(body))
        self._ensure_thread()
        with self._wake:
            self._wake.notify()

    def _ensure_thread(self) -> None:
        # Started on first use, and again in a forked child, where threads do not survive.
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="llmops-scores", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stopped:
            with self._wake:
                # New scores wake the thread; during a backoff it goes back to sleep.
                pause = self._resume_at - time.monotonic()
                if pause > 0:
                    self._wake.wait(pause)
                    continue
                if not self.queue:
                    self._wake.wait(1.0)
            if self.queue:
                self._busy = True
                try:
                    self._send_some()
                except Exception as exc:
                    report(exc, "score sender")
                finally:
                    self._busy = False

    def _send_some(self) -> None:
        now = time.monotonic()
        batch: list[_Pending] = []
        later: list[_Pending] = []
        while self.queue and len(batch) < BATCH:
            item = self.queue.popleft()
            (batch if item.not_before <= now else later).append(item)
        self.queue.extendleft(reversed(later))
        if not batch:
            time.sleep(0.2)
            return
        self._post(batch)

    def _post(self, batch: list[_Pending]) -> None:
        request = urllib.request.Request(  # noqa: S310 — the configured host
            f"{self.settings.host}/api/v1/scores",
            data=json.dumps([item.body for item in batch]).encode(),
            headers={
                "Authorization": f"Bearer {self.settings.secret_key}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=self.settings.export_timeout_seconds
            ) as response:
                response.read()
            self.sent += len(batch)
            self._backoff = 0.0
        except urllib.error.HTTPError as exc:
            if exc.code == 400:
                self._split_refused(batch, exc)
            elif exc.code == 429 or exc.code >= 500:
                self._retry_later(batch)
            else:
                log.warning("llmops_sdk: the platform refused scores: HTTP %s", exc.code)
                self.dropped += len(batch)
        except OSError:
            self._retry_later(batch)

    def _retry_later(self, batch: list[_Pending]) -> None:
        self._backoff = min(max(self._backoff * 2, 0.5), MAX_BACKOFF_SECONDS)
        self._resume_at = time.monotonic() + self._backoff
        self.queue.extendleft(reversed(batch))

    def _split_refused(self, batch: list[_Pending], exc: urllib.error.HTTPError) -> None:
        try:
            fields: dict[str, list[str]] = json.loads(exc.read()).get("fields", {})
        except ValueError:
            fields = {}
        refused: dict[int, set[str]] = {}
        for path in fields:
            if path.startswith("["):
                position, _, name = path[1:].partition("].")
                if position.isdigit():
                    refused.setdefault(int(position), set()).add(name)
        if not refused:
            log.warning("llmops_sdk: the platform refused a batch of scores: %s", fields)
            self.dropped += len(batch)
            return
        valid: list[_Pending] = []
        for index, item in enumerate(batch):
            problems = refused.get(index)
            if problems is None:
                valid.append(item)
            elif problems == {"trace_id"} and not item.body.get("trace_id"):
                item.attempts += 1
                if item.attempts < SPAN_LOOKUP_ATTEMPTS:
                    item.not_before = time.monotonic() + 2.0 * item.attempts
                    self.queue.append(item)
                else:
                    self.dropped += 1
            else:
                log.warning(
                    "llmops_sdk: score %r refused: %s",
                    item.body.get("name"),
                    {name: fields.get(f"[{index}].{name}") for name in problems},
                )
                self.dropped += 1
        # The valid ones go again at once, without the scores that were refused.
        self.queue.extendleft(reversed(valid))

    def flush(self, timeout_seconds: float) -> bool:
        deadline = time.monotonic() + timeout_seconds
        if self.queue:
            self._ensure_thread()
        while self.queue or self._busy:
            if time.monotonic() >= deadline:
                return False
            with self._wake:
                self._wake.notify()
            time.sleep(0.02)
        return True

    def shutdown(self, timeout_seconds: float) -> None:
        self.flush(timeout_seconds)
        self._stopped = True
        with self._wake:
            self._wake.notify()


def score_body(
    *,
    name: str,
    value: float | bool | str,
    trace_id: str | None,
    span_id: str | None,
    comment: str | None,
    data_type: str | None,
    metadata: dict[str, Any] | None,
    score_id: str | None,
) -> dict[str, Any] | None:
    """The JSON body of one score; ids come from the current span when none are given."""
    if trace_id is None and span_id is None:
        context = trace.get_current_span().get_span_context()
        if not context.is_valid:
            log.warning("llmops_sdk: score %r has no trace: pass trace_id or span_id", name)
            return None
        trace_id = format(context.trace_id, "032x")
        span_id = format(context.span_id, "016x")
    body: dict[str, Any] = {
        "id": score_id or str(uuid.uuid4()),
        "name": name,
        "value": value,
        "source": "sdk",
    }
    for key, item in (
        ("trace_id", trace_id),
        ("span_id", span_id),
        ("comment", comment),
        ("data_type", data_type),
        ("metadata", metadata),
    ):
        if item is not None:
            body[key] = item
    return body
