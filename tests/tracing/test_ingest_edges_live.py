"""Chunked bodies through a real server: gunicorn, as in production, on the test database.

Django's test client cannot send a chunked body, and the live server of pytest-django (wsgiref)
does not de-chunk one, so these tests start gunicorn on loopback.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import zlib
from collections.abc import Iterator

import pytest
from google.rpc import status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from pytest_django import DjangoDbBlocker

from llmops.prompts.models import Prompt
from llmops.tracing.models import Span
from tests.conftest import Tenant, _test_database_url
from tests.processes import gunicorn
from tests.tracing import otlp_payloads as p

MAX_REQUEST_BYTES = 64 * 1024
MAX_DECOMPRESSED_BYTES = 256 * 1024


@pytest.fixture(scope="module")
def server(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[int]:
    """gunicorn on a free loopback port, on the test database; yields the port."""
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    limits = {
        "LLMOPS_MAX_REQUEST_BYTES": str(MAX_REQUEST_BYTES),
        "LLMOPS_OTLP_MAX_DECOMPRESSED_BYTES": str(MAX_DECOMPRESSED_BYTES),
    }
    with gunicorn(database_url, **limits) as port:
        yield port


def post_chunked(
    port: int, path: str, body: bytes, headers: dict[str, str], piece: int = 1000
) -> tuple[int, bytes]:
    """POST ``body`` with Transfer-Encoding: chunked (no Content-Length), in ``piece`` bytes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    pieces = (body[i : i + piece] for i in range(0, len(body), piece))
    try:
        conn.request("POST", path, body=pieces, headers=headers, encode_chunked=True)
        response = conn.getresponse()
        return response.status, response.read()
    except (BrokenPipeError, ConnectionResetError):
        # The server answered and closed before taking the rest; read what it said.
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def headers(tenant: Tenant, **extra: str) -> dict[str, str]:
    return {
        "Content-Type": "application/x-protobuf",
        "Authorization": f"Bearer {tenant.secret_key}",
        **extra,
    }


def export(spans: int, attribute_bytes: int = 0) -> bytes:
    return p.request(
        [
            p.span(
                trace_id="5b8efff798038103d269b633813fc60c",
                span_id=f"{i + 1:016x}",
                name=f"span {i}",
                attributes={"payload": "x" * attribute_bytes} if attribute_bytes else None,
            )
            for i in range(spans)
        ]
    ).SerializeToString()


@pytest.mark.django_db(transaction=True)
def test_a_chunked_protobuf_body_is_read_and_stored(server: int, tenant: Tenant) -> None:
    body = export(50, attribute_bytes=500)
    assert len(body) > 20_000  # many chunks
    status, content = post_chunked(server, "/v1/traces", body, headers(tenant))
    assert status == 200, content
    assert not ExportTraceServiceResponse.FromString(content).HasField("partial_success")
    assert Span.objects.filter(project=tenant.project).count() == 50


@pytest.mark.django_db(transaction=True)
def test_a_chunked_gzip_stream_is_read_and_stored(server: int, tenant: Tenant) -> None:
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)  # gzip, written as a stream
    body = compressor.compress(export(30)) + compressor.flush()
    status, content = post_chunked(
        server, "/v1/traces", body, headers(tenant, **{"Content-Encoding": "gzip"}), piece=100
    )
    assert status == 200, content
    assert Span.objects.filter(project=tenant.project).count() == 30


@pytest.mark.django_db(transaction=True)
def test_an_oversized_chunked_body_is_413_and_stores_nothing(server: int, tenant: Tenant) -> None:
    body = export(200, attribute_bytes=500)
    assert len(body) > MAX_REQUEST_BYTES
    status, content = post_chunked(server, "/v1/traces", body, headers(tenant), piece=8192)
    assert status == 413
    assert status_pb2.Status.FromString(content).message == (
        f"request body exceeds the limit of {MAX_REQUEST_BYTES} bytes (LLMOPS_MAX_REQUEST_BYTES)"
    )
    assert Span.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_chunked_gzip_bomb_is_413_and_stores_nothing(server: int, tenant: Tenant) -> None:
    body = gzip.compress(export(2000, attribute_bytes=500))
    assert len(body) < MAX_REQUEST_BYTES
    status, content = post_chunked(
        server, "/v1/traces", body, headers(tenant, **{"Content-Encoding": "gzip"})
    )
    assert status == 413
    assert status_pb2.Status.FromString(content).message == (
        f"decompressed body exceeds the limit of {MAX_DECOMPRESSED_BYTES} bytes "
        "(LLMOPS_OTLP_MAX_DECOMPRESSED_BYTES)"
    )
    assert Span.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_to_a_view_that_cannot_read_one_is_411(server: int, tenant: Tenant) -> None:
    status, content = post_chunked(
        server,
        "/api/v1/prompts",
        b'{"name": "greeting"}',
        {"Content-Type": "application/json", "Authorization": f"Bearer {tenant.secret_key}"},
    )
    assert status == 411
    assert b"length_required" in content


@pytest.mark.django_db(transaction=True)
def test_a_chunked_export_to_the_langfuse_otlp_path_is_stored(server: int, tenant: Tenant) -> None:
    # The Langfuse JS SDK's exporter streams its body: Basic auth, chunked, on Langfuse's path.
    token = base64.b64encode(f"{tenant.public_key}:{tenant.secret_key}".encode()).decode()
    status, content = post_chunked(
        server,
        "/api/public/otel/v1/traces",
        export(20, attribute_bytes=500),
        {"Content-Type": "application/x-protobuf", "Authorization": f"Basic {token}"},
    )
    assert status == 200, content
    assert Span.objects.filter(project=tenant.project).count() == 20


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_to_a_langfuse_json_endpoint_is_411_and_stores_nothing(
    server: int, tenant: Tenant
) -> None:
    token = base64.b64encode(f"{tenant.public_key}:{tenant.secret_key}".encode()).decode()
    status, content = post_chunked(
        server,
        "/api/public/v2/prompts",
        b'{"name": "greeting", "type": "text", "prompt": "Hi {{name}}"}',
        {"Content-Type": "application/json", "Authorization": f"Basic {token}"},
    )
    assert status == 411
    assert json.loads(content)["message"].startswith("a chunked request body cannot be read")
    assert not Prompt.objects.filter(project=tenant.project).exists()
