"""Transient failures (database or broker unavailable, lock and statement timeouts, surviving
serialization failures) answer 503 with Retry-After in each route's own error shape, so OTLP
exporters and MLflow clients retry; real bugs still answer 500."""

from __future__ import annotations

import base64
import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import IntegrityError, OperationalError, ProgrammingError, connection
from django.test import Client
from google.protobuf import json_format
from google.rpc import status_pb2
from kombu.exceptions import OperationalError as BrokerError
from rest_framework.test import APIClient

from llmops.celery import app as celery_app
from llmops.restapi.errors import RETRY_AFTER_SECONDS
from llmops.restapi.transient import is_transient
from tests.conftest import WORKER_ROOT, Tenant
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.django_db

UNAVAILABLE = f"The service is temporarily unavailable; retry after {RETRY_AFTER_SECONDS} seconds."
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a PostgreSQL server"
)


def _driver_error(sqlstate: str | None) -> psycopg.Error:
    if sqlstate is None:  # what psycopg raises when the server cannot be reached
        return psycopg.OperationalError("connection failed: Connection refused")
    return psycopg.errors.lookup(sqlstate)(f"simulated {sqlstate}")


@contextmanager
def every_query_fails(make: Callable[[], Exception]) -> Iterator[None]:
    """Each query on the default connection raises what ``make`` returns, as Django raises its
    own error from the driver's."""

    def fail(*args: Any) -> Any:
        error = make()
        raise error

    with connection.execute_wrapper(fail):
        yield


def _wrapped(django_error: type[Exception], cause: BaseException) -> Callable[[], Exception]:
    def make() -> Exception:
        error = django_error(str(cause))
        error.__cause__ = cause
        return error

    return make


def _otlp(tenant: Tenant, *, as_json: bool) -> Any:
    export = p.request([p.span(trace_id="0" * 31 + "1", span_id="0" * 15 + "1")])
    if as_json:
        body, content_type = json_format.MessageToJson(export).encode(), "application/json"
    else:
        body, content_type = export.SerializeToString(), "application/x-protobuf"
    return Client(raise_request_exception=False).post(
        "/v1/traces",
        body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {tenant.secret_key}",
    )


def _assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


TRANSIENT_SQLSTATES = [
    None,  # the server cannot be reached
    "08006",  # connection_failure
    "57P01",  # admin_shutdown
    "57P03",  # cannot_connect_now
    "53300",  # too_many_connections
    "55P03",  # lock_not_available (lock_timeout)
    "57014",  # query_canceled (statement_timeout)
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
]


@pytest.mark.parametrize("sqlstate", TRANSIENT_SQLSTATES)
def test_rest_answers_503_with_retry_after_when_the_database_fails(
    tenant: Tenant, sqlstate: str | None
) -> None:
    client = tenant.client()
    with every_query_fails(_wrapped(OperationalError, _driver_error(sqlstate))):
        response = client.get("/api/v1/prompts")
    _assert_unavailable(response)
    assert response.json() == {"error": "unavailable", "message": UNAVAILABLE}


def test_sqlite_database_is_locked_is_503(tenant: Tenant) -> None:
    locked = sqlite3.OperationalError("database is locked")
    with every_query_fails(_wrapped(OperationalError, locked)):
        response = tenant.client().get("/api/v1/prompts")
    _assert_unavailable(response)


def test_otlp_protobuf_export_answers_503_in_google_rpc_status(tenant: Tenant) -> None:
    with every_query_fails(_wrapped(OperationalError, _driver_error("57P01"))):
        response = _otlp(tenant, as_json=False)
    _assert_unavailable(response)
    assert response["Content-Type"] == "application/x-protobuf"
    status = status_pb2.Status.FromString(response.content)
    assert (status.code, status.message) == (14, UNAVAILABLE)  # UNAVAILABLE


def test_otlp_json_export_answers_503_in_json(tenant: Tenant) -> None:
    with every_query_fails(_wrapped(OperationalError, _driver_error(None))):
        response = _otlp(tenant, as_json=True)
    _assert_unavailable(response)
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"code": 14, "message": UNAVAILABLE}


def test_mlflow_route_answers_503_in_mlflow_shape(tenant: Tenant) -> None:
    with every_query_fails(_wrapped(OperationalError, _driver_error("57014"))):
        response = tenant.client().get("/api/2.0/mlflow/experiments/search")
    _assert_unavailable(response)
    assert response.json() == {"error_code": "TEMPORARILY_UNAVAILABLE", "message": UNAVAILABLE}


def test_langfuse_route_answers_503_in_langfuse_shape(tenant: Tenant) -> None:
    with every_query_fails(_wrapped(OperationalError, _driver_error("57P01"))):
        response = tenant.basic_client().get("/api/public/projects")
    _assert_unavailable(response)
    assert response.json() == {"message": UNAVAILABLE, "error": "ServiceUnavailableError"}


