"""LangSmith run ingestion in process: a run is one span whatever the order or repetition of its
post and patch, bad input is refused naming the field with nothing of its request stored, and
multipart ingestion carries feedback as scores."""

from __future__ import annotations

import json
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from llmops.scores.models import Score
from llmops.tenancy.models import KeyScope
from llmops.tracing.langsmith_runs import PENDING_MAX_AGE, pending_runs_expire
from llmops.tracing.models import PendingRun, Span
from llmops.tracing.run_ids import span_id_of, trace_id_of
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

BOUNDARY = "xXxBoundaryxXx"


def _client(tenant: Tenant, scope: str = KeyScope.MEMBER) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=tenant.key(scope))
    return client


def _iso(delta_s: float = 0) -> str:
    return (datetime.now(UTC) - timedelta(seconds=60) + timedelta(seconds=delta_s)).isoformat()


def _post_body(run_id: uuid.UUID, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(run_id),
        "trace_id": str(run_id),
        "name": "chat_completion",
        "run_type": "llm",
        "start_time": _iso(),
        "inputs": {"prompt": "What is MLOps?"},
        "session_name": "support-bot",
        **fields,
    }


def _content(span: Span) -> str:
    # Where the convention mapping put the run's inputs and outputs (or the attributes as sent).
    return json.dumps([span.input, span.output, span.attributes])


def _spans(tenant: Tenant) -> list[Span]:
    return list(Span.objects.filter(project=tenant.project))


def _multipart(parts: list[tuple[str, Any]]) -> bytes:
    chunks = []
    for name, value in parts:
        data = value if isinstance(value, bytes) else json.dumps(value).encode()
        chunks.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n'
            f"Content-Type: application/json\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    return b"".join(chunks) + f"--{BOUNDARY}--\r\n".encode()


