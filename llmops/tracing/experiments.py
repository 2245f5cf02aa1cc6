"""Experiment items read from ingested spans (the Langfuse SDKs' ``langfuse.experiment.*``).

The Langfuse experiment runner marks every span of one item's run with the experiment's
attributes and names the item's root observation in
``langfuse.experiment.item.root_observation_id`` (3.15: the "experiment-item-run" span, 5.2:
the "experiment-item-task" span). Exactly that span becomes an ``ExperimentItem``; ingest sends
the batch's items with ``traces_ingested`` (``experiment_items``), and evaluation turns them
into runs without tracing knowing about evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmops.tracing.conventions.mapping import MappedSpan


@dataclass(frozen=True)
class ExperimentItem:
    trace_id: str
    # The item's root observation: the span whose own id equals
    # langfuse.experiment.item.root_observation_id.
    span_id: str
    experiment_id: str  # langfuse.experiment.id
    experiment_name: str  # langfuse.experiment.name (the run name)
    description: str  # langfuse.experiment.description or ""
    dataset_id: str  # langfuse.experiment.dataset.id or "" (local data)
    item_id: str  # langfuse.experiment.item.id
    input: Any
    output: Any
    expected_output: Any  # parsed JSON of langfuse.experiment.item.expected_output
    metadata: dict[str, Any]  # parsed langfuse.experiment.metadata
    error: str  # the span's status message when it failed, else ""
    latency_ms: float


def experiment_item(span: MappedSpan) -> ExperimentItem | None:
    """The item whose root observation ``span`` is, or None (most spans are none)."""
    experiment = span.experiment
    if experiment is None or experiment.get("item_root_observation_id") != span.span_id:
        return None
    metadata = experiment.get("metadata")
    return ExperimentItem(
        trace_id=span.trace_id,
        span_id=span.span_id,
        experiment_id=str(experiment.get("id") or ""),
        experiment_name=str(experiment.get("name") or ""),
        description=str(experiment.get("description") or ""),
        dataset_id=str(experiment.get("dataset_id") or ""),
        item_id=str(experiment.get("item_id") or ""),
        input=span.input,
        output=span.output,
        expected_output=experiment.get("item_expected_output"),
        metadata=metadata if isinstance(metadata, dict) else {},
        error=(span.status_message or "failed") if span.status == "error" else "",
        latency_ms=span.duration_ms,
    )
