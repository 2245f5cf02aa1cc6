from __future__ import annotations

import pytest

from llmops.lineage.domain import NodeRef, lineage_link
from llmops.lineage.models import LineageEdge, LineageNode
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(tenant: Tenant) -> Tenant:
    for index in range(5):
        lineage_link(
            project=tenant.project,
            upstream=NodeRef("dataset_version", f"d{index}", f"dataset v{index}"),
            downstream=NodeRef("dataset_version", f"d{index + 1}"),
            kind="derived_from",
        )
    return tenant


def test_graph_endpoint_shape(chain: Tenant) -> None:
    response = chain.client().get(
        "/api/v1/lineage/graph",
        {"kind": "dataset_version", "ref": "d5", "direction": "upstream", "depth": "2"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["root"]["ref"] == "d5"
    assert [
        (n["ref"], n["upstream_distance"], n["downstream_distance"]) for n in body["nodes"]
    ] == [
        ("d5", 0, 0),
        ("d4", 1, None),
        ("d3", 2, None),
    ]
    assert set(body["nodes"][1]) == {
        "id",
        "kind",
        "ref",
        "label",
        "created_at",
        "upstream_distance",
        "downstream_distance",
    }
    assert body["nodes"][1]["label"] == "dataset v4"
    assert [(e["kind"], e["source"], e["target"]) for e in body["edges"]] == [
        ("derived_from", body["nodes"][2]["id"], body["nodes"][1]["id"]),
        ("derived_from", body["nodes"][1]["id"], body["nodes"][0]["id"]),
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "dataset_version", "ref": "d5", "direction": "sideways"}, "direction: "),
        ({"kind": "dataset_version", "ref": "d5", "depth": "101"}, "depth: "),
        ({"kind": "dataset_version", "ref": "d5", "depth": "-1"}, "depth: "),
        ({"kind": "spaceship", "ref": "d5"}, "kind: "),
        ({"ref": "d5"}, "kind: This field is required."),
        ({"kind": "dataset_version", "ref": "d5", "colour": "red"}, "colour: Unknown field."),
    ],
)
def test_graph_endpoint_bad_queries_name_the_field(
    chain: Tenant, query: dict[str, str], message: str
) -> None:
    response = chain.client().get("/api/v1/lineage/graph", query)
    assert response.status_code == 400
    assert response.json()["message"].startswith(message)


def test_unknown_root_is_404(chain: Tenant) -> None:
    response = chain.client().get("/api/v1/lineage/graph", {"kind": "trace", "ref": "nope"})
    assert response.status_code == 404
    assert response.json()["message"] == "No trace node with ref 'nope'."


def test_nodes_list_pages_with_a_cursor(chain: Tenant) -> None:
    client = chain.client()
    first = client.get("/api/v1/lineage/nodes", {"limit": "4"}).json()
    assert [n["ref"] for n in first["items"]] == ["d5", "d4", "d3", "d2"]
    second = client.get(
        "/api/v1/lineage/nodes", {"limit": "4", "cursor": str(first["next_cursor"])}
    ).json()
    assert [n["ref"] for n in second["items"]] == ["d1", "d0"]
    assert second["next_cursor"] is None
    only = client.get("/api/v1/lineage/nodes", {"kind": "trace"}).json()
    assert only["items"] == []


def test_nodes_list_finds_nodes_by_label_or_ref_text(chain: Tenant) -> None:
    client = chain.client()
    by_label = client.get("/api/v1/lineage/nodes", {"q": "DATASET V3"}).json()
    assert [n["ref"] for n in by_label["items"]] == ["d3"]
    by_ref = client.get("/api/v1/lineage/nodes", {"q": "d5"}).json()
    assert [n["ref"] for n in by_ref["items"]] == ["d5"]


def test_clients_may_add_external_nodes_only(chain: Tenant) -> None:
    client = chain.client()
    created = client.post(
        "/api/v1/lineage/edges",
        {
            "upstream": {"kind": "external", "ref": "git:4f2a", "label": "commit 4f2a"},
            "downstream": {"kind": "dataset_version", "ref": "d0"},
            "kind": "produced",
        },
        format="json",
    )
    assert created.status_code == 201
    assert LineageNode.objects.get(ref="git:4f2a").label == "commit 4f2a"
    nodes, edges = LineageNode.objects.count(), LineageEdge.objects.count()
    refused = client.post(
        "/api/v1/lineage/edges",
        {
            "upstream": {"kind": "external", "ref": "git:new"},
            "downstream": {"kind": "model_version", "ref": "invented"},
            "kind": "produced",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "downstream": [
            "no model_version 'invented' in this project; only 'external' nodes can be "
            "introduced by a client"
        ]
    }
    assert (LineageNode.objects.count(), LineageEdge.objects.count()) == (nodes, edges)
