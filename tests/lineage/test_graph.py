"""The lineage graph: recording nodes and edges, and walking upstream and downstream."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from llmops.lineage import domain, selectors
from llmops.lineage.domain import LineageError, NodeRef, lineage_link
from llmops.lineage.models import EdgeKind, LineageEdge, LineageNode, NodeKind
from llmops.lineage.selectors import Direction, graph_around
from llmops.tenancy.models import Project
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def link(project: Project, up: tuple[str, str], down: tuple[str, str], kind: str) -> None:
    lineage_link(project=project, upstream=NodeRef(*up), downstream=NodeRef(*down), kind=kind)


@pytest.fixture
def graph(tenant: Tenant) -> Project:
    """prompt v1 → v2 → v3 (derived_from); dataset d1 → run r1 (used); v3 → r1 (evaluated);
    r1 → model m1 (produced); plus a diamond a → b, a → c, b → d, c → d."""
    project = tenant.project
    pv, ds, run, mv, ext = (
        NodeKind.PROMPT_VERSION,
        NodeKind.DATASET_VERSION,
        NodeKind.EVAL_RUN,
        NodeKind.MODEL_VERSION,
        NodeKind.EXTERNAL,
    )
    link(project, (pv, "v1"), (pv, "v2"), EdgeKind.DERIVED_FROM)
    link(project, (pv, "v2"), (pv, "v3"), EdgeKind.DERIVED_FROM)
    link(project, (ds, "d1"), (run, "r1"), EdgeKind.USED)
    link(project, (pv, "v3"), (run, "r1"), EdgeKind.EVALUATED)
    link(project, (run, "r1"), (mv, "m1"), EdgeKind.PRODUCED)
    for up, down in (("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")):
        link(project, (ext, up), (ext, down), EdgeKind.DERIVED_FROM)
    return project


def walk(project: Project, kind: str, ref: str, direction: Direction, depth: int) -> dict[str, int]:
    root = selectors.node_get(project=project, kind=kind, ref=ref)
    assert root is not None
    result = graph_around(project=project, root=root, direction=direction, depth=depth)
    distance = {
        Direction.UPSTREAM: lambda n: n.upstream_distance,
        Direction.DOWNSTREAM: lambda n: n.downstream_distance,
    }
    if direction == Direction.BOTH:
        return {
            n.ref: min(d for d in (n.upstream_distance, n.downstream_distance) if d is not None)
            for n in result.nodes
        }
    return {n.ref: distance[direction](n) for n in result.nodes}


def test_upstream_of_a_model_reaches_data_and_prompts(graph: Project) -> None:
    assert walk(graph, NodeKind.MODEL_VERSION, "m1", Direction.UPSTREAM, 10) == {
        "m1": 0,
        "r1": 1,
        "d1": 2,
        "v3": 2,
        "v2": 3,
        "v1": 4,
    }


def test_depth_limits_the_walk(graph: Project) -> None:
    assert walk(graph, NodeKind.MODEL_VERSION, "m1", Direction.UPSTREAM, 1) == {"m1": 0, "r1": 1}
    assert walk(graph, NodeKind.MODEL_VERSION, "m1", Direction.UPSTREAM, 0) == {"m1": 0}


def test_downstream_of_a_prompt_version(graph: Project) -> None:
    assert walk(graph, NodeKind.PROMPT_VERSION, "v2", Direction.DOWNSTREAM, 10) == {
        "v2": 0,
        "v3": 1,
        "r1": 2,
        "m1": 3,
    }


def test_both_directions(graph: Project) -> None:
    assert walk(graph, NodeKind.EVAL_RUN, "r1", Direction.BOTH, 1) == {
        "r1": 0,
        "d1": 1,
        "v3": 1,
        "m1": 1,
    }


def test_diamond_nodes_appear_once_with_the_shortest_distance(graph: Project) -> None:
    root = selectors.node_get(project=graph, kind=NodeKind.EXTERNAL, ref="a")
    assert root is not None
    result = graph_around(project=graph, root=root, direction=Direction.DOWNSTREAM, depth=5)
    assert sorted(n.ref for n in result.nodes) == ["a", "b", "c", "d"]
    assert {n.ref: n.downstream_distance for n in result.nodes}["d"] == 2
    edges = {(e.source, e.target) for e in result.edges}
    by_ref = {n.ref: n.id for n in result.nodes}
    assert edges == {
        (by_ref["a"], by_ref["b"]),
        (by_ref["a"], by_ref["c"]),
        (by_ref["b"], by_ref["d"]),
        (by_ref["c"], by_ref["d"]),
    }


def test_only_walked_edges_are_returned(graph: Project) -> None:
    root = selectors.node_get(project=graph, kind=NodeKind.MODEL_VERSION, ref="m1")
    assert root is not None
    result = graph_around(project=graph, root=root, direction=Direction.UPSTREAM, depth=1)
    assert [(e.kind, e.target) for e in result.edges] == [(EdgeKind.PRODUCED, root.pk)]


def test_a_cycle_terminates(tenant: Tenant) -> None:
    project = tenant.project
    link(project, ("external", "x"), ("external", "y"), EdgeKind.DERIVED_FROM)
    link(project, ("external", "y"), ("external", "z"), EdgeKind.DERIVED_FROM)
    link(project, ("external", "z"), ("external", "x"), EdgeKind.DERIVED_FROM)
    assert walk(project, "external", "x", Direction.DOWNSTREAM, 100) == {"x": 0, "y": 1, "z": 2}


def test_the_walk_is_one_query(graph: Project) -> None:
    root = selectors.node_get(project=graph, kind=NodeKind.MODEL_VERSION, ref="m1")
    assert root is not None
    with CaptureQueriesContext(connection) as queries:
        graph_around(project=graph, root=root, direction=Direction.BOTH, depth=10)
    assert len(queries) == 1
    assert "WITH RECURSIVE" in queries[0]["sql"]


def test_recording_twice_changes_nothing(tenant: Tenant) -> None:
    for _ in range(2):
        link(tenant.project, ("external", "p"), ("external", "q"), EdgeKind.USED)
    assert LineageNode.objects.count() == 2
    assert LineageEdge.objects.count() == 1


def test_a_later_label_refreshes_the_node(tenant: Tenant) -> None:
    domain.node_record(project=tenant.project, kind="external", ref="git:1")
    node = domain.node_record(project=tenant.project, kind="external", ref="git:1", label="v1.0")
    assert LineageNode.objects.get(pk=node.pk).label == "v1.0"


def test_self_loops_and_cross_project_edges_are_refused(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = domain.node_record(project=tenant.project, kind="external", ref="a")
    theirs = domain.node_record(project=other_tenant.project, kind="external", ref="b")
    with pytest.raises(LineageError, match="own upstream"):
        domain.edge_record(project=tenant.project, upstream=mine, downstream=mine, kind="used")
    with pytest.raises(LineageError, match="must belong to the edge's project"):
        domain.edge_record(project=tenant.project, upstream=mine, downstream=theirs, kind="used")
    assert LineageEdge.objects.count() == 0


def test_lineage_link_is_atomic(tenant: Tenant) -> None:
    with pytest.raises(LineageError):
        link(tenant.project, ("external", "same"), ("external", "same"), EdgeKind.USED)
    assert LineageNode.objects.count() == 0
