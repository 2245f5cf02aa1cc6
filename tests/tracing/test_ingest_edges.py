"""Poison spans, oversized batches and hostile bodies: one bad span never costs its batch, and
every batch is either stored (2xx) or refused in a way an exporter does not retry forever."""

from __future__ import annotations

import gzip
import json
import random
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import RequestFactory, override_settings
from google.rpc import status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans
from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan

from llmops.tracing.api.receiver import export_traces
from llmops.tracing.ingest import MAX_TRACE_LOCKS, _lock_traces, traces_refresh
from llmops.tracing.models import Span, Trace
from tests.conftest import Tenant
from tests.tracing import otlp_payloads as p
from tests.tracing.test_receiver import post

pytestmark = pytest.mark.django_db

GOOD_TRACE = "5b8efff798038103d269b633813fc60c"
BAD_TRACE = "6c9f0008a9149214e37ac744924fd71d"
GOOD_A = "aaaaaaaaaaaaaaa1"
GOOD_B = "aaaaaaaaaaaaaaa2"
BAD = "bbbbbbbbbbbbbbb1"
DAY_NS = 86_400 * 10**9


def with_good_spans(*bad: OtlpSpan) -> bytes:
    """The bad spans between two good ones of another trace."""
    return p.request(
        [
            p.span(trace_id=GOOD_TRACE, span_id=GOOD_A, name="good root"),
            *bad,
            p.span(trace_id=GOOD_TRACE, span_id=GOOD_B, parent=GOOD_A, name="good child"),
        ]
    ).SerializeToString()


def partial(response: Any) -> tuple[int, str]:
    assert response.status_code == 200, response.content
    parsed = ExportTraceServiceResponse.FromString(response.content)
    return parsed.partial_success.rejected_spans, parsed.partial_success.error_message


def stored_ids(tenant: Tenant) -> list[str]:
    return sorted(Span.objects.filter(project=tenant.project).values_list("span_id", flat=True))


# --- strings PostgreSQL cannot hold are cleaned, and the span is kept ---------------------------


def test_nul_in_name_attribute_key_and_value_is_replaced_and_the_span_kept(tenant: Tenant) -> None:
    bad = p.span(
        trace_id=BAD_TRACE,
        span_id=BAD,
        name="na\x00me",
        attributes={"k\x00ey": "va\x00lue", "user.id": "al\x00ice", "nested": ["x\x00"]},
    )
    assert partial(post(tenant, with_good_spans(bad))) == (0, "")
    assert stored_ids(tenant) == [GOOD_A, GOOD_B, BAD]
    span = Span.objects.get(span_id=BAD)
    assert span.name == "na\ufffdme"
    assert span.user_id == "al\ufffdice"
    assert span.attributes == {"k\ufffdey": "va\ufffdlue", "nested": ["x\ufffd"]}
    trace = Trace.objects.get(trace_id=BAD_TRACE)
    assert (trace.name, trace.user_id) == ("na\ufffdme", "al\ufffdice")


def test_lone_surrogates_and_nul_inside_json_text_attributes_are_replaced(tenant: Tenant) -> None:
    # Conventions decode JSON carried as text; its escapes can make what jsonb refuses.
    bad = p.span(
        trace_id=BAD_TRACE,
        span_id=BAD,
        attributes={"input.value": '{"q": "\\ud800 and \\u0000", "\\udc00": 1}'},
    )
    assert partial(post(tenant, with_good_spans(bad))) == (0, "")
    assert Span.objects.get(span_id=BAD).input == {"q": "\ufffd and \ufffd", "\ufffd": 1}


def test_lone_surrogate_in_an_otlp_json_body_is_replaced_not_a_failed_batch(
    tenant: Tenant,
) -> None:
    body = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": GOOD_TRACE,
                                "spanId": GOOD_A,
                                "name": "lone \ud800 surrogate",
                                "startTimeUnixNano": str(p.BASE_NS),
                                "endTimeUnixNano": str(p.BASE_NS + 1000),
                            },
                            {
                                "traceId": GOOD_TRACE,
                                "spanId": GOOD_B,
                                "name": "pair \U0001f600",
                                "startTimeUnixNano": str(p.BASE_NS),
                                "endTimeUnixNano": str(p.BASE_NS + 1000),
                            },
                        ]
                    }
                ]
            }
        ]
    }
    # json.dumps escapes both: the lone one as \ud800, the emoji as a surrogate pair.
    response = post(tenant, json.dumps(body).encode(), content_type="application/json")
    assert response.status_code == 200
    assert dict(Span.objects.values_list("span_id", "name")) == {
        GOOD_A: "lone \ufffd surrogate",
        GOOD_B: "pair \U0001f600",
    }


