"""A graph of 10,000 nodes is walked completely in a fixed number of queries, whatever its size.

How long the walk takes is measured in benchmarks/lineage_graph.py, not here: a timed test
flakes on a busy machine.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from llmops.lineage.models import LineageEdge, LineageNode
from llmops.lineage.selectors import Direction, graph_around
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

NODES = 10_000
# One recursive query walks the graph, whatever its size.
WALK_QUERIES = 1


def build(tenant: Tenant) -> list[LineageNode]:
    """Node i has edges from i // 2 (a binary tree) and from i - 1 (a chain): many diamonds."""
    nodes = LineageNode.objects.bulk_create(
        [LineageNode(project=tenant.project, kind="external", ref=f"n{i}") for i in range(NODES)],
        batch_size=2000,
    )
    if any(node.pk is None for node in nodes):  # backends that do not return ids
        nodes = list(LineageNode.objects.filter(project=tenant.project).order_by("id"))
    edges: list[LineageEdge] = []
    for i in range(1, NODES):
        for parent in {i // 2, i - 1}:
            edges.append(
                LineageEdge(
                    project=tenant.project,
                    source=nodes[parent],
                    target=nodes[i],
                    kind="derived_from",
                )
            )
    LineageEdge.objects.bulk_create(edges, batch_size=5000)
    return nodes


def test_walking_ten_thousand_nodes_is_complete_in_a_fixed_number_of_queries(
    tenant: Tenant,
) -> None:
    nodes = build(tenant)
    edge_count = LineageEdge.objects.count()
    # Nodes 1 and 2 have one parent each (i // 2 == i - 1); every other node has two.
    assert edge_count == 2 * (NODES - 1) - 2

    # The binary tree reaches every node within 14 edges (n8192 = 2**13 is 14 halvings from
    # n0 counting the step from n1); depth 15 also walks the chain edges between those nodes.
    with CaptureQueriesContext(connection) as walk_down:
        down = graph_around(
            project=tenant.project, root=nodes[0], direction=Direction.DOWNSTREAM, depth=15
        )
    assert len(down.nodes) == NODES
    assert len(down.edges) == edge_count
    distances = {n.ref: n.downstream_distance for n in down.nodes}
    assert distances["n1"] == 1
    assert distances["n9999"] == 14  # 9999, 4999, 2499, ..., 4, 2, 1, 0: fourteen steps
    assert max(d for d in distances.values() if d is not None) == 14
    assert len(walk_down) == WALK_QUERIES

    with CaptureQueriesContext(connection) as walk_up:
        up = graph_around(
            project=tenant.project, root=nodes[-1], direction=Direction.UPSTREAM, depth=100
        )
    # Following i-1 edges, 100 steps reach 100 ancestors; the i//2 edges add shortcuts to more.
    assert len(up.nodes) > 100
    assert {n.upstream_distance for n in up.nodes if n.ref == "n0"} == {14}
    assert len(walk_up) == WALK_QUERIES
