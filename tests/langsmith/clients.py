"""The real ``langsmith`` client, with LangChain's core and OpenAI packages, in a virtual
environment of its own, run as a separate process against a live server.

The release is pinned with its whole resolution (requirements-0.15.txt). A client script prints
one JSON document on its last line of standard output; the test reads that and then checks the
platform's own API and storage.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.processes import client_environment, run_client, venv_python

REQUIREMENTS = Path(__file__).resolve().parent / "requirements-0.15.txt"
# Generous: a client waits for its own background uploads; nothing here measures time.
SCRIPT_TIMEOUT_SECONDS = 300


@dataclass
class LangSmithClient:
    """The pinned ``langsmith`` client pointed at a live server with a project's secret key."""

    endpoint: str
    api_key: str

    def run(self, script: str, **extra_env: str) -> Any:
        """Run ``script`` (dedented) in the client's venv; return its last line as JSON."""
        settings = {
            "LANGSMITH_ENDPOINT": self.endpoint,
            "LANGSMITH_API_KEY": self.api_key,
            "LANGSMITH_TRACING": "true",
            "LANGSMITH_PROJECT": "support-bot",
        }
        environment = client_environment(**{**settings, **extra_env})
        return run_client(
            "the langsmith client",
            [str(venv_python("langsmith", REQUIREMENTS)), "-c", textwrap.dedent(script)],
            environment,
            timeout=SCRIPT_TIMEOUT_SECONDS,
        )
