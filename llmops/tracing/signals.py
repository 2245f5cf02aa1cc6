"""Signals other contexts listen to, so tracing does not import them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after spans are committed; kwargs: project, trace_ids (the traces that changed).
traces_ingested = Signal()