def _send_multipart(client: APIClient, parts: list[tuple[str, Any]]) -> Any:
    return client.generic(
        "POST",
        "/langsmith/runs/multipart",
        _multipart(parts),  # type: ignore[arg-type]  # bytes are sent as they are
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def test_post_then_patch_is_one_span(tenant: Tenant) -> None:
    client, run_id = _client(tenant), uuid.uuid4()
    response = client.post("/langsmith/runs", _post_body(run_id), format="json")
    assert response.status_code == 202, response.content
    assert _spans(tenant) == []
    assert PendingRun.objects.filter(project=tenant.project, run_id=run_id).exists()
    patch = {"end_time": _iso(2), "outputs": {"response": "MLOps is..."}}
    response = client.patch(f"/langsmith/runs/{run_id}", patch, format="json")
    assert response.status_code == 202, response.content
    (span,) = _spans(tenant)
    assert (span.trace_id, span.span_id) == (trace_id_of(run_id), span_id_of(run_id))
    assert span.name == "chat_completion"
    assert "MLOps is..." in _content(span)
    assert not PendingRun.objects.exists()
    read = client.get(f"/langsmith/runs/{run_id}").json()
    assert read["id"] == str(run_id)
    assert "MLOps is..." in json.dumps(read["outputs"])
    assert read["run_type"] == "llm"


def test_patch_before_post_is_one_span_and_the_patch_wins(tenant: Tenant) -> None:
    client, run_id = _client(tenant), uuid.uuid4()
    patch = {"end_time": _iso(2), "outputs": {"response": "final"}, "error": "boom"}
    assert client.patch(f"/langsmith/runs/{run_id}", patch, format="json").status_code == 202
    assert _spans(tenant) == []
    late_post = _post_body(run_id, outputs={"response": "stale"})
    assert client.post("/langsmith/runs", late_post, format="json").status_code == 202
    (span,) = _spans(tenant)
    assert "final" in _content(span)
    assert "stale" not in _content(span)
    assert span.status == "error"
    assert span.status_message == "boom"
    assert not PendingRun.objects.exists()


def test_retries_store_nothing_twice_and_leave_nothing_pending(tenant: Tenant) -> None:
    client, run_id = _client(tenant), uuid.uuid4()
    post = _post_body(run_id)
    patch = {"id": str(run_id), "trace_id": str(run_id), "end_time": _iso(1), "outputs": {"a": 1}}
    for _ in range(2):
        body = {"post": [post], "patch": [patch]}
        assert client.post("/langsmith/runs/batch", body, format="json").status_code == 202
    # A late retry of the post alone (no end time): the run is stored, so nothing waits.
    assert client.post("/langsmith/runs", post, format="json").status_code == 202
    assert len(_spans(tenant)) == 1
    assert not PendingRun.objects.exists()


def test_a_batch_tree_keeps_parents_from_ids_and_dotted_order(tenant: Tenant) -> None:
    client, root, child = _client(tenant), uuid.uuid4(), uuid.uuid4()
    stamp = "20261203T100000000001Z"
    body = {
        "post": [
            _post_body(root, run_type="chain", end_time=_iso(3)),
            # No trace_id nor parent_run_id: both read from the dotted order.
            {
                "id": str(child),
                "name": "inner",
                "run_type": "tool",
                "start_time": _iso(1),
                "end_time": _iso(2),
                "dotted_order": f"{stamp}{root}.{stamp}{child}",
            },
        ]
    }
    assert client.post("/langsmith/runs/batch", body, format="json").status_code == 202
    spans = {span.name: span for span in _spans(tenant)}
    assert spans["inner"].trace_id == trace_id_of(root)
    assert spans["inner"].parent_span_id == span_id_of(root)
    assert spans["chat_completion"].parent_span_id == ""
    runs = client.post("/langsmith/runs/query", {"trace": str(root)}, format="json").json()
    assert {run["id"] for run in runs["runs"]} == {str(root), str(child)}
    (inner,) = [run for run in runs["runs"] if run["name"] == "inner"]
    assert inner["parent_run_id"] == str(root)
    tools = client.post(
        "/langsmith/runs/query", {"trace": str(root), "run_type": "tool"}, format="json"
    ).json()
    assert [run["name"] for run in tools["runs"]] == ["inner"]
    roots = client.post(
        "/langsmith/runs/query", {"trace": str(root), "is_root": True}, format="json"
    ).json()
    assert [run["name"] for run in roots["runs"]] == ["chat_completion"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "not-a-uuid"}, "post[1].id"),
        ({"trace_id": 12}, "post[1].trace_id"),
        ({"parent_run_id": "x"}, "post[1].parent_run_id"),
        ({"start_time": "yesterday"}, "post[1].start_time"),
        ({"end_time": "1999-01-01T00:00:00Z"}, "post[1].end_time"),
        ({"name": 5}, "post[1].name"),
        ({"tags": "a"}, "post[1].tags"),
        ({"dotted_order": "nonsense"}, "post[1].dotted_order"),
        ({"inputs": {"q": "a\u0000b"}}, "post[1].inputs.q"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    tenant: Tenant, change: dict[str, Any], field: str
) -> None:
    good = _post_body(uuid.uuid4(), end_time=_iso(1))
    bad = {**_post_body(uuid.uuid4(), end_time=_iso(1)), **change}
    response = _client(tenant).post("/langsmith/runs/batch", {"post": [good, bad]}, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(field), response.json()
    assert _spans(tenant) == []
    assert not PendingRun.objects.exists()


def test_another_projects_run_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    run_id = uuid.uuid4()
    body = _post_body(run_id, end_time=_iso(1))
    assert _client(tenant).post("/langsmith/runs", body, format="json").status_code == 202
    response = _client(other_tenant).get(f"/langsmith/runs/{run_id}")
    assert response.status_code == 404
    assert _client(tenant).get(f"/langsmith/runs/{run_id}").status_code == 200
    listed = _client(other_tenant).post(
        "/langsmith/runs/query", {"trace": str(run_id)}, format="json"
    )
    assert listed.json()["runs"] == []


def test_an_ingest_key_sends_runs_but_cannot_read_them(tenant: Tenant) -> None:
    client, run_id = _client(tenant, KeyScope.INGEST), uuid.uuid4()
    body = _post_body(run_id, end_time=_iso(1))
    assert client.post("/langsmith/runs", body, format="json").status_code == 202
    assert len(_spans(tenant)) == 1
    assert client.get(f"/langsmith/runs/{run_id}").status_code == 403


def test_no_key_is_401(tenant: Tenant) -> None:
    response = APIClient().post("/langsmith/runs", _post_body(uuid.uuid4()), format="json")
    assert response.status_code == 401


def test_multipart_runs_fields_and_feedback(tenant: Tenant) -> None:
    client, run_id, feedback_id = _client(tenant, KeyScope.INGEST), uuid.uuid4(), uuid.uuid4()
    head = _post_body(run_id, end_time=_iso(1))
    head.pop("inputs")
    parts: list[tuple[str, Any]] = [
        (f"post.{run_id}", head),
        (f"post.{run_id}.inputs", {"prompt": "hi"}),
        (f"post.{run_id}.outputs", {"response": "hello"}),
        (f"attachment.{run_id}.image", b"\x89PNG"),
        (
            f"feedback.{feedback_id}",
            {
                "id": str(feedback_id),
                "run_id": str(run_id),
                "trace_id": str(run_id),
                "key": "correctness",
                "score": 1,
                "comment": "right",
                "feedback_source": {"type": "api"},
            },
        ),
    ]
    response = _send_multipart(client, parts)
    assert response.status_code == 202, response.content
    (span,) = _spans(tenant)
    assert "hi" in _content(span)
    assert "hello" in _content(span)
    score = Score.objects.get(project=tenant.project, id=feedback_id)
    assert (score.trace_id, score.span_id) == (trace_id_of(run_id), span_id_of(run_id))
    assert (score.name, score.value, score.comment) == ("correctness", 1.0, "right")
    # The same upload again: one span, one score.
    assert _send_multipart(client, parts).status_code == 202
    assert len(_spans(tenant)) == 1
    assert Score.objects.filter(project=tenant.project).count() == 1


def test_multipart_bad_feedback_stores_nothing(tenant: Tenant) -> None:
    run_id, feedback_id = uuid.uuid4(), uuid.uuid4()
    parts: list[tuple[str, Any]] = [
        (f"post.{run_id}", _post_body(run_id, end_time=_iso(1))),
        (f"feedback.{feedback_id}", {"id": str(feedback_id), "run_id": str(run_id), "key": ""}),
    ]
    response = _send_multipart(_client(tenant), parts)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"feedback.{feedback_id}.key")
    assert _spans(tenant) == []


