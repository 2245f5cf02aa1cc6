"""Processes the tests start: the platform under gunicorn on the test database, and client
programs (real third-party SDKs in venvs of their own, Node scripts) whose last line of output
is a JSON document."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import WORKER_ROOT

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until ``/healthz`` answers 200 (a minute at most, or until ``process`` exits)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (process is None or process.poll() is None):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


@contextmanager
def gunicorn(database_url: str, **env: str) -> Iterator[int]:
    """The platform under gunicorn (as in production: it de-chunks request bodies, which
    pytest-django's live server cannot) on a free loopback port; yields the port."""
    port = free_port()
    command = ["gunicorn", "llmops.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    process = subprocess.Popen(
        [sys.executable, "-m", *command, "--log-level", "warning"],
        cwd=WORKER_ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **env},
    )
    try:
        wait_healthy(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def venv_python(name: str, requirements: Path) -> Path:
    """The Python of a venv holding ``requirements`` (a whole pinned resolution), built on first
    use under data/client-venvs and reused until the requirements file changes."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    venv = ROOT / "data" / "client-venvs" / f"{name}-{digest}"
    python = venv / "bin" / "python"
    ready = venv / ".ready"
    if not ready.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        install = ["install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)]
        subprocess.run([str(python), "-m", "pip", *install], check=True, timeout=900)
        ready.write_text(digest)
    return python


def client_environment(**env: str) -> dict[str, str]:
    """A client's whole environment: what it needs to run, and ``env``; nothing else of ours."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(ROOT / "data")),
        "PYTHONUNBUFFERED": "1",
        **env,
    }


def run_client(
    who: str,
    command: Sequence[str],
    env: Mapping[str, str],
    *,
    timeout: float,
    cwd: Path | None = None,
) -> Any:
    """Run a client program; fail the test with its output unless it exits 0 and its last line
    of output is JSON, which is returned."""
    completed = subprocess.run(
        list(command),
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(
            f"{who} failed ({completed.returncode}):\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-8000:]}"
        )
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    if not lines:
        pytest.fail(f"{who} printed nothing:\n{completed.stderr}")
    return json.loads(lines[-1])
