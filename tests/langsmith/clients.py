"""The real ``langsmith`` client, with LangChain's core and OpenAI packages, in a virtual
environment of its own, run as a separate process against a live server.

The release is pinned with its whole resolution (requirements-0.15.txt); the venv is built once
per requirements file under ``data/client-venvs`` and reused. A client script prints one JSON
document on its last line of standard output; the test reads that and then checks the
platform's own API and storage.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
REQUIREMENTS = HERE / "requirements-0.15.txt"
# Generous: a client waits for its own background uploads; nothing here measures time.
SCRIPT_TIMEOUT_SECONDS = 300


def venv_python() -> Path:
    """The Python of the client's venv, built on first use (``pip install -r``)."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    venv = ROOT / "data" / "client-venvs" / f"langsmith-{digest}"
    python = venv / "bin" / "python"
    ready = venv / ".ready"
    if not ready.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        install = ["install", "--quiet", "--disable-pip-version-check", "-r", str(REQUIREMENTS)]
        subprocess.run([str(python), "-m", "pip", *install], check=True, timeout=900)
        ready.write_text(digest)
    return python


@dataclass
class LangSmithClient:
    """The pinned ``langsmith`` client pointed at a live server with a project's secret key."""

    endpoint: str
    api_key: str

    def run(self, script: str, **extra_env: str) -> Any:
        """Run ``script`` (dedented) in the client's venv; return its last line as JSON."""
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(ROOT / "data")),
            "LANGSMITH_ENDPOINT": self.endpoint,
            "LANGSMITH_API_KEY": self.api_key,
            "LANGSMITH_TRACING": "true",
            "LANGSMITH_PROJECT": "support-bot",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        completed = subprocess.run(
            [str(venv_python()), "-c", textwrap.dedent(script)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT_SECONDS,
            check=False,
        )
        if completed.returncode != 0:
            pytest.fail(
                f"the langsmith client failed ({completed.returncode}):\n"
                f"{completed.stdout[-4000:]}\n{completed.stderr[-8000:]}"
            )
        lines = [line for line in completed.stdout.splitlines() if line.strip()]
        if not lines:
            pytest.fail(f"the langsmith client printed nothing:\n{completed.stderr}")
        return json.loads(lines[-1])
