"""Shared fixtures: tenants, keys and clients that act as them."""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from llmops.tenancy import domain
from llmops.tenancy.models import KeyScope, Organization, Project, Role


@dataclass
class Tenant:
    organization: Organization
    project: Project
    public_key: str
    secret_key: str
    # Secret keys of other scopes, issued on first use (``secret_key`` is a member key).
    scoped_keys: dict[str, str] = field(default_factory=dict)

    def key(self, scope: str = KeyScope.MEMBER) -> str:
        if scope == KeyScope.MEMBER:
            return self.secret_key
        if scope not in self.scoped_keys:
            issued = domain.api_key_create(project=self.project, note=f"test {scope}", scope=scope)
            self.scoped_keys[scope] = issued.secret_key
        return self.scoped_keys[scope]

    def client(self, scope: str = KeyScope.MEMBER) -> APIClient:
        """A client acting with a key of ``scope`` (member unless asked)."""
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.key(scope)}")
        return client

    def basic_client(self) -> APIClient:
        token = base64.b64encode(f"{self.public_key}:{self.secret_key}".encode()).decode()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
        return client


def make_tenant(org_name: str, project_name: str) -> Tenant:
    organization = domain.organization_create(name=org_name)
    project = domain.project_create(organization=organization, name=project_name)
    issued = domain.api_key_create(project=project, note="test")
    return Tenant(organization, project, issued.api_key.public_key, issued.secret_key)


@pytest.fixture
def tenant(db: None) -> Tenant:
    return make_tenant("Acme", "support-bot")


@pytest.fixture
def other_tenant(db: None) -> Tenant:
    return make_tenant("Globex", "search")


class MakeUser(Protocol):
    def __call__(
        self, username: str, organization: Organization | None = ..., role: str = ...
    ) -> User: ...


@pytest.fixture
def make_user(db: None) -> MakeUser:
    def make(
        username: str, organization: Organization | None = None, role: str = Role.MEMBER
    ) -> User:
        user = User.objects.create_user(username=username, password="correct horse battery")
        if organization is not None:
            domain.membership_set(organization=organization, user=user, role=role)
        return user

    return make


def session_client(user: User, project: Project | None = None) -> APIClient:
    """A browser-like client: signed in with a session, CSRF enforced like in a browser."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    if project is not None:
        client.credentials(HTTP_X_PROJECT_ID=str(project.pk))
    return client


WORKER_ROOT = Path(__file__).resolve().parents[1]


def _test_database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(node_name: str, beat_schedule: Path, **env: str) -> subprocess.Popen[str]:
    """A real Celery worker process with embedded beat, on the configured broker and the test
    database, in its own process group (so the worker and its beat can be killed together)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "llmops",
            "worker",
            "-B",
            "-n",
            node_name,
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--schedule",
            str(beat_schedule),
        ],
        cwd=WORKER_ROOT,
        env={
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def signal_group(process: subprocess.Popen[str], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group has exited already
        os.killpg(process.pid, sig)


def stop_worker(process: subprocess.Popen[str]) -> str:
    """Stop the worker (and its beat); returns what it printed."""
    if process.poll() is None:
        signal_group(process, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        signal_group(process, signal.SIGKILL)
        output, _ = process.communicate(timeout=20)
    return output or ""


@pytest.fixture
def worker(transactional_db: None, tmp_path: Path) -> Iterator[str]:
    """A real Celery worker process (with beat) on the configured broker and the test database.

    Yields the worker's node name.
    """
    node_name = f"e2e-{uuid.uuid4().hex[:8]}@localhost"
    process = start_worker(
        node_name, tmp_path / "beat-schedule", LLMOPS_WORKER_HEARTBEAT_SECONDS="1"
    )
    try:
        yield node_name
    finally:
        print(stop_worker(process)[-4000:])


@pytest.fixture
def egress_allows_loopback(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lets webhooks reach receivers on loopback, which the egress policy refuses unless a range
    is allowed; the variable also reaches worker processes started after this fixture."""
    settings.LLMOPS_EGRESS_ALLOW = ("127.0.0.0/8",)
    monkeypatch.setenv("LLMOPS_EGRESS_ALLOW", "127.0.0.0/8")


def wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