def test_multipart_part_with_nul_or_bad_json_is_refused(tenant: Tenant) -> None:
    run_id = uuid.uuid4()
    for value, field in (
        (b'{"q": "a\\u0000"}', f"post.{run_id}.inputs.q"),
        (b"{", f"post.{run_id}.inputs"),
    ):
        parts = [
            (f"post.{run_id}", _post_body(run_id, end_time=_iso(1))),
            (f"post.{run_id}.inputs", value),
        ]
        response = _send_multipart(_client(tenant), parts)
        assert response.status_code == 422, response.content
        assert response.json()["detail"].startswith(field)
    assert _spans(tenant) == []


def test_multipart_deep_nesting_and_json_bodies_are_refused(tenant: Tenant) -> None:
    run_id = uuid.uuid4()
    deep = b"[" * 200 + b"]" * 200
    parts = [(f"post.{run_id}", _post_body(run_id)), (f"post.{run_id}.outputs", deep)]
    response = _send_multipart(_client(tenant), parts)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"post.{run_id}.outputs")
    response = _client(tenant).post("/langsmith/runs/multipart", {"post": []}, format="json")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("body")
    assert _spans(tenant) == []
    assert not PendingRun.objects.exists()


def test_huge_numbers_in_inputs_are_kept_as_sent(tenant: Tenant) -> None:
    run_id = uuid.uuid4()
    body = _post_body(run_id, end_time=_iso(1), inputs={"n": 10**400})
    assert _client(tenant).post("/langsmith/runs", body, format="json").status_code == 202
    (span,) = _spans(tenant)
    assert str(10**400) in _content(span)


