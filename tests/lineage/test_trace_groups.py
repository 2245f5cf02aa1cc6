"""Traces join the lineage graph as groups: per prompt version (linked from the version, by
prompts) and per model (by tracing)."""

from __future__ import annotations

from typing import Any

import pytest

from llmops.lineage.models import EdgeKind, LineageEdge, LineageNode, NodeKind
from llmops.prompts import trace_groups as prompt_groups
from llmops.prompts.domain import prompt_create, version_create
from llmops.tracing import trace_groups as model_groups
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.django_db


def _ingest(tenant: Tenant, trace_id: str, version: str) -> None:
    raw, _ = iter_spans(
        p.request(
            [
                p.span(
                    trace_id=trace_id,
                    span_id=trace_id[:16],
                    name="chat",
                    attributes={
                        "gen_ai.prompt.name": "answer",
                        "gen_ai.prompt.version": version,
                        "gen_ai.request.model": "gpt-4o-mini",
                        "gen_ai.operation.name": "chat",
                    },
                )
            ]
        )
    )
    spans_ingest(project=tenant.project, raw_spans=raw)


def test_traces_are_grouped_under_their_prompt_version_and_model(tenant: Tenant) -> None:
    prompt_groups._linked.clear()
    model_groups._linked.clear()
    _, version = prompt_create(
        project=tenant.project, name="answer", prompt_type="text", template="{{q}}"
    )
    _ingest(tenant, "a" * 32, "1")
    _ingest(tenant, "b" * 32, "1")
    _ingest(tenant, "c" * 32, "7")  # a version the platform does not have
    group = LineageNode.objects.get(kind=NodeKind.TRACE, ref="prompt:answer@1")
    assert group.label == "traces of answer v1"
    edge = LineageEdge.objects.get(target=group)
    assert edge.kind == EdgeKind.USED
    assert (edge.source.kind, edge.source.ref) == (NodeKind.PROMPT_VERSION, str(version.pk))
    assert not LineageNode.objects.filter(ref="prompt:answer@7").exists()
    assert LineageNode.objects.filter(kind=NodeKind.TRACE, ref="model:gpt-4o-mini").count() == 1
    # Two traces of one version: one group, one edge.
    assert LineageNode.objects.filter(kind=NodeKind.TRACE).count() == 2
    client = tenant.client()
    graph = client.get(
        "/api/v1/lineage/graph",
        {"kind": "prompt_version", "ref": str(version.pk), "direction": "downstream"},
    ).json()
    assert "prompt:answer@1" in {n["ref"] for n in graph["nodes"]}


def test_ingest_names_the_batch_models_and_prompt_versions(tenant: Tenant) -> None:
    """The listeners take the batch's models and versions from the signal, not from the traces."""
    from llmops.tracing.signals import traces_ingested

    sent: list[dict[str, object]] = []

    def listen(sender: object, **kwargs: object) -> None:
        sent.append(kwargs)

    traces_ingested.connect(listen)
    try:
        _ingest(tenant, "d" * 32, "3")
    finally:
        traces_ingested.disconnect(listen)
    assert sent[0]["trace_ids"] == ["d" * 32]
    assert sent[0]["model_names"] == {"gpt-4o-mini"}
    assert sent[0]["prompt_versions"] == {"answer@3"}


def test_groups_linked_already_cost_no_query_and_new_ones_one(
    tenant: Tenant, django_assert_num_queries: Any
) -> None:
    prompt_groups._linked.clear()
    model_groups._linked.clear()
    prompt, _ = prompt_create(
        project=tenant.project, name="answer", prompt_type="text", template="{{q}}"
    )
    version_create(prompt=prompt, template="{{q}}!")
    versions = ["answer@1", "answer@2", "other@4"]  # other: not managed by the platform
    assert (
        prompt_groups.prompt_groups_link(
            project=tenant.project, trace_ids=["x"], prompt_versions=versions
        )
        == 2
    )
    assert (
        model_groups.model_groups_link(
            project=tenant.project, trace_ids=["x"], model_names=["gpt-4o"]
        )
        == 1
    )
    with django_assert_num_queries(0):
        model_groups.model_groups_link(
            project=tenant.project, trace_ids=["x"], model_names=["gpt-4o"]
        )
    with django_assert_num_queries(1):  # the versions not linked yet, all in one query
        assert (
            prompt_groups.prompt_groups_link(
                project=tenant.project, trace_ids=["x"], prompt_versions=[*versions, "other@5"]
            )
            == 0
        )
    assert LineageEdge.objects.filter(kind=EdgeKind.USED).count() == 2