def test_langsmith_route_answers_503_in_langsmith_shape(tenant: Tenant) -> None:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=tenant.secret_key)
    with every_query_fails(_wrapped(OperationalError, _driver_error("57P01"))):
        response = client.get("/langsmith/datasets")
    _assert_unavailable(response)
    assert response.json() == {"detail": UNAVAILABLE}


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            _wrapped(IntegrityError, psycopg.errors.UniqueViolation("duplicate key")),
            id="integrity",
        ),
        pytest.param(
            _wrapped(ProgrammingError, psycopg.errors.UndefinedTable("no such relation")),
            id="programming",
        ),
        pytest.param(
            _wrapped(OperationalError, sqlite3.OperationalError("no such table: prompts")),
            id="sqlite-missing-table",
        ),
    ],
)
def test_a_bug_still_answers_500(tenant: Tenant, make: Callable[[], Exception]) -> None:
    client = tenant.client()
    client.raise_request_exception = False
    with every_query_fails(make):
        response = client.get("/api/v1/prompts")
    assert response.status_code == 500
    assert not response.has_header("Retry-After")


def test_classification_follows_the_cause_chain() -> None:
    assert is_transient(BrokerError("connection refused"))
    assert is_transient(ConnectionResetError())
    assert is_transient(redis.ConnectionError("Connection refused"))  # the shared cache
    assert is_transient(_wrapped(OperationalError, _driver_error("08001"))())
    # A constraint violation is not transient, whatever caused it.
    integrity = IntegrityError("duplicate")
    integrity.__cause__ = _driver_error("40001")
    assert not is_transient(integrity)
    assert not is_transient(_wrapped(OperationalError, _driver_error("53100"))())  # disk full
    assert not is_transient(ValueError("bug"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("egress_allows_loopback")
def test_broker_unavailable_when_enqueueing_is_503(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A webhook subscription makes saving a prompt version enqueue a delivery after commit.
    admin = tenant.client("admin")
    prompt = {"name": "support/answer", "type": "text", "template": "Hi {{name}}."}
    assert admin.post("/api/v1/prompts", prompt, format="json").status_code == 201
    webhook = {"url": "http://127.0.0.1:9/hook", "events": ["prompt.version_created"]}
    assert admin.post("/api/v1/webhooks", webhook, format="json").status_code == 201

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise BrokerError("[Errno 111] Connection refused")

    monkeypatch.setattr(celery_app, "send_task", broker_down)
    response = admin.post(
        "/api/v1/prompts/support/answer/versions", {"template": "Hello {{name}}."}, format="json"
    )
    _assert_unavailable(response)
    assert response.json()["error"] == "unavailable"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_for_the_next_request(
    tenant: Tenant,
) -> None:
    client = tenant.client()
    assert client.get("/api/v1/prompts").status_code == 200
    assert connection.connection is not None
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    _assert_unavailable(client.get("/api/v1/prompts"))
    assert client.get("/api/v1/prompts").status_code == 200


# Run in a fresh interpreter: Django there is configured against a PostgreSQL port where
# nothing listens, so every endpoint meets a real refused connection.
_AGAINST_A_DEAD_DATABASE = """
import base64, json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(raise_request_exception=False, HTTP_AUTHORIZATION="Bearer sk-anything")
answers = {
    "otlp-protobuf": client.post("/v1/traces", b"", content_type="application/x-protobuf"),
    "otlp-json": client.post("/v1/traces", b"{}", content_type="application/json"),
    "rest": client.get("/api/v1/prompts"),
    "mlflow": client.get("/api/2.0/mlflow/experiments/search"),
    "langfuse": client.get("/api/public/v2/prompts/greeting"),
    "langfuse-otlp": client.post(
        "/api/public/otel/v1/traces", b"", content_type="application/x-protobuf"
    ),
    "langsmith": client.post(
        "/langsmith/runs", b"{}", content_type="application/json", HTTP_X_API_KEY="sk-anything"
    ),
}
print(json.dumps({
    name: [r.status_code, r.get("Retry-After"), r["Content-Type"],
           base64.b64encode(r.content).decode()]
    for name, r in answers.items()
}))
"""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_every_endpoint_answers_503_when_the_database_is_really_unreachable(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "llmops.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "LLMOPS_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{_closed_port()}/llmops",
    }
    done = subprocess.run(
        [sys.executable, "-c", _AGAINST_A_DEAD_DATABASE],
        cwd=WORKER_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    retry = str(RETRY_AFTER_SECONDS)
    assert {name: answer[:3] for name, answer in answers.items()} == {
        "otlp-protobuf": [503, retry, "application/x-protobuf"],
        "otlp-json": [503, retry, "application/json"],
        "rest": [503, retry, "application/json"],
        "mlflow": [503, retry, "application/json"],
        "langfuse": [503, retry, "application/json"],
        "langfuse-otlp": [503, retry, "application/x-protobuf"],
        "langsmith": [503, retry, "application/json"],
    }
    bodies = {name: base64.b64decode(answer[3]) for name, answer in answers.items()}
    assert status_pb2.Status.FromString(bodies["otlp-protobuf"]).code == 14
    assert json.loads(bodies["otlp-json"])["code"] == 14
    assert json.loads(bodies["rest"]) == {"error": "unavailable", "message": UNAVAILABLE}
    assert json.loads(bodies["mlflow"])["error_code"] == "TEMPORARILY_UNAVAILABLE"
    assert json.loads(bodies["langfuse"])["error"] == "ServiceUnavailableError"
    assert status_pb2.Status.FromString(bodies["langfuse-otlp"]).code == 14
    assert json.loads(bodies["langsmith"]) == {"detail": UNAVAILABLE}
