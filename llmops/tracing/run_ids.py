"""Span and trace ids of LangSmith runs.

A LangSmith run id is a UUID (128 bits) and a span id 64 bits, so a run's span id is derived
from the whole run id by a hash: the ids of one trace's runs (UUIDv7: time first) differ only in
their later bits, so a prefix would collide. The trace id is the trace's root run id as hex.
Both are pure functions, so a patch, a feedback or a read finds a run's span without a lookup
table.
"""

from __future__ import annotations

import hashlib
import uuid


def span_id_of(run_id: uuid.UUID) -> str:
    return hashlib.blake2b(run_id.bytes, digest_size=8).hexdigest()


def trace_id_of(trace_run_id: uuid.UUID) -> str:
    return trace_run_id.hex
