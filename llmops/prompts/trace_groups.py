"""The traces that ran a prompt version, in the lineage graph as one group per version.

One node per trace would put millions of nodes in the graph and answer nothing a trace query
does not; a group node per version answers "what did this version do in production" and links
the version to its traces (a ``used`` edge). Groups are linked when ingestion first sees them:
each process remembers the groups it has linked, and ingestion names the prompt versions of the
spans it just stored, so a batch pays one query at most (for versions not linked yet, which
includes prompts the platform does not manage). The traces calling a model are grouped by
tracing (``llmops.tracing.trace_groups``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
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


def prompt_groups_link(
    *, project: Project, trace_ids: Sequence[str], prompt_versions: Iterable[str] | None = None
) -> int:
    """Link the version groups of these traces not linked yet; returns how many were new.

    ``prompt_versions`` (``name@version``): those of the spans just stored, when the caller
    knows them (ingest does); a trace's versions are the union of its spans', so a new version
    arrives with a new span. Without them the traces' rows are read.
    """
    prompts: set[str] = set(prompt_versions or ())
    if prompt_versions is None:
        for versions in Trace.objects.filter(project=project, trace_id__in=trace_ids).values_list(
            "prompt_versions", flat=True
        ):
            prompts.update(versions or [])
    wanted: list[tuple[str, str, str]] = []  # (name, number, key) of the keys not linked yet
    for key in sorted(prompts):
        name, _, number = key.rpartition("@")
        if (project.pk, key) not in _linked and number.isdigit():
            wanted.append((name, number, key))
    if not wanted:
        return 0
    # The versions among them in one query (names and numbers each match; pairs picked below).
    found = {
        (name, number): pk
        for name, number, pk in PromptVersion.objects.filter(
            prompt__project=project,
            prompt__name__in={name for name, _, _ in wanted},
            number__in={int(number) for _, number, _ in wanted},
        ).values_list("prompt__name", "number", "pk")
    }
    added = 0
    for name, number, key in wanted:
        pk = found.get((name, int(number)))
        if pk is None:
            continue  # a prompt the platform does not manage: nothing to link it to
        lineage_link(
            project=project,
            upstream=NodeRef(NodeKind.PROMPT_VERSION, str(pk), f"{name} v{number}"),
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
        prompt_groups_link(
            project=project, trace_ids=trace_ids, prompt_versions=kwargs.get("prompt_versions")
        )
    except Exception:
        # The spans are stored; a missing group link must not fail the ingestion that made it.
        log.exception("could not link the prompt trace groups of project %s", project.pk)