def test_non_finite_numbers_are_kept_as_text(tenant: Tenant) -> None:
    bad = p.span(
        trace_id=BAD_TRACE,
        span_id=BAD,
        attributes={"nan": float("nan"), "inf": float("inf"), "input.value": "[1e400, -1e400]"},
    )
    assert partial(post(tenant, with_good_spans(bad))) == (0, "")
    span = Span.objects.get(span_id=BAD)
    assert span.attributes == {"nan": "NaN", "inf": "Infinity"}
    assert span.input == ["Infinity", "-Infinity"]


def test_texts_longer_than_their_columns_are_cut_and_unknown_kinds_kept(tenant: Tenant) -> None:
    bad = p.span(
        trace_id=BAD_TRACE,
        span_id=BAD,
        attributes={"user.id": "u" * 300, "deployment.environment": "e" * 300},
    )
    bad.kind = 99_999  # type: ignore[assignment]  # beyond a smallint: OTLP enums are open
    assert partial(post(tenant, with_good_spans(bad))) == (0, "")
    span = Span.objects.get(span_id=BAD)
    assert (span.user_id, span.otel_kind) == ("u" * 200, 0)


def test_four_byte_characters_filling_the_indexed_texts_are_stored(tenant: Tenant) -> None:
    # The covering index on spans includes models and prompt: their UTF-8 must fit a btree row
    # (at most 2704 bytes), also when it does not compress.
    rng = random.Random(7)  # noqa: S311 (test data)

    def text(length: int) -> str:
        return "".join(chr(rng.randrange(0x1F300, 0x1FAFF)) for _ in range(length))

    model = text(300)
    bad = p.span(
        trace_id=BAD_TRACE,
        span_id=BAD,
        attributes={
            "gen_ai.request.model": model,
            "gen_ai.response.model": text(300),
            "llmops.prompt.name": text(400),
            "llmops.prompt.version": text(80),
        },
    )
    assert partial(post(tenant, with_good_spans(bad))) == (0, "")
    assert stored_ids(tenant) == [GOOD_A, GOOD_B, BAD]
    assert Span.objects.get(span_id=BAD).model_requested == model[:150]  # 600 bytes


