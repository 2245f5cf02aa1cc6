"""The trace query API: filters, sorting, cursor paging, detail with the span tree, sessions,
metrics and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from llmops.tenancy.models import Project
from llmops.tracing.domain import retention_apply, retention_set
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.models import Span, Trace
from llmops.tracing.otlp import iter_spans
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.django_db

HOUR_NS = 3_600 * 10**9


def trace_hex(n: int) -> str:
    return f"{n:032x}"


def span_hex(n: int) -> str:
    return f"{n:016x}"


def store(project: Project, spans: list[Any]) -> None:
    raw, rejected = iter_spans(p.request(spans))
    assert rejected == []
    spans_ingest(project=project, raw_spans=raw)


def seed(project: Project) -> None:
    """Three traces: two of alice in session s1 (one with an error), one of bob with tags."""
    store(
        project,
        [
            p.span(
                trace_id=trace_hex(1),
                span_id=span_hex(1),
                name="answer",
                duration_ns=10**9,
                attributes={
                    "user.id": "alice",
                    "session.id": "s1",
                    "tag.tags": ["prod-eu"],
                    "llmops.metadata.region": "eu",
                    "llmops.environment": "production",
                },
            ),
            p.span(
                trace_id=trace_hex(1),
                span_id=span_hex(2),
                parent=span_hex(1),
                name="chat",
                start_ns=p.BASE_NS + 10**6,
                duration_ns=5 * 10**8,
                attributes={
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.usage.input_tokens": 100,
                    "gen_ai.usage.output_tokens": 10,
                    "gen_ai.prompt.name": "support",
                    "gen_ai.prompt.version": "2",
                    "gen_ai.input.messages": '[{"role":"user","content":"where is my parcel"}]',
                },
            ),
            p.span(
                trace_id=trace_hex(2),
                span_id=span_hex(3),
                name="answer",
                start_ns=p.BASE_NS + HOUR_NS,
                duration_ns=3 * 10**9,
                error=True,
                attributes={
                    "user.id": "alice",
                    "session.id": "s1",
                    "llmops.environment": "production",
                },
            ),
            p.span(
                trace_id=trace_hex(3),
                span_id=span_hex(4),
                name="summarize",
                start_ns=p.BASE_NS + 2 * HOUR_NS,
                duration_ns=2 * 10**9,
                attributes={
                    "user.id": "bob",
                    "tag.tags": ["batch", "beta"],
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.usage.input_tokens": 1000,
                    "gen_ai.usage.output_tokens": 100,
                    "llmops.environment": "staging",
                },
            ),
        ],
    )


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["trace_id"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [3, 2, 1]),
        ({"user_id": "alice"}, [2, 1]),
        ({"session_id": "s1"}, [2, 1]),
        ({"name": "summarize"}, [3]),
        ({"tags": "batch,beta"}, [3]),
        ({"tags": "batch,prod-eu"}, []),
        ({"environment": "staging"}, [3]),
        ({"model": "gpt-4o-mini"}, [1]),
        ({"status": "error"}, [2]),
        ({"has_error": "true"}, [2]),
        ({"has_error": "false"}, [3, 1]),
        ({"min_latency_ms": "2500"}, [2]),
        ({"max_latency_ms": "2000"}, [3, 1]),
        ({"min_latency_ms": "1500", "max_latency_ms": "2000"}, [3]),
        ({"min_cost": "0.001"}, [3]),
        ({"max_cost": "0.001"}, [2, 1]),
        ({"metadata_key": "region", "metadata_value": "eu"}, [1]),
        ({"prompt_name": "support", "prompt_version": "2"}, [1]),
        ({"q": "parcel"}, [1]),
        ({"from": "2026-01-01T00:30:00Z"}, [3, 2]),
        ({"from": "2026-01-01T00:30:00Z", "to": "2026-01-01T01:30:00Z"}, [2]),
        ({"order_by": "latency_ms"}, [1, 3, 2]),
        ({"order_by": "-total_tokens"}, [3, 1, 2]),
    ],
)
def test_trace_list_filters_and_sorts(
    tenant: Tenant, query: dict[str, str], expected: list[int]
) -> None:
    seed(tenant.project)
    response = tenant.client().get("/api/v1/traces", query)
    assert ids(response) == [trace_hex(n) for n in expected]


def test_trace_list_item_carries_totals(tenant: Tenant) -> None:
    seed(tenant.project)
    item = tenant.client().get("/api/v1/traces", {"name": "summarize"}).json()["items"][0]
    assert item["user_id"] == "bob"
    assert item["tags"] == ["batch", "beta"]
    assert (item["input_tokens"], item["output_tokens"], item["total_tokens"]) == (1000, 100, 1100)
    # gpt-4o: $2.50 / M input, $10 / M output
    assert Decimal(item["cost_total"]) == Decimal("0.0035")
    assert item["latency_ms"] == 2000.0


@pytest.mark.parametrize(
    ("query", "limit", "expected"),
    [
        ({}, "2", [3, 2, 1]),
        ({"order_by": "-latency_ms"}, "1", [2, 3, 1]),
        ({"order_by": "latency_ms"}, "1", [1, 3, 2]),
        ({"order_by": "-total_tokens"}, "1", [3, 1, 2]),
        ({"order_by": "start_time", "user_id": "alice"}, "1", [1, 2]),
    ],
)
def test_cursor_pages_cover_everything_once(
    tenant: Tenant, query: dict[str, str], limit: str, expected: list[int]
) -> None:
    """The list pages the same under every sort order and filter the web UI sends."""
    seed(tenant.project)
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page_query = {**query, "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = tenant.client().get("/api/v1/traces", page_query).json()
        seen += [item["trace_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [trace_hex(n) for n in expected]


def test_bad_list_parameters_name_the_field(tenant: Tenant) -> None:
    client = tenant.client()
    cases = {
        "order_by": ("bogus", 'order_by: "bogus" is not a valid choice.'),
        "limit": ("0", "limit: Ensure this value is greater than or equal to 1."),
        "cursor": ("%%%", "cursor: Not a cursor this endpoint issued."),
        "colour": ("red", "colour: Unknown field."),
    }
    for field, (value, message) in cases.items():
        response = client.get("/api/v1/traces", {field: value})
        assert response.status_code == 400, field
        assert response.json()["message"] == message


def test_trace_detail_returns_the_span_tree(tenant: Tenant) -> None:
    seed(tenant.project)
    response = tenant.client().get(f"/api/v1/traces/{trace_hex(1)}")
    assert response.status_code == 200
    body = response.json()
    assert body["span_count"] == 2
    (root,) = body["spans"]
    assert root["span"]["name"] == "answer"
    (child,) = root["children"]
    assert child["span"]["kind"] == "llm"
    assert child["span"]["input"] == [{"role": "user", "content": "where is my parcel"}]
    assert child["span"]["usage"] == {
        "input_tokens": 100,
        "output_tokens": 10,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "reasoning_tokens": 0,
        "total_tokens": 110,
        "estimated": False,
    }
    assert child["span"]["cost"]["source"] == "default"
    assert Decimal(child["span"]["cost"]["total"]) == Decimal("0.000021")
    assert child["children"] == []


def test_trace_detail_of_another_project_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    seed(tenant.project)
    assert other_tenant.client().get(f"/api/v1/traces/{trace_hex(1)}").status_code == 404
    assert other_tenant.client().get("/api/v1/traces").json()["items"] == []


def test_sessions_list_and_detail(tenant: Tenant) -> None:
    seed(tenant.project)
    sessions = tenant.client().get("/api/v1/sessions").json()
    assert [(s["session_id"], s["trace_count"], s["error_count"]) for s in sessions["items"]] == [
        ("s1", 2, 1)
    ]
    detail = tenant.client().get("/api/v1/sessions/s1").json()
    assert [t["trace_id"] for t in detail["traces"]] == [trace_hex(1), trace_hex(2)]
    assert tenant.client().get("/api/v1/sessions/nope").status_code == 404


def session_detail_queries(tenant: Tenant, turns: int) -> tuple[int, list[str]]:
    """Stores a session of ``turns`` two-span traces and reads it, counting the data queries."""
    for n in range(turns):
        store(
            tenant.project,
            [
                p.span(
                    trace_id=trace_hex(100 + n),
                    span_id=span_hex(100 + n),
                    name=f"turn-{n}",
                    start_ns=p.BASE_NS + n * HOUR_NS,
                    attributes={"session.id": "long"},
                ),
                p.span(
                    trace_id=trace_hex(100 + n),
                    span_id=span_hex(200 + n),
                    parent=span_hex(100 + n),
                    name=f"llm-{n}",
                    start_ns=p.BASE_NS + n * HOUR_NS,
                ),
            ],
        )
    client = tenant.client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/sessions/long")
    assert response.status_code == 200
    traces = response.json()["traces"]
    names = [t["name"] + ">" + t["spans"][0]["children"][0]["span"]["name"] for t in traces]
    # Authentication may also touch the API key (its last use is recorded now and then).
    reads = [q["sql"] for q in queries.captured_queries if "tenancy_" not in q["sql"]]
    return len(reads), names


def test_session_detail_reads_spans_and_scores_in_a_fixed_number_of_queries(
    tenant: Tenant,
) -> None:
    few, names = session_detail_queries(tenant, 2)
    assert names == ["turn-0>llm-0", "turn-1>llm-1"]
    many, names = session_detail_queries(tenant, 3)
    assert names == ["turn-0>llm-0", "turn-1>llm-1", "turn-2>llm-2"]
    # The traces, all their spans, all their scores.
    assert few == many == 3


def test_metrics_per_hour_and_by_model(tenant: Tenant) -> None:
    seed(tenant.project)
    client = tenant.client()
    window = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-01T03:00:00Z", "bucket": "hour"}
    body = client.get("/api/v1/metrics", window).json()
    assert body["measured"] == "traces"
    rows = [(r["bucket"], r["count"], r["error_rate"], r["latency_p50_ms"]) for r in body["rows"]]
    assert rows == [
        ("2026-01-01T00:00:00Z", 1, 0.0, 1000.0),
        ("2026-01-01T01:00:00Z", 1, 1.0, 3000.0),
        ("2026-01-01T02:00:00Z", 1, 0.0, 2000.0),
    ]
    by_model = client.get(
        "/api/v1/metrics", {**window, "bucket": "day", "group_by": "model"}
    ).json()
    assert by_model["measured"] == "spans"
    assert [(r["group"], r["count"], r["total_tokens"]) for r in by_model["rows"]] == [
        ("gpt-4o", 1, 1100),
        ("gpt-4o-mini", 1, 110),
    ]
    by_tag = client.get("/api/v1/metrics", {**window, "bucket": "day", "group_by": "tag"}).json()
    assert [(r["group"], r["count"]) for r in by_tag["rows"]] == [
        ("batch", 1),
        ("beta", 1),
        ("prod-eu", 1),
    ]
    by_user = client.get("/api/v1/metrics", {**window, "bucket": "day", "group_by": "user"}).json()
    alice = next(r for r in by_user["rows"] if r["group"] == "alice")
    assert (alice["count"], alice["error_rate"], alice["latency_p50_ms"]) == (2, 0.5, 2000.0)
    assert alice["latency_p95_ms"] == pytest.approx(2900.0)


def test_metrics_range_errors_name_the_field(tenant: Tenant) -> None:
    response = tenant.client().get(
        "/api/v1/metrics", {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "to: Must be after 'from'."
    response = tenant.client().get(
        "/api/v1/metrics",
        {"from": "2020-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z", "bucket": "minute"},
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("bucket: the range holds more than")


def test_retention_deletes_old_spans_in_batches(tenant: Tenant) -> None:
    now_ns = int(datetime.now(tz=UTC).timestamp() * 1e9)
    old_ns = int((datetime.now(tz=UTC) - timedelta(days=40)).timestamp() * 1e9)
    store(
        tenant.project,
        [
            p.span(trace_id=trace_hex(10), span_id=span_hex(i + 1), start_ns=old_ns + i)
            for i in range(7)
        ]
        + [p.span(trace_id=trace_hex(11), span_id=span_hex(100), start_ns=now_ns)],
    )
    retention_set(project=tenant.project, days=30)
    deleted = retention_apply(project=tenant.project, days=30, batch_size=3)
    assert deleted == 7
    assert list(Trace.objects.values_list("trace_id", flat=True)) == [trace_hex(11)]
    assert Span.objects.count() == 1


def test_retention_api_needs_an_admin_and_validates(tenant: Tenant) -> None:
    refused = tenant.client().put("/api/v1/retention", {"days": 14}, format="json")
    assert refused.status_code == 403
    assert "scope 'admin'" in refused.json()["message"]
    client = tenant.client("admin")
    assert client.get("/api/v1/retention").json() == {"days": None}
    assert client.put("/api/v1/retention", {"days": 14}, format="json").json() == {"days": 14}
    bad = client.put("/api/v1/retention", {"days": 0}, format="json")
    assert bad.status_code == 400
    assert bad.json()["message"] == "days: Ensure this value is greater than or equal to 1."
    assert client.put("/api/v1/retention", {"days": None}, format="json").json() == {"days": None}


def test_model_price_override_prices_new_spans(tenant: Tenant) -> None:
    client = tenant.client()
    created = client.post(
        "/api/v1/model-prices",
        {"model_pattern": "my-finetune-.*", "input": "1.0", "output": "2.0"},
        format="json",
    )
    assert created.status_code == 201
    store(
        tenant.project,
        [
            p.span(
                trace_id=trace_hex(20),
                span_id=span_hex(20),
                attributes={
                    "gen_ai.request.model": "my-finetune-7",
                    "gen_ai.usage.input_tokens": 1_000_000,
                    "gen_ai.usage.output_tokens": 500_000,
                },
            ),
            p.span(
                trace_id=trace_hex(21),
                span_id=span_hex(21),
                attributes={
                    "gen_ai.request.model": "mystery-model",
                    "gen_ai.usage.input_tokens": 10,
                },
            ),
        ],
    )
    priced = Span.objects.get(span_id=span_hex(20))
    assert (priced.cost_source, priced.cost_total) == ("custom", Decimal("2.000000000000"))
    unpriced = Span.objects.get(span_id=span_hex(21))
    assert (unpriced.cost_source, unpriced.cost_total) == ("unpriced", None)
    assert Trace.objects.get(trace_id=trace_hex(21)).unpriced_span_count == 1
    bad = client.post(
        "/api/v1/model-prices", {"model_pattern": "(", "input": "1", "output": "1"}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["message"].startswith("model_pattern: not a valid regular expression")


def test_usage_is_estimated_with_the_tokenizer_when_missing(tenant: Tenant) -> None:
    store(
        tenant.project,
        [
            p.span(
                trace_id=trace_hex(30),
                span_id=span_hex(30),
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.input.messages": '[{"role":"user","content":"hello world"}]',
                    "gen_ai.output.messages": '[{"role":"assistant","content":"hi there"}]',
                },
            )
        ],
    )
    span = Span.objects.get(span_id=span_hex(30))
    assert span.usage_estimated is True
    # 3 (message) + 1 ("user") + 2 ("hello world") + 3 (reply priming) = 9; "hi there" = 2
    assert (span.input_tokens, span.output_tokens) == (9, 2)
    assert span.cost_source == "default"