def test_a_run_that_never_ends_is_forgotten_after_a_while(tenant: Tenant) -> None:
    client, run_id = _client(tenant), uuid.uuid4()
    assert client.post("/langsmith/runs", _post_body(run_id), format="json").status_code == 202
    assert client.get(f"/langsmith/runs/{run_id}").json()["status"] == "pending"
    assert pending_runs_expire() == 0
    assert pending_runs_expire(now=datetime.now(UTC) + PENDING_MAX_AGE + timedelta(hours=1)) == 1
    assert client.get(f"/langsmith/runs/{run_id}").status_code == 404
    assert _spans(tenant) == []


def test_listing_a_trace_reads_a_page_in_a_fixed_number_of_queries(tenant: Tenant) -> None:
    client, root = _client(tenant), uuid.uuid4()

    def grow(count: int) -> int:
        children = [
            _post_body(uuid.uuid4(), trace_id=str(root), parent_run_id=str(root), end_time=_iso(2))
            for _ in range(count)
        ]
        body = {"post": children}
        assert client.post("/langsmith/runs/batch", body, format="json").status_code == 202
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/langsmith/runs/query", {"trace": str(root), "limit": 100}, format="json"
            )
        assert response.status_code == 200
        return len(queries)

    assert grow(2) == grow(40)
    listed = client.post("/langsmith/runs/query", {"trace": str(root), "limit": 30}, format="json")
    page = listed.json()
    assert len(page["runs"]) == 30
    rest = client.post(
        "/langsmith/runs/query",
        {"trace": str(root), "limit": 30, "cursor": page["cursors"]["next"]},
        format="json",
    ).json()
    assert len(rest["runs"]) == 12
    assert rest["cursors"]["next"] is None
    assert len({run["id"] for run in page["runs"] + rest["runs"]}) == 42


def test_feedback_on_a_running_run_without_trace_id_finds_its_trace(tenant: Tenant) -> None:
    root, child, feedback_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    running = _post_body(child, trace_id=str(root), parent_run_id=str(root))
    parts: list[tuple[str, Any]] = [
        (f"post.{child}", running),
        (
            f"feedback.{feedback_id}",
            {"id": str(feedback_id), "run_id": str(child), "key": "helpful", "value": "yes"},
        ),
    ]
    assert _send_multipart(_client(tenant), parts).status_code == 202
    score = Score.objects.get(project=tenant.project, id=feedback_id)
    assert (score.trace_id, score.span_id) == (trace_id_of(root), span_id_of(child))
    assert score.string_value == "yes"


@pytest.mark.parametrize(
    ("feedback", "field"),
    [
        ({"score": 10**400}, "score"),
        ({"score": "high"}, "score"),
        ({"score": None, "value": {"a": 1}}, "value"),
        ({"run_id": "nope"}, "run_id"),
        ({"key": "k" * 101}, "key"),
        ({"score": None, "value": "x" * 201}, "value"),
    ],
)
def test_bad_feedback_parts_name_the_field(
    tenant: Tenant, feedback: dict[str, Any], field: str
) -> None:
    run_id, feedback_id = uuid.uuid4(), uuid.uuid4()
    sent = {"id": str(feedback_id), "run_id": str(run_id), "key": "k", "score": 1, **feedback}
    parts: list[tuple[str, Any]] = [
        (f"post.{run_id}", _post_body(run_id, end_time=_iso(1))),
        (f"feedback.{feedback_id}", json.dumps(sent).encode()),
    ]
    response = _send_multipart(_client(tenant), parts)
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(f"feedback.{feedback_id}.{field}")
    assert _spans(tenant) == []
    assert not Score.objects.exists()