# --- numbers and times outside what is stored reject that span alone ----------------------------


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (
            p.span(
                trace_id=BAD_TRACE,
                span_id=BAD,
                attributes={
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.usage.input_tokens": 2**63 - 1,
                },
            ),
            f"span {BAD}: input_tokens 9223372036854775807 is outside 0..1000000000000",
        ),
        (
            p.span(trace_id=BAD_TRACE, span_id=BAD, attributes={"gen_ai.usage.output_tokens": -5}),
            f"span {BAD}: output_tokens -5 is outside 0..1000000000000",
        ),
        (
            p.span(trace_id=BAD_TRACE, span_id=BAD, attributes={"llmops.cost.total": "1e20"}),
            f"span {BAD}: cost_total 1E+20 is outside the stored range (±999999999999 USD)",
        ),
        (
            p.span(trace_id=BAD_TRACE, span_id=BAD, attributes={"llmops.cost.total": "NaN"}),
            f"span {BAD}: cost_total NaN is outside the stored range (±999999999999 USD)",
        ),
        (
            p.span(trace_id=BAD_TRACE, span_id=BAD, start_ns=2**64 - 1, duration_ns=0),
            f"span {BAD}: start time 2554-07-21T23:34:33Z is outside the accepted window "
            "(from 2000-01-01 to one day ahead of the server's clock)",
        ),
        (
            p.span(trace_id=BAD_TRACE, span_id=BAD, duration_ns=2**64 - 1 - p.BASE_NS),
            f"span {BAD}: end time 2554-07-21T23:34:33Z is outside the accepted window "
            "(from 2000-01-01 to one day ahead of the server's clock)",
        ),
        (
            p.span(trace_id=BAD_TRACE, span_id=BAD, start_ns=631_152_000 * 10**9),
            f"span {BAD}: start time 1990-01-01T00:00:00Z is outside the accepted window "
            "(from 2000-01-01 to one day ahead of the server's clock)",
        ),
        (
            p.span(
                trace_id=BAD_TRACE,
                span_id=BAD,
                attributes={"input.value": "[" * 100_000 + "]" * 100_000},
            ),
            f"span {BAD}: a value is nested too deeply to read",
        ),
        (
            p.span(
                trace_id=BAD_TRACE, span_id=BAD, attributes={"input.value": "[" * 70 + "]" * 70}
            ),
            f"span {BAD}: a value is nested deeper than 64 levels",
        ),
    ],
    ids=[
        "tokens-2^63-1",
        "negative-tokens",
        "cost-past-the-column",
        "cost-nan",
        "start-2^64-1-ns",
        "end-2^64-1-ns",
        "start-in-1990",
        "json-text-100000-deep",
        "json-text-70-deep",
    ],
)
def test_a_span_out_of_range_is_rejected_alone_with_its_reason(
    tenant: Tenant, bad: OtlpSpan, reason: str
) -> None:
    assert partial(post(tenant, with_good_spans(bad))) == (1, reason)
    assert stored_ids(tenant) == [GOOD_A, GOOD_B]
    assert list(Trace.objects.values_list("trace_id", "span_count")) == [(GOOD_TRACE, 2)]


def test_a_span_starting_two_days_ahead_is_rejected(tenant: Tenant) -> None:
    ahead = time.time_ns() + 2 * DAY_NS
    bad = p.span(trace_id=BAD_TRACE, span_id=BAD, start_ns=ahead)
    rejected, message = partial(post(tenant, with_good_spans(bad)))
    assert rejected == 1
    assert message.startswith(f"span {BAD}: start time ")
    assert stored_ids(tenant) == [GOOD_A, GOOD_B]


def test_three_spans_of_2_62_tokens_in_one_trace_are_rejected_not_a_failed_batch(
    tenant: Tenant,
) -> None:
    huge = [
        p.span(
            trace_id=BAD_TRACE,
            span_id=f"cccccccccccccc0{i}",
            attributes={"gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 2**62},
        )
        for i in range(3)
    ]
    rejected, message = partial(post(tenant, with_good_spans(*huge)))
    assert rejected == 3
    assert message == "; ".join(
        f"span cccccccccccccc0{i}: input_tokens {2**62} is outside 0..1000000000000"
        for i in range(3)
    )
    assert stored_ids(tenant) == [GOOD_A, GOOD_B]


def test_trace_totals_saturate_instead_of_overflowing(tenant: Tenant) -> None:
    # Spans stored by any path, in any number of batches: the trace row still gets written.
    assert post(tenant, with_good_spans()).status_code == 200
    Span.objects.filter(span_id__in=[GOOD_A, GOOD_B]).update(
        input_tokens=2**62, total_tokens=2**62, cost_total=Decimal("999999999998")
    )
    traces_refresh(project=tenant.project, trace_ids=[GOOD_TRACE])
    trace = Trace.objects.get(trace_id=GOOD_TRACE)
    assert (trace.input_tokens, trace.total_tokens) == (2**63 - 1, 2**63 - 1)
    assert trace.cost_total == Decimal("999999999999")


# --- batch limits: stored whole, or 413 naming the setting --------------------------------------


def many_spans(count: int, *, distinct_traces: bool) -> bytes:
    spans = [
        OtlpSpan(
            trace_id=(i if distinct_traces else 1).to_bytes(16, "big"),
            span_id=(i + 1).to_bytes(8, "big"),
            name="s",
            start_time_unix_nano=p.BASE_NS,
            end_time_unix_nano=p.BASE_NS + 1000,
        )
        for i in range(1, count + 1)
    ]
    export = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=spans)])]
    )
    return export.SerializeToString()


