"""A bounded queue drained by one daemon thread: how the SDK sends spans and scores.

The application's threads only ever call ``put``: a length check, a ``deque.append`` and, once
per batch, a ``SimpleQueue.put`` that wakes the thread. None of these waits: ``SimpleQueue.put``
never blocks by contract, and no lock is shared with the sending thread, let alone held during
network I/O. A platform that is down, hung or answering 429 therefore cannot slow a call; a
full queue drops the item and counts it. Network calls, back-off and ``Retry-After`` all happen
on the sending thread (modelled on sentry-python's ``BackgroundWorker`` and OpenTelemetry's
``BatchProcessor``).

``flush`` and ``close`` hand the thread a deadline. Until it passes, every request gets a
timeout no longer than the time left and a back-off that would overrun it ends the flush.
``close`` (at exit) then joins the thread with the same deadline, so exit waits at most that
long by construction, and counts what was not sent as dropped.
"""

from __future__ import annotations

import enum
import logging
import os
import queue
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from llmops_sdk.safety import report

log = logging.getLogger("llmops_sdk")
T = TypeVar("T")
_WAKE = object()
# Unsent drops are logged at most this often, so a long outage logs a line a minute, not a flood.
DROP_LOG_INTERVAL_SECONDS = 60.0


class Outcome(enum.Enum):
    SENT = "sent"
    RETRY = "retry"  # unreachable, 429 or 5xx: the batch waits and goes again after a back-off
    DROP = "drop"  # refused for good: counted as dropped
    SETTLED = "settled"  # the subclass counted or re-queued the items itself


@dataclass
class _Flush:
    deadline: float
    final: bool
    done: threading.Event = field(default_factory=threading.Event)
    drained: bool = False

    def wait(self) -> bool:
        return self.done.wait(max(self.deadline - time.monotonic(), 0.0)) and self.drained


