"""Signals other contexts listen to, so tracing does not import them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after spans are committed; kwargs: project, trace_ids (the traces that changed), and
# from ingest also model_names and prompt_versions ("name@version"): those of the batch's spans.
traces_ingested = Signal()
