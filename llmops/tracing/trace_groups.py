"""The traces calling a model, in the lineage graph as one group node per model.

One node per trace would put millions of nodes in the graph; a group per model is enough to
name "the traces calling it" there. Groups are recorded when ingestion first sees them: each
process remembers the groups it has recorded, and ingestion names the models of the spans it
just stored, so a batch of known models costs no query. The traces that ran a prompt version are
grouped by prompts (``llmops.prompts.trace_groups``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
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


def model_groups_link(
    *, project: Project, trace_ids: Sequence[str], model_names: Iterable[str] | None = None
) -> int:
    """Record the model groups of these traces not recorded yet; returns how many were new.

    ``model_names``: the models of the spans just stored, when the caller knows them (ingest
    does); a trace's models are the union of its spans', so a new model arrives with a new span.
    Without them the traces' rows are read.
    """
    models: set[str] = set(model_names or ())
    if model_names is None:
        for names in Trace.objects.filter(project=project, trace_id__in=trace_ids).values_list(
            "model_names", flat=True
        ):
            models.update(names or [])
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
        model_groups_link(
            project=project, trace_ids=trace_ids, model_names=kwargs.get("model_names")
        )
    except Exception:
        # The spans are stored; a missing group node must not fail the ingestion that made it.
        log.exception("could not record the model trace groups of project %s", project.pk)