class BackgroundSender(Generic[T]):
    """Subclasses say how to send a batch (``_send``) and may choose what is ready (``_take``)."""

    batch_size = 100
    wake_at = 100  # queue length at which a ``put`` wakes the thread before its next tick
    schedule_delay = 1.0
    max_attempts = 5
    first_backoff = 0.5
    max_backoff = 30.0

    def __init__(self, *, name: str, max_queue: int, timeout_seconds: float) -> None:
        self.name = name
        self.max_queue = max_queue
        self.timeout_seconds = timeout_seconds
        self.queue: deque[T] = deque()
        self.sent = 0
        # Two drop counters: one written only by the app's threads, one only by the sender's,
        # so neither loses counts to the other (``+=`` is not atomic across threads).
        self.dropped_full = 0
        self.dropped_unsent = 0
        self.dropped_at_exit = 0
        self._closed = False
        self._close_deadline: float | None = None
        self._abandoned = False  # the exit flush gave up waiting for the thread
        # The batch taken from the queue: being sent, or waiting for another try. It stays
        # here until settled, so ``pending`` counts it at every moment.
        self._batch: list[T] = []
        self._attempts = 0
        self._backoff = 0.0
        self._resume_at = 0.0
        self._rung = False
        self._logged_drops = 0
        self._logged_at = 0.0
        self._doorbell: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        # Threads do not survive fork; a weak reference lets a discarded sender be collected.
        reinit = weakref.WeakMethod(self._after_fork)

        def after_in_child() -> None:
            method = reinit()
            if method is not None:
                method()

        os.register_at_fork(after_in_child=after_in_child)
        self._start()

    @property
    def dropped(self) -> int:
        return self.dropped_full + self.dropped_unsent + self.dropped_at_exit

    @property
    def pending(self) -> int:
        """Items not yet sent: queued, being sent, or waiting for another try."""
        return len(self.queue) + len(self._batch)

    def put(self, item: T) -> bool:
        """Queue ``item``; never blocks. False (and counted) when the queue is full or closed."""
        if self._closed or len(self.queue) >= self.max_queue:
            self.dropped_full += 1
            return False
        self.queue.append(item)
        if not self._rung and len(self.queue) >= self.wake_at:
            self._rung = True
            self._doorbell.put(_WAKE)
        return True

    def flush(self, deadline: float) -> _Flush:
        """Ask the thread to send everything before ``deadline``; ``.wait()`` on the result."""
        message = _Flush(deadline, final=False)
        if self._closed:
            message.drained = self.pending == 0
            message.done.set()
        else:
            # Always through the thread: only it knows whether a batch is being taken or sent.
            self._doorbell.put(message)
        return message

    def begin_close(self, deadline: float) -> None:
        """Refuse new items and ask the thread for a last flush before ``deadline``."""
        if self._closed:
            return
        # Set before ``_closed``: from now on no request of this sender outlives the deadline,
        # even one the thread starts before it reads the final flush from its doorbell.
        self._close_deadline = deadline
        self._closed = True
        self._doorbell.put(_Flush(deadline, final=True))

    def finish_close(self, deadline: float) -> int:
        """Wait for the thread until ``deadline`` at most; drop and count what is left."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(deadline - time.monotonic(), 0.0))
        left = self.pending
        self._abandoned = True
        self.queue.clear()
        self._batch = []
        self.dropped_at_exit += left
        return left

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"llmops-{self.name}", daemon=True)
        self._thread.start()

    def _after_fork(self) -> None:
        # The child starts empty (the parent sends what was queued before the fork) with a
        # thread of its own; the parent's thread and its doorbell do not exist here.
        self.queue.clear()
        self._batch = []
        self._rung = False
        self._doorbell = queue.SimpleQueue()
        if not self._closed:
            self._start()

    # Everything below runs on the sender's thread.

    def _run(self) -> None:
        while True:
            now = time.monotonic()
            backing_off = self._resume_at > now
            try:
                message = self._doorbell.get(
                    timeout=self._resume_at - now if backing_off else self.schedule_delay
                )
            except queue.Empty:
                message = None
            if isinstance(message, _Flush):
                try:
                    message.drained = self._send_until(message.deadline)
                except Exception as exc:
                    report(exc, f"{self.name} sender")
                finally:
                    message.done.set()
                if message.final:
                    return
                continue
            try:
                if time.monotonic() >= self._resume_at:
                    # While backing off, ``_rung`` stays set so puts do not wake the thread.
                    self._rung = False
                    self._send_until(None)
                self._log_drops()
            except Exception as exc:
                report(exc, f"{self.name} sender")

    def _send_until(self, deadline: float | None) -> bool:
        """Send ready batches; True once nothing is pending.

        With a deadline (a flush), keep going until it passes, backing off only within it.
        Without one, send what was queued when called and stop at the first failure.
        """
        if self._close_deadline is not None:
            deadline = min(deadline or self._close_deadline, self._close_deadline)
        rounds = None if deadline is not None else 1 + len(self.queue) // self.batch_size
        if deadline is not None and self._resume_at > time.monotonic():
            # A flush honours the back-off (and Retry-After) in force, if it ends in time.
            if self._resume_at >= deadline:
                return self.pending == 0
            time.sleep(max(self._resume_at - time.monotonic(), 0.0))
        while rounds is None or rounds > 0:
            if rounds is not None:
                rounds -= 1
            if not self._batch:
                self._batch = self._take()
            batch = self._batch
            if not batch:
                if not self.queue or deadline is None:
                    return not self.queue
                # Only items that are not due yet remain (scores waiting for their span).
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                time.sleep(min(0.2, left))
                continue
            timeout = self.timeout_seconds
            if deadline is not None:
                timeout = min(timeout, deadline - time.monotonic())
                if timeout <= 0:
                    return False
            try:
                outcome, retry_after = self._send(batch, timeout)
            except Exception as exc:
                report(exc, f"{self.name} sender")
                outcome, retry_after = Outcome.DROP, None
            if self._abandoned:
                return False  # already counted as dropped at exit
            if outcome is Outcome.RETRY:
                if not self._back_off(retry_after, deadline):
                    return False
                continue
            self._batch = []
            self._attempts = 0
            if outcome is Outcome.SENT:
                self.sent += len(batch)
                self._backoff = 0.0
            elif outcome is Outcome.DROP:
                self.dropped_unsent += len(batch)
        return self.pending == 0

    def _back_off(self, retry_after: float | None, deadline: float | None) -> bool:
        """Keep the batch for another try; True if the flush may wait for it (within deadline)."""
        self._attempts += 1
        if self._attempts >= self.max_attempts:
            self.dropped_unsent += len(self._batch)
            self._batch = []
            self._attempts = 0
        self._backoff = min(max(self._backoff * 2, self.first_backoff), self.max_backoff)
        delay = max(self._backoff, retry_after or 0.0)
        self._resume_at = time.monotonic() + delay
        if deadline is None or self._resume_at >= deadline:
            return False
        time.sleep(delay)
        return True

    def _log_drops(self) -> None:
        dropped = self.dropped_full + self.dropped_unsent
        now = time.monotonic()
        if dropped > self._logged_drops and now - self._logged_at >= DROP_LOG_INTERVAL_SECONDS:
            log.warning(
                "llmops_sdk: %d %s dropped so far (queue full or refused by the platform)",
                dropped,
                self.name,
            )
            self._logged_drops = dropped
            self._logged_at = now

    def _take(self) -> list[T]:
        count = min(self.batch_size, len(self.queue))
        return [self.queue.popleft() for _ in range(count)]

    def _send(self, batch: list[T], timeout: float) -> tuple[Outcome, float | None]:
        """Send one batch within ``timeout`` seconds; the outcome and any Retry-After."""
        raise NotImplementedError
