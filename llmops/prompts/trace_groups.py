"""The traces that ran a prompt version, in the lineage graph as one group per version.

One node per trace would put millions of nodes in the graph and answer nothing a trace query
does not; a group node per version answers "what did this version do in production" and links
the version to its traces (a ``used`` edge). Groups are linked when ingestion first sees them:
each process remembers the groups it has linked, so the ingest path pays one small query per
batch. The traces calling a model are grouped by tracing (``llmops.tracing.trace_groups``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.dispatch import receiver

from llmops.lineage.domain import NodeRef, lineage_link
from llmops.lineage.models import EdgeKind, NodeKind
from llmops.prompts.models import PromptVersion
from llmops.tenancy.models import Project
from llmops.tracing.models import Trace
from llmops.tracing.signals import traces_ingested

log = logging.getLogger(__name__)
_linked: set[tuple[Any, str]] = set()


def prompt_group_ref(prompt: str, version: int | str) -> str:
    return f"prompt:{prompt}@{version}"


def prompt_groups_link(*, project: Project, trace_ids: Sequence[str]) -> int:
    """Link the version groups of these traces not linked yet; returns how many were new."""
    prompts: set[str] = set()
    for prompt_versions in Trace.objects.filter(
        project=project, trace_id__in=trace_ids
    ).values_list("prompt_versions", flat=True):
        prompts.update(prompt_versions or [])
    added = 0
    for key in sorted(prompts):
        if (project.pk, key) in _linked:
            continue
        name, _, number = key.rpartition("@")
        version = (
            PromptVersion.objects.filter(
                prompt__project=project, prompt__name=name, number=int(number)
            ).first()
            if number.isdigit()
            else None
        )
        if version is None:
            continue  # a prompt the platform does not manage: nothing to link it to
        lineage_link(
            project=project,
            upstream=NodeRef(NodeKind.PROMPT_VERSION, str(version.pk), f"{name} v{number}"),
            downstream=NodeRef(
                NodeKind.TRACE, prompt_group_ref(name, number), f"traces of {name} v{number}"
            ),
            kind=EdgeKind.USED,
        )
        _linked.add((project.pk, key))
        added += 1
    return added


@receiver(traces_ingested)
def _on_ingest(sender: Any, *, project: Project, trace_ids: Sequence[str], **kwargs: Any) -> None:
    try:
        prompt_groups_link(project=project, trace_ids=trace_ids)
    except Exception:
        # The spans are stored; a missing group link must not fail the ingestion that made it.
        log.exception("could not link the prompt trace groups of project %s", project.pk)