def test_nan_in_a_part_is_refused(tenant: Tenant) -> None:
    run_id = uuid.uuid4()
    parts: list[tuple[str, Any]] = [
        (f"post.{run_id}", _post_body(run_id, end_time=_iso(1))),
        (f"post.{run_id}.outputs", b'{"x": NaN}'),
    ]
    response = _send_multipart(_client(tenant), parts)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"post.{run_id}.outputs")
    assert _spans(tenant) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_and_patches_of_a_run_make_one_span(
    live_server: Any, tenant: Tenant
) -> None:
    runs = [uuid.uuid4() for _ in range(6)]

    def send(job: tuple[str, uuid.UUID]) -> int:
        kind, run_id = job
        if kind == "post":
            method, url, data = "POST", "/langsmith/runs", _post_body(run_id)
        else:
            url = f"/langsmith/runs/{run_id}"
            method, data = "PATCH", {"end_time": _iso(2), "outputs": {"done": True}}
        request = urllib.request.Request(  # noqa: S310 — the test's own live server
            f"{live_server.url}{url}",
            data=json.dumps(data).encode(),
            headers={"Content-Type": "application/json", "X-Api-Key": tenant.secret_key},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return int(response.status)

    # Each run's post, its patch and a retried patch race one another.
    jobs = [(kind, run_id) for run_id in runs for kind in ("post", "patch", "patch")]
    with ThreadPoolExecutor(max_workers=6) as pool:
        assert set(pool.map(send, jobs)) == {202}
    spans = _spans(tenant)
    assert sorted(span.span_id for span in spans) == sorted(span_id_of(r) for r in runs)
    assert all('"done"' in _content(span) for span in spans)
    assert not PendingRun.objects.exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"session": [str(uuid.uuid4())]}, "trace"),
        ({"trace": "x"}, "trace"),
        ({"trace": str(uuid.uuid4()), "filter": 'eq(name, "a")'}, "filter"),
        ({"trace": str(uuid.uuid4()), "limit": 0}, "limit"),
        ({"trace": str(uuid.uuid4()), "cursor": "abc"}, "cursor"),
        ({"id": "x"}, "id"),
        ({"trace": str(uuid.uuid4()), "is_root": "yes"}, "is_root"),
    ],
)
def test_bad_run_queries_name_the_field(tenant: Tenant, query: dict[str, Any], field: str) -> None:
    response = _client(tenant).post("/langsmith/runs/query", query, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(field)


def test_read_run_answers_the_reference_example_and_bad_ids(tenant: Tenant) -> None:
    client, run_id, example = _client(tenant), uuid.uuid4(), uuid.uuid4()
    body = _post_body(run_id, end_time=_iso(1), reference_example_id=str(example))
    assert client.post("/langsmith/runs", body, format="json").status_code == 202
    assert client.get(f"/langsmith/runs/{run_id}").json()["reference_example_id"] == str(example)
    response = client.get("/langsmith/runs/not-a-uuid")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("run_id")
    assert client.get(f"/langsmith/runs/{uuid.uuid4()}").status_code == 404


def _uuid7(at: datetime) -> uuid.UUID:
    # The client's run ids: 48 bits of milliseconds, version 7, then random bits.
    millis = int(at.timestamp() * 1000)
    value = (millis << 80) | (0x7 << 76) | (uuid.uuid4().int & ((1 << 76) - 1))
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # the RFC 4122 variant
    return uuid.UUID(int=value)


@pytest.mark.parametrize(
    ("make_id", "case"),
    [
        (lambda start: _uuid7(start), "uuid7 of its start (the time-bounded read)"),
        (lambda start: _uuid7(start - timedelta(days=3)), "uuid7 far from its start"),
        (lambda start: uuid.uuid4(), "a random id"),
    ],
)
def test_read_run_finds_a_run_whatever_its_id_says_of_its_start(
    tenant: Tenant, make_id: Any, case: str
) -> None:
    start = datetime.now(UTC) - timedelta(minutes=5)
    run_id = make_id(start)
    assert run_id.version in (4, 7)
    body = _post_body(
        run_id,
        start_time=start.isoformat(),
        end_time=(start + timedelta(seconds=2)).isoformat(),
        outputs={"response": "MLOps is..."},
    )
    client = _client(tenant)
    assert client.post("/langsmith/runs", body, format="json").status_code in (200, 201, 202)
    response = client.get(f"/langsmith/runs/{run_id}")
    assert response.status_code == 200, (case, response.content)
    assert response.json()["id"] == str(run_id)