def test_a_batch_of_20000_spans_is_413_naming_the_limit(tenant: Tenant) -> None:
    response = post(tenant, many_spans(20_000, distinct_traces=False))
    assert response.status_code == 413
    assert status_pb2.Status.FromString(response.content).message == (
        "the batch has 20000 spans; the limit is 5000 (LLMOPS_OTLP_MAX_SPANS): "
        "export smaller batches"
    )
    assert Span.objects.count() == 0


def test_a_batch_of_14000_traces_is_413_by_default(tenant: Tenant) -> None:
    response = post(tenant, many_spans(14_000, distinct_traces=True))
    assert response.status_code == 413
    assert "LLMOPS_OTLP_MAX_SPANS" in status_pb2.Status.FromString(response.content).message
    assert Span.objects.count() == 0


@override_settings(OTLP_MAX_SPANS=14_000)
def test_a_batch_of_14000_traces_is_stored_when_allowed(tenant: Tenant) -> None:
    # One lock per trace used to fill PostgreSQL's shared lock table ("out of shared memory").
    response = post(tenant, many_spans(14_000, distinct_traces=True))
    assert partial(response) == (0, "")
    assert Span.objects.filter(project=tenant.project).count() == 14_000
    assert Trace.objects.filter(project=tenant.project, span_count=1).count() == 14_000


def advisory_locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.parametrize(
    ("traces", "locks"), [(3, 4), (MAX_TRACE_LOCKS, MAX_TRACE_LOCKS + 1), (14_000, 1)]
)
def test_a_batch_takes_a_bounded_number_of_advisory_locks(
    tenant: Tenant, traces: int, locks: int
) -> None:
    with transaction.atomic():
        _lock_traces(tenant.project, [f"{i:032x}" for i in range(traces)])
        assert advisory_locks_held() == locks


@override_settings(OTLP_MAX_SPANS=3)
def test_a_batch_at_the_limit_is_stored(tenant: Tenant) -> None:
    assert partial(post(tenant, many_spans(3, distinct_traces=False))) == (0, "")
    assert Span.objects.count() == 3


# --- hostile bodies -----------------------------------------------------------------------------


def test_json_nested_100000_deep_is_400_naming_the_limit(tenant: Tenant) -> None:
    body = b'{"resourceSpans": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = post(tenant, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "JSON body is nested deeper than 100 levels (the OTLP JSON depth limit)"
    )


def test_json_with_unbalanced_brackets_is_400(tenant: Tenant) -> None:
    response = post(tenant, b'{"resourceSpans": [}', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"] == "body is not valid JSON: unbalanced brackets"


def test_brackets_inside_json_strings_do_not_count_as_depth(tenant: Tenant) -> None:
    name = "[[[[" * 100 + '\\"{{{{' * 100
    body = (
        f'{{"resourceSpans": [{{"scopeSpans": [{{"spans": [{{"traceId": "{GOOD_TRACE}", '
        f'"spanId": "{GOOD_A}", "name": "{name}", "startTimeUnixNano": "{p.BASE_NS}", '
        f'"endTimeUnixNano": "{p.BASE_NS}"}}]}}]}}]}}'
    )
    response = post(tenant, body.encode(), content_type="application/json")
    assert response.status_code == 200
    assert Span.objects.get().name == json.loads(f'"{name}"')[:500]


def test_a_truncated_gzip_stream_is_400_and_stores_nothing(tenant: Tenant) -> None:
    body = gzip.compress(with_good_spans())
    response = post(tenant, body[: len(body) // 2], HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 400
    assert status_pb2.Status.FromString(response.content).message == (
        "body is not valid gzip: the compressed stream is truncated"
    )
    assert Span.objects.count() == 0


def test_a_chunked_body_on_a_server_that_cannot_dechunk_is_411(tenant: Tenant) -> None:
    request = RequestFactory().post(
        "/v1/traces",
        with_good_spans(),
        content_type="application/x-protobuf",
        HTTP_AUTHORIZATION=f"Bearer {tenant.secret_key}",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    del request.META["CONTENT_LENGTH"]
    request.META.pop("wsgi.input_terminated", None)
    response = export_traces(request)
    assert response.status_code == 411
    assert Span.objects.count() == 0
