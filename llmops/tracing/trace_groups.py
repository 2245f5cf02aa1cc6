"""The traces calling a model, in the lineage graph as one group node per model.

One node per trace would put millions of nodes in the graph; a group per model is enough to
name "the traces calling it" there. Groups are recorded when ingestion first sees them: each
process remembers the groups it has recorded, so the ingest path pays one small query per
batch. The traces that ran a prompt version are grouped by prompts
(``llmops.prompts.trace_groups``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.dispatch import receiver

from llmops.lineage.domain import node_record
from llmops.lineage.models import NodeKind
from llmops.tenancy.models import Project
from llmops.tracing.models import Trace
from llmops.tracing.signals import traces_ingested

log = logging.getLogger(__name__)
_linked: set[tuple[Any, str]] = set()


def model_group_ref(model: str) -> str:
    return f"model:{model}"


def model_groups_link(*, project: Project, trace_ids: Sequence[str]) -> int:
    """Record the model groups of these traces not recorded yet; returns how many were new."""
    models: set[str] = set()
    for model_names in Trace.objects.filter(project=project, trace_id__in=trace_ids).values_list(
        "model_names", flat=True
    ):
        models.update(model_names or [])
    added = 0
    for model in sorted(models):
        if (project.pk, model) in _linked:
            continue
        node_record(
            project=project,
            kind=NodeKind.TRACE,
            ref=model_group_ref(model),
            label=f"traces calling {model}",
        )
        _linked.add((project.pk, model))
        added += 1
    return added


@receiver(traces_ingested)
def _on_ingest(sender: Any, *, project: Project, trace_ids: Sequence[str], **kwargs: Any) -> None:
    try:
        model_groups_link(project=project, trace_ids=trace_ids)
    except Exception:
        # The spans are stored; a missing group node must not fail the ingestion that made it.
        log.exception("could not record the model trace groups of project %s", project.pk)
