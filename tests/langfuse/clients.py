"""The real Langfuse Python SDKs, each in a virtual environment of its own, run as separate
processes against a live server.

Two releases are pinned (requirements-<release>.txt, the whole resolution): the last 3.x and the
current one. Each venv is built once per requirements file under ``data/client-venvs`` and
reused. A client script prints one JSON document on its last line of standard output; the test
reads that and then checks the platform's own API and storage.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RELEASES = ("3.15", "5.2")
# Generous: a client waits for its own exporter; nothing here measures time.
SCRIPT_TIMEOUT_SECONDS = 300


def _requirements(release: str) -> Path:
    return HERE / f"requirements-{release}.txt"


def venv_python(release: str) -> Path:
    """The Python of the release's venv, built on first use (``pip install -r``)."""
    requirements = _requirements(release)
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    venv = ROOT / "data" / "client-venvs" / f"langfuse-{release}-{digest}"
    python = venv / "bin" / "python"
    ready = venv / ".ready"
    if not ready.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        install = ["install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)]
        subprocess.run(
            [str(python), "-m", "pip", *install],
            check=True,
            timeout=900,
        )
        ready.write_text(digest)
    return python


@dataclass
class LangfuseClient:
    """One pinned SDK release pointed at a live server with a project's key pair."""

    release: str
    host: str
    public_key: str
    secret_key: str
    env: dict[str, str] = field(default_factory=dict)

    def run(self, script: str, **extra_env: str) -> Any:
        """Run ``script`` (dedented) in the release's venv; return its last line as JSON."""
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(ROOT / "data")),
            "LANGFUSE_HOST": self.host,
            "LANGFUSE_BASE_URL": self.host,
            "LANGFUSE_PUBLIC_KEY": self.public_key,
            "LANGFUSE_SECRET_KEY": self.secret_key,
            # Each client exports promptly and fails loudly; nothing is sampled away.
            "LANGFUSE_FLUSH_INTERVAL": "0.2",
            "LANGFUSE_SAMPLE_RATE": "1.0",
            "LANGFUSE_TRACING_ENVIRONMENT": "test",
            "PYTHONUNBUFFERED": "1",
            **self.env,
            **extra_env,
        }
        completed = subprocess.run(
            [str(venv_python(self.release)), "-c", textwrap.dedent(script)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT_SECONDS,
            check=False,
        )
        if completed.returncode != 0:
            pytest.fail(
                f"the langfuse {self.release} client failed ({completed.returncode}):\n"
                f"{completed.stdout[-4000:]}\n{completed.stderr[-8000:]}"
            )
        lines = [line for line in completed.stdout.splitlines() if line.strip()]
        if not lines:
            pytest.fail(f"the langfuse {self.release} client printed nothing:\n{completed.stderr}")
        return json.loads(lines[-1])
