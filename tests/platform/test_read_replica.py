"""Reads that may lag go to a streaming read replica; everything else reads and writes the primary.

The router's decisions are pinned on their own (any database); then a real streaming replica,
started by the test from a private primary with ``pg_basebackup -R``, shows the routing through
the live gunicorn: with replay paused, a trace stored on the primary is missing from the lagging
trace list but found by its detail view.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from llmops import db_routing
from llmops.db_routing import REPLICA_DB_ALIAS, ReadReplicaRouter, lagging_reads, reads_may_lag
from llmops.restapi.read_lag import ReadsMayLagMiddleware, view_reads_may_lag
from llmops.tenancy.models import ApiKey, Membership, Project
from llmops.tracing.models import Span, Trace
from tests.faults.stack import Gunicorn, PrivatePostgres, wait_until
from tests.tracing import otlp_payloads as p

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a PostgreSQL server"
)

router = ReadReplicaRouter()


@pytest.fixture
def replica_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """The router as it decides with a ``replica`` alias configured (no connection is made)."""
    monkeypatch.setattr(db_routing, "replica_configured", lambda: True)


def test_without_a_replica_every_read_goes_to_the_primary() -> None:
    with lagging_reads():
        assert router.db_for_read(Trace) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Span) == DEFAULT_DB_ALIAS


def test_reads_go_to_the_replica_only_while_marked(replica_configured: None) -> None:
    assert router.db_for_read(Trace) == DEFAULT_DB_ALIAS
    with lagging_reads():
        assert router.db_for_read(Trace) == REPLICA_DB_ALIAS
        assert router.db_for_read(Span) == REPLICA_DB_ALIAS
    assert router.db_for_read(Trace) == DEFAULT_DB_ALIAS
    assert reads_may_lag.get() is False


def test_who_the_caller_is_is_always_read_from_the_primary(replica_configured: None) -> None:
    # A key revoked or a member removed a moment ago must not still be let in by a lagging copy.
    with lagging_reads():
        for model in (ApiKey, Membership, Project, User):
            assert router.db_for_read(model) == DEFAULT_DB_ALIAS, model


def test_writes_and_migrations_only_ever_reach_the_primary(replica_configured: None) -> None:
    with lagging_reads():
        assert router.db_for_write(Trace) == DEFAULT_DB_ALIAS
        assert router.db_for_write(ApiKey) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "tracing") is True
    assert router.allow_migrate(REPLICA_DB_ALIAS, "tracing") is False


def test_a_transaction_reads_the_primary(replica_configured: None, transactional_db: None) -> None:
    with lagging_reads():
        assert router.db_for_read(Trace) == REPLICA_DB_ALIAS
        with transaction.atomic():
            # It may have written already: only the primary has that.
            assert router.db_for_read(Trace) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Trace) == REPLICA_DB_ALIAS


class _LaggingView:
    reads_may_lag = True


def _recording_view(seen: list[bool], *, lagging: bool, fail: bool = False) -> Callable[..., Any]:
    def view(request: HttpRequest) -> HttpResponse:
        seen.append(reads_may_lag.get())
        if fail:
            raise RuntimeError("the view failed")
        return HttpResponse("ok")

    if lagging:
        view.view_class = _LaggingView  # type: ignore[attr-defined]
    return view


def _through_middleware(
    method: str, view: Callable[..., Any], *, fail: bool = False
) -> HttpResponse:
    request = RequestFactory().generic(method, "/anything")

    def get_response(request: HttpRequest) -> HttpResponse:
        # What Django's handler does between the middleware's call and the response.
        assert middleware.process_view(request, view, (), {}) is None
        response: HttpResponse = view(request)
        return response

    middleware = ReadsMayLagMiddleware(get_response)
    return middleware(request)


@pytest.mark.parametrize(
    ("method", "lagging", "expected"),
    [
        ("GET", True, True),
        ("HEAD", True, True),
        ("POST", True, False),
        ("DELETE", True, False),
        ("GET", False, False),
    ],
)
def test_the_middleware_marks_safe_requests_to_lagging_views_and_resets(
    method: str, lagging: bool, expected: bool
) -> None:
    seen: list[bool] = []
    _through_middleware(method, _recording_view(seen, lagging=lagging))
    assert seen == [expected]
    assert reads_may_lag.get() is False


def test_the_mark_is_reset_when_the_view_raises() -> None:
    seen: list[bool] = []
    with pytest.raises(RuntimeError):
        _through_middleware("GET", _recording_view(seen, lagging=True, fail=True))
    assert seen == [True]
    assert reads_may_lag.get() is False


@pytest.mark.parametrize(
    ("path", "lagging"),
    [
        ("/api/v1/traces", True),
        ("/api/v1/sessions", True),
        ("/api/v1/metrics", True),
        ("/api/v1/scores/metrics", True),
        ("/api/v1/prompts", True),
        ("/api/v1/datasets", True),
        ("/api/v1/runs", True),
        ("/api/2.0/mlflow/experiments/search", True),
        # Detail views: a client reads here what it has just written (read-your-writes).
        ("/api/v1/traces/0123456789abcdef0123456789abcdef", False),
        ("/api/v1/sessions/s-1", False),
        ("/api/v1/prompts/greeting", False),
        ("/api/v1/runs/3f0b8f5e-51a4-4a56-9d7e-7b0c1c3d9e10", False),
        ("/api/v1/api-keys", False),
        ("/api/v1/auth/session", False),
        ("/v1/traces", False),
    ],
)
def test_lists_and_metrics_may_lag_details_and_auth_may_not(path: str, lagging: bool) -> None:
    assert view_reads_may_lag(resolve(path).func) is lagging


# --- A real streaming replica ---------------------------------------------------------------


class Standby(PrivatePostgres):
    """A hot standby of ``primary``: a base backup with ``-R`` (standby.signal and the
    primary_conninfo), on its own port and socket directory."""

    def init_from(self, primary: PrivatePostgres) -> None:
        self.data.mkdir(mode=0o700)
        if self._owner is not None:
            os.chown(self.data, self._owner.pw_uid, self._owner.pw_gid)
        self._run(
            *("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(self.data), "-R", "-X", "stream", "-c", "fast"),
        )
        # The copied configuration names the primary's port and socket directory; the last
        # setting in the file wins.
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.port}\nunix_socket_directories = '{self.root}'\n")
            conf.write("hot_standby = on\n")


def _request(url: str, *, key: str, body: bytes | None = None, content_type: str = "") -> Any:
    request = urllib.request.Request(url, data=body)  # noqa: S310
    request.add_header("Authorization", f"Bearer {key}")
    if content_type:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, response.read()


def _get_json(web: Gunicorn, path: str, key: str) -> tuple[int, Any]:
    try:
        status, body = _request(f"{web.base_url}{path}", key=key)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
    return status, json.loads(body)


def _ingest_trace(web: Gunicorn, key: str, trace_id: str) -> None:
    spans = [
        p.span(trace_id=trace_id, span_id=secrets.token_hex(8), name="root"),
    ]
    status, _ = _request(
        f"{web.base_url}/v1/traces",
        key=key,
        body=p.request(spans).SerializeToString(),
        content_type="application/x-protobuf",
    )
    assert status == 200


def _listed(web: Gunicorn, key: str) -> set[str]:
    status, body = _get_json(web, "/api/v1/traces?limit=100", key)
    assert status == 200, body
    return {item["trace_id"] for item in body["items"]}


@pytest.fixture
def replicated() -> Iterator[tuple[PrivatePostgres, Standby, Gunicorn]]:
    primary = PrivatePostgres()
    standby = Standby()
    web: Gunicorn | None = None
    try:
        primary.init()
        primary.start()
        with psycopg.connect(primary.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE llmops")
        standby.init_from(primary)
        standby.start()
        web = Gunicorn(database_url=primary.url())
        web.env["LLMOPS_REPLICA_DATABASE_URL"] = standby.url()
        # Migrations run on the primary only (the router allows them nowhere else) and reach
        # the standby by replication.
        web.manage("migrate", "--noinput")
        web.start()
        yield primary, standby, web
    finally:
        if web is not None:
            web.close()
        standby.close()
        primary.close()


def _on_standby(standby: Standby, sql: str) -> Any:
    with psycopg.connect(standby.url(), autocommit=True) as conn:
        row = conn.execute(sql).fetchone()
        return None if row is None else row[0]


@on_postgresql
def test_lagging_list_reads_the_replica_and_the_detail_the_primary(
    replicated: tuple[PrivatePostgres, Standby, Gunicorn],
) -> None:
    primary, standby, web = replicated
    created = json.loads(
        web.manage("createproject", "Replica", "replica", "--json", "--scope", "admin")
    )
    key = str(created["secret_key"])
    assert _on_standby(standby, "SELECT pg_is_in_recovery()") is True

    # Replication works: a first trace reaches the list once replayed.
    first = secrets.token_hex(16)
    _ingest_trace(web, key, first)
    wait_until("the first trace replayed", lambda: first in _listed(web, key), 60)

    _on_standby(standby, "SELECT pg_wal_replay_pause()")
    wait_until(
        "replay paused",
        lambda: _on_standby(standby, "SELECT pg_get_wal_replay_pause_state()") == "paused",
        30,
    )
    second = secrets.token_hex(16)
    _ingest_trace(web, key, second)  # a 2xx: committed on the primary

    # (a) the lagging list answers from the paused replica: the new trace is not there yet...
    assert _listed(web, key) == {first}
    # ...while the detail view, read-your-writes, answers from the primary.
    status, detail = _get_json(web, f"/api/v1/traces/{second}", key)
    assert status == 200, detail
    assert detail["trace_id"] == second
    # Authentication and the project lookup of the lagging list read the primary: a project and
    # key made while replay is paused (the standby has neither) are accepted at once.
    _, new_key = web.create_project("made-while-paused")
    status, body = _get_json(web, "/api/v1/traces?limit=1", new_key)
    assert status == 200, body
    assert body["items"] == []

    # (b) once replay resumes, the list shows it.
    _on_standby(standby, "SELECT pg_wal_replay_resume()")
    wait_until("the second trace replayed", lambda: second in _listed(web, key), 60)

    # (c) the standby refuses writes, so every write above (ingestion, the new project and key)
    # went to the primary; the standby has them only by replication.
    with (
        psycopg.connect(standby.url(), autocommit=True) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("CREATE TABLE written_here (id int)")
    with psycopg.connect(primary.url(), autocommit=True) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM tracing_trace WHERE trace_id IN (%s, %s)", (first, second)
        ).fetchone()
    assert stored == (2,)
    assert "ReadOnlySqlTransaction" not in web.log_tail()
    assert "read-only transaction" not in web.log_tail()


# --- The compose shape ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_the_replica_under_its_profile_and_only_the_web_reads_it() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    replica = services["postgres-replica"]
    assert replica["profiles"] == ["replica"]
    assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    script = " ".join(replica["command"])
    assert "pg_basebackup -h postgres" in script
    assert " -R " in script
    # Only the web reads the replica; workers and beat never do.
    assert "LLMOPS_REPLICA_DATABASE_URL" in services["web"]["environment"]
    for name in ("worker", "beat", "migrate"):
        assert "LLMOPS_REPLICA_DATABASE_URL" not in services[name]["environment"], name
    # The primary creates the replication user on first start.
    mounted = [volume.split(":")[0] for volume in services["postgres"]["volumes"]]
    assert "./deploy/postgres/init-replication.sh" in mounted
    init = (ROOT / "deploy" / "postgres" / "init-replication.sh").read_text()
    assert "WITH REPLICATION LOGIN" in init
    assert "host replication replicator" in init


def test_compose_web_publishes_a_port_range_so_it_scales() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    [published] = services["web"]["ports"]
    # One fixed host port would make --scale web=2 fail to start the second replica.
    assert published == "127.0.0.1:${LLMOPS_WEB_PORTS:-8000-8003}:8000"
    assert "ports" not in services["worker"]


# --- Settings ---------------------------------------------------------------------------------

_SHOW_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'aliases': sorted(settings.DATABASES), "
    "'replica': settings.DATABASES.get('replica'), 'routers': settings.DATABASE_ROUTERS}))"
)


def _settings_with(tmp_path: Path, **variables: str) -> Any:
    env = {k: v for k, v in os.environ.items() if k != "LLMOPS_REPLICA_DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-c", _SHOW_SETTINGS],
        cwd=ROOT,
        env={**env, "LLMOPS_DATA_DIR": str(tmp_path), **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_the_setting_there_is_no_replica_and_no_router(tmp_path: Path) -> None:
    shown = _settings_with(tmp_path)
    assert shown["aliases"] == ["default"]
    assert shown["routers"] == []


def test_the_replica_url_adds_the_alias_and_the_router(tmp_path: Path) -> None:
    shown = _settings_with(
        tmp_path,
        DATABASE_URL="postgres://llmops:pw@primary:5432/llmops",
        LLMOPS_REPLICA_DATABASE_URL="postgres://llmops:pw@standby:5433/llmops?sslmode=require",
    )
    assert shown["aliases"] == ["default", "replica"]
    assert shown["routers"] == ["llmops.db_routing.ReadReplicaRouter"]
    replica = shown["replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("standby", "5433", "llmops")
    assert replica["OPTIONS"] == {"sslmode": "require"}
    # Tests read the test database through the alias instead of creating another.
    assert replica["TEST"]["MIRROR"] == "default"


def test_a_bad_replica_url_stops_start_up_naming_the_variable(tmp_path: Path) -> None:
    env = {**os.environ, "LLMOPS_DATA_DIR": str(tmp_path), "LLMOPS_REPLICA_DATABASE_URL": "x://"}
    done = subprocess.run(
        [sys.executable, "-c", _SHOW_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "LLMOPS_REPLICA_DATABASE_URL: unsupported scheme 'x'" in done.stderr
