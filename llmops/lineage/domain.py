"""Writes to the lineage graph.

Other contexts call these inside the transaction that creates their entity, so an entity and
its edges are committed together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from llmops.domain_errors import Invalid
from llmops.lineage.models import LineageEdge, LineageNode, NodeKind
from llmops.tenancy.models import Project


class LineageError(Invalid):
    """An edge that the graph cannot hold; ``field`` names the offending input, if any."""


@dataclass(frozen=True)
class NodeRef:
    kind: str
    ref: str
    label: str = ""


def node_record(*, project: Project, kind: str, ref: str, label: str = "") -> LineageNode:
    """Return the node for ``(kind, ref)`` in ``project``, creating it on first mention.

    A later mention with a non-empty label refreshes the label.
    """
    node, created = LineageNode.objects.get_or_create(
        project=project, kind=kind, ref=ref, defaults={"label": label}
    )
    if not created and label and node.label != label:
        LineageNode.objects.filter(pk=node.pk).update(label=label)
        node.label = label
    return node


def edge_record(
    *, project: Project, upstream: LineageNode, downstream: LineageNode, kind: str
) -> LineageEdge:
    """Record that ``downstream`` relates to ``upstream`` by ``kind``; twice is a no-op."""
    if upstream.pk == downstream.pk:
        raise LineageError("an entity cannot be its own upstream")
    if upstream.project_id != project.pk or downstream.project_id != project.pk:
        raise LineageError("both ends of an edge must belong to the edge's project")
    edge, _ = LineageEdge.objects.get_or_create(
        source=upstream, target=downstream, kind=kind, defaults={"project": project}
    )
    return edge


def lineage_link(
    *, project: Project, upstream: NodeRef, downstream: NodeRef, kind: str
) -> LineageEdge:
    """Record both nodes (if new) and the edge between them, atomically."""
    with transaction.atomic():
        source = node_record(
            project=project, kind=upstream.kind, ref=upstream.ref, label=upstream.label
        )
        target = node_record(
            project=project, kind=downstream.kind, ref=downstream.ref, label=downstream.label
        )
        return edge_record(project=project, upstream=source, downstream=target, kind=kind)


def client_edge_record(
    *, project: Project, upstream: NodeRef, downstream: NodeRef, kind: str
) -> LineageEdge:
    """An edge recorded by an API client.

    Clients may introduce ``external`` nodes (a code commit, a file in a bucket) but only refer
    to platform entities that already exist, so the graph never names an entity that is not there.
    """
    with transaction.atomic():
        ends: dict[str, LineageNode] = {}
        for field, wanted in (("upstream", upstream), ("downstream", downstream)):
            if wanted.kind == NodeKind.EXTERNAL:
                ends[field] = node_record(
                    project=project, kind=wanted.kind, ref=wanted.ref, label=wanted.label
                )
                continue
            existing = LineageNode.objects.filter(
                project=project, kind=wanted.kind, ref=wanted.ref
            ).first()
            if existing is None:
                raise LineageError(
                    f"no {wanted.kind} {wanted.ref!r} in this project; only 'external' nodes "
                    "can be introduced by a client",
                    field=field,
                )
            ends[field] = existing
        if ends["upstream"].pk == ends["downstream"].pk:
            raise LineageError("an entity cannot be its own upstream", field="downstream")
        return edge_record(
            project=project, upstream=ends["upstream"], downstream=ends["downstream"], kind=kind
        )
