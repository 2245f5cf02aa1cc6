"""Reads of the lineage graph: the neighbourhood of a node, walked with one recursive query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from llmops.lineage.models import EdgeKind, LineageEdge, LineageNode
from llmops.tenancy.models import Project

MAX_DEPTH = 100


class Direction(StrEnum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"
    BOTH = "both"


@dataclass(frozen=True)
class GraphNode:
    id: int
    kind: str
    ref: str
    label: str
    created_at: datetime
    # Fewest edges from the root going upstream / downstream; None where not reached that way.
    upstream_distance: int | None
    downstream_distance: int | None


@dataclass(frozen=True)
class GraphEdge:
    id: int
    kind: str
    source: int
    target: int
    created_at: datetime


@dataclass(frozen=True)
class Graph:
    root: GraphNode
    nodes: list[GraphNode]
    edges: list[GraphEdge]


# One statement walks both ways and returns node rows and edge rows together. UNION (not UNION
# ALL) in the recursive parts drops repeated (node, depth) pairs, so diamonds do not multiply
# rows and cycles end at the depth bound. The depth bounds keep the walk finite on any graph.
# The recursive terms follow edges by their source/target indexes alone: edges never cross
# projects (edge_record refuses it) and the root belongs to the project, so a project filter
# there adds nothing but tempts PostgreSQL into intersecting with the project index each step.
_GRAPH_SQL = """
WITH RECURSIVE
up(node_id, depth) AS (
    SELECT CAST(%(root)s AS BIGINT), 0
    UNION
    SELECT e.source_id, up.depth + 1
    FROM lineage_edge e JOIN up ON e.target_id = up.node_id
    WHERE up.depth < %(up_depth)s
),
down(node_id, depth) AS (
    SELECT CAST(%(root)s AS BIGINT), 0
    UNION
    SELECT e.target_id, down.depth + 1
    FROM lineage_edge e JOIN down ON e.source_id = down.node_id
    WHERE down.depth < %(down_depth)s
),
up_min(node_id, depth) AS (SELECT node_id, MIN(depth) FROM up GROUP BY node_id),
down_min(node_id, depth) AS (SELECT node_id, MIN(depth) FROM down GROUP BY node_id)
SELECT 'n', n.id, n.kind, n.ref, n.label, n.created_at, u.depth, d.depth,
       CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
FROM lineage_node n
LEFT JOIN up_min u ON u.node_id = n.id
LEFT JOIN down_min d ON d.node_id = n.id
WHERE n.project_id = %(project)s
  AND n.id IN (SELECT node_id FROM up_min UNION SELECT node_id FROM down_min)
UNION ALL
SELECT 'e', e.id, e.kind, CAST(NULL AS VARCHAR(200)), CAST(NULL AS VARCHAR(300)), e.created_at,
       CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), e.source_id, e.target_id
FROM lineage_edge e
WHERE e.project_id = %(project)s AND (
    (e.target_id IN (SELECT node_id FROM up_min WHERE depth < %(up_depth)s)
     AND e.source_id IN (SELECT node_id FROM up_min))
    OR
    (e.source_id IN (SELECT node_id FROM down_min WHERE depth < %(down_depth)s)
     AND e.target_id IN (SELECT node_id FROM down_min))
)
"""


def _as_datetime(value: object) -> datetime:
    # SQLite hands back text, PostgreSQL a datetime.
    if isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"unreadable timestamp {value!r}")
    return parsed


def _distance(node: GraphNode) -> int:
    return min(d for d in (node.upstream_distance, node.downstream_distance) if d is not None)


def node_get(*, project: Project, kind: str, ref: str) -> LineageNode | None:
    return LineageNode.objects.filter(project=project, kind=kind, ref=ref).first()


def nodes_list(
    *, project: Project, kind: str | None = None, text: str = ""
) -> QuerySet[LineageNode]:
    nodes = LineageNode.objects.filter(project=project)
    if kind:
        nodes = nodes.filter(kind=kind)
    if text:
        nodes = nodes.filter(Q(label__icontains=text) | Q(ref__icontains=text))
    return nodes.order_by("-id")


def graph_around(*, project: Project, root: LineageNode, direction: Direction, depth: int) -> Graph:
    """The nodes and edges within ``depth`` edges of ``root``, upstream, downstream or both."""
    if not 0 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 0 and {MAX_DEPTH}")
    if root.project_id != project.pk:
        raise ValueError("root node belongs to another project")
    params: dict[str, int | str] = {
        "root": root.pk,
        # Django stores UUIDs differently per backend (hex text on SQLite, uuid on PostgreSQL);
        # let the field prepare the value for the raw query.
        "project": LineageNode._meta.get_field("project").get_db_prep_value(project.pk, connection),
        "up_depth": depth if direction in (Direction.UPSTREAM, Direction.BOTH) else 0,
        "down_depth": depth if direction in (Direction.DOWNSTREAM, Direction.BOTH) else 0,
    }
    nodes: list[GraphNode] = []
    edges: list[GraphEdge] = []
    with connection.cursor() as cursor:
        cursor.execute(_GRAPH_SQL, params)
        for row in cursor.fetchall():
            if row[0] == "n":
                nodes.append(
                    GraphNode(
                        id=row[1],
                        kind=row[2],
                        ref=row[3],
                        label=row[4],
                        created_at=_as_datetime(row[5]),
                        upstream_distance=row[6],
                        downstream_distance=row[7],
                    )
                )
            else:
                edges.append(
                    GraphEdge(
                        id=row[1],
                        kind=row[2],
                        source=row[8],
                        target=row[9],
                        created_at=_as_datetime(row[5]),
                    )
                )
    nodes.sort(key=lambda n: (_distance(n), n.id))
    edges.sort(key=lambda e: e.id)
    root_node = next(n for n in nodes if n.id == root.pk)
    return Graph(root=root_node, nodes=nodes, edges=edges)


# The kinds an impact query reports: what was built or judged from the root.
IMPACT_KINDS = ("prompt_version", "model_version", "eval_run", "experiment_run")


def impact_of(*, project: Project, root: LineageNode) -> dict[str, list[GraphNode]]:
    """What used ``root`` (a dataset version, say), by kind, nearest first.

    Everything downstream of it, and the versions that downstream evaluation runs evaluated:
    a prompt version evaluated on a dataset is not downstream of the dataset (both feed the
    run), yet it is what "which prompt versions used this dataset" asks for.
    """
    graph = graph_around(
        project=project, root=root, direction=Direction.DOWNSTREAM, depth=MAX_DEPTH
    )
    found: dict[str, list[GraphNode]] = {kind: [] for kind in IMPACT_KINDS}
    seen = {node.id for node in graph.nodes}
    for node in graph.nodes:
        if node.id != root.pk and node.kind in found:
            found[node.kind].append(node)
    distance = {n.id: n.downstream_distance for n in graph.nodes}
    evaluated = (
        LineageEdge.objects.filter(
            project=project,
            kind=EdgeKind.EVALUATED,
            target_id__in=[n.id for n in found["eval_run"]],
        )
        .select_related("source")
        .order_by("id")
    )
    for edge in evaluated:
        source = edge.source
        if source.id in seen or source.kind not in found:
            continue
        seen.add(source.id)
        run_distance = distance.get(edge.target_id)
        found[source.kind].append(
            GraphNode(
                id=source.id,
                kind=source.kind,
                ref=source.ref,
                label=source.label,
                created_at=source.created_at,
                upstream_distance=None,
                downstream_distance=None if run_distance is None else run_distance + 1,
            )
        )
    return found
