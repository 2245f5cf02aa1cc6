"""The real Langfuse Python SDKs, each in a virtual environment of its own, run as separate
processes against a live server.

Two releases are pinned (requirements-<release>.txt, the whole resolution): the last 3.x and the
current one. A client script prints one JSON document on its last line of standard output; the
test reads that and then checks the platform's own API and storage.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.processes import client_environment, run_client, venv_python

HERE = Path(__file__).resolve().parent
RELEASES = ("3.15", "5.2")
# Generous: a client waits for its own exporter; nothing here measures time.
SCRIPT_TIMEOUT_SECONDS = 300


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
        settings = {
            "LANGFUSE_HOST": self.host,
            "LANGFUSE_BASE_URL": self.host,
            "LANGFUSE_PUBLIC_KEY": self.public_key,
            "LANGFUSE_SECRET_KEY": self.secret_key,
            # Each client exports promptly and fails loudly; nothing is sampled away.
            "LANGFUSE_FLUSH_INTERVAL": "0.2",
            "LANGFUSE_SAMPLE_RATE": "1.0",
            "LANGFUSE_TRACING_ENVIRONMENT": "test",
        }
        environment = client_environment(**{**settings, **self.env, **extra_env})
        python = venv_python(f"langfuse-{self.release}", HERE / f"requirements-{self.release}.txt")
        return run_client(
            f"the langfuse {self.release} client",
            [str(python), "-c", textwrap.dedent(script)],
            environment,
            timeout=SCRIPT_TIMEOUT_SECONDS,
        )
