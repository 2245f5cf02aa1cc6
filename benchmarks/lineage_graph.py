"""Benchmark: walking the lineage graph (one recursive query) on graphs of 10k and 100k nodes.

    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/llmops_bench \\
        .venv/bin/python benchmarks/lineage_graph.py

Builds each graph in a throwaway project (node i has edges from i // 2 and i - 1, so the graph
is full of diamonds), times the walks, and deletes the project.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmops.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")

import django

django.setup()

from django.db import connection

from llmops.lineage.models import LineageEdge, LineageNode
from llmops.lineage.selectors import Direction, Graph, graph_around
from llmops.tenancy import domain
from llmops.tenancy.models import Project


def build(project: Project, size: int) -> list[LineageNode]:
    LineageNode.objects.bulk_create(
        [LineageNode(project=project, kind="external", ref=f"n{i}") for i in range(size)],
        batch_size=5000,
    )
    nodes = list(LineageNode.objects.filter(project=project).order_by("id"))
    edges = [
        LineageEdge(project=project, source=nodes[parent], target=nodes[i], kind="derived_from")
        for i in range(1, size)
        for parent in {i // 2, i - 1}
    ]
    LineageEdge.objects.bulk_create(edges, batch_size=5000)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE lineage_node; ANALYZE lineage_edge;")
    return nodes


def timed(
    label: str,
    project: Project,
    root: LineageNode,
    direction: Direction,
    depth: int,
    repeat: int = 15,
) -> None:
    samples: list[float] = []
    result: Graph | None = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = graph_around(project=project, root=root, direction=direction, depth=depth)
        samples.append((time.perf_counter() - started) * 1000)
    assert result is not None
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    print(
        f"  {label:44s} {len(result.nodes):7d} nodes {len(result.edges):7d} edges "
        f"median {statistics.median(samples):7.1f} ms  p95 {p95:7.1f} ms"
    )


def main() -> None:
    print(f"database: {connection.vendor}")
    for size in (10_000, 100_000):
        organization = domain.organization_create(name="lineage-benchmark")
        project = domain.project_create(organization=organization, name=f"graph-{size}")
        try:
            nodes = build(project, size)
            depth = size.bit_length() + 1
            print(f"graph of {size} nodes:")
            timed(
                f"downstream of the root, depth {depth} (all)",
                project,
                nodes[0],
                Direction.DOWNSTREAM,
                depth,
            )
            timed(
                "upstream of the last node, depth 100", project, nodes[-1], Direction.UPSTREAM, 100
            )
            timed(
                "both ways around a middle node, depth 3",
                project,
                nodes[size // 2],
                Direction.BOTH,
                3,
            )
        finally:
            organization.delete()


if __name__ == "__main__":
    main()
