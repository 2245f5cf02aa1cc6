"""Concurrent saves, and usage per version from traces."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from llmops.prompts.domain import prompt_create
from llmops.prompts.models import PromptVersion
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p


@pytest.mark.django_db(transaction=True)
def test_parallel_saves_get_distinct_numbers(live_server: Any, tenant: Tenant) -> None:
    prompt_create(project=tenant.project, name="busy", prompt_type="text", template="v1")
    url = f"{live_server.url}/api/v1/prompts/busy/versions"

    def save(index: int) -> int:
        request = urllib.request.Request(  # noqa: S310 — the test's own live server
            url,
            data=json.dumps({"template": f"version from writer {index}"}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {tenant.secret_key}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            assert response.status == 201
            return int(json.loads(response.read())["version"]["number"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(save, range(8)))
    assert sorted(numbers) == list(range(2, 10))
    assert sorted(PromptVersion.objects.values_list("number", flat=True)) == list(range(1, 10))


@pytest.mark.django_db
def test_usage_per_version_comes_from_spans(tenant: Tenant) -> None:
    prompt_create(project=tenant.project, name="qa", prompt_type="text", template="{{q}}")
    spans = []
    for index, (version, error) in enumerate([("1", False), ("1", True), ("2", False)]):
        spans.append(
            p.span(
                trace_id=f"{index + 1:032x}",
                span_id=f"{index + 1:016x}",
                duration_ns=(index + 1) * 10**8,
                error=error,
                attributes={
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.usage.input_tokens": 1000,
                    "gen_ai.usage.output_tokens": 100,
                    "gen_ai.prompt.name": "qa",
                    "gen_ai.prompt.version": version,
                },
            )
        )
    raw, _ = iter_spans(p.request(spans))
    spans_ingest(project=tenant.project, raw_spans=raw)
    rows = tenant.client().get("/api/v1/prompts/qa/usage").json()
    assert [
        (r["version"], r["traces"], r["calls"], r["total_tokens"], r["error_rate"]) for r in rows
    ] == [
        ("1", 2, 2, 2200, 0.5),
        ("2", 1, 1, 1100, 0.0),
    ]
    assert rows[0]["mean_latency_ms"] == pytest.approx(150.0)
    assert rows[0]["cost_total"] == "0.000420000000"  # 2 x (1000 x 0.15 + 100 x 0.60) / 1M
