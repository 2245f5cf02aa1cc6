"""``score(...)``: feedback and judgements on traces and spans, sent in the background.

Scores wait in a bounded queue and a daemon thread posts them in batches (see ``worker``). A
batch the server cannot take now (unreachable, 429, 5xx) is retried with backoff, up to five
tries; a score the server refuses as invalid is logged and dropped, the rest of its batch is
sent. A score naming only a span the server has not stored yet is retried a few times, since
spans are exported on their own clock.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace

from llmops_sdk import transport
from llmops_sdk.config import Settings
from llmops_sdk.worker import BackgroundSender, Outcome

log = logging.getLogger("llmops_sdk")

MAX_QUEUE = 10_000
BATCH = 100
SPAN_LOOKUP_ATTEMPTS = 5


@dataclass
class _Pending:
    body: dict[str, Any]
    attempts: int = 0
    not_before: float = 0.0


class ScoreSender(BackgroundSender[_Pending]):
    """Posts scores in batches of up to 100 from its own thread (see ``worker``)."""

    batch_size = BATCH
    wake_at = 1  # scores are few: send one as soon as the thread is free

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            name="scores", max_queue=MAX_QUEUE, timeout_seconds=settings.export_timeout_seconds
        )
        self.settings = settings

    def enqueue(self, body: dict[str, Any]) -> None:
        self.put(_Pending(body))

    def _take(self) -> list[_Pending]:
        now = time.monotonic()
        batch: list[_Pending] = []
        later: list[_Pending] = []
        while self.queue and len(batch) < BATCH:
            item = self.queue.popleft()
            (batch if item.not_before <= now else later).append(item)
        self.queue.extendleft(reversed(later))
        return batch

    def _send(self, batch: list[_Pending], timeout: float) -> tuple[Outcome, float | None]:
        return self._post(batch, timeout)

    def _post(
        self, batch: list[_Pending], timeout: float | None = None
    ) -> tuple[Outcome, float | None]:
        try:
            response = transport.request(
                "POST",
                f"{self.settings.host}/api/v1/scores",
                headers={
                    "Authorization": f"Bearer {self.settings.secret_key}",
                    "Content-Type": "application/json",
                },
                body=json.dumps([item.body for item in batch]).encode(),
                timeout=self.timeout_seconds if timeout is None else timeout,
            )
        except OSError:
            return Outcome.RETRY, None
        if response.ok:
            return Outcome.SENT, None
        if response.status == 400:
            self._split_refused(batch, response.body)
            return Outcome.SETTLED, None
        if response.retryable:
            return Outcome.RETRY, response.retry_after()
        log.warning("llmops_sdk: the platform refused scores: HTTP %s", response.status)
        return Outcome.DROP, None

    def _split_refused(self, batch: list[_Pending], body: bytes) -> None:
        try:
            fields: dict[str, list[str]] = json.loads(body).get("fields", {})
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
            self.dropped_unsent += len(batch)
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
                    self.dropped_unsent += 1
            else:
                log.warning(
                    "llmops_sdk: score %r refused: %s",
                    item.body.get("name"),
                    {name: fields.get(f"[{index}].{name}") for name in problems},
                )
                self.dropped_unsent += 1
        # The valid ones go again at once, without the scores that were refused.
        self.queue.extendleft(reversed(valid))


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
