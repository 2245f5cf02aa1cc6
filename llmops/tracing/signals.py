"""Signals other contexts listen to, so tracing does not import them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after spans are committed; kwargs: project, trace_ids (the traces that changed), and
# from ingest also model_names and prompt_versions ("name@version"): those of the batch's spans;
# and experiment_items: a list (empty when none) of llmops.tracing.experiments.ExperimentItem,
# one per span of the batch that is the root observation of a Langfuse experiment item (a
# retried export sends its items again: listeners key them by trace and span id).
traces_ingested = Signal()
