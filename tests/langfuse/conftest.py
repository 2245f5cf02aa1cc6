"""Fixtures for the Langfuse drop-in tests: a live server and a pinned SDK release per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from llmops.local_llm.server import LocalLLM
from tests.conftest import Tenant
from tests.langfuse.clients import RELEASES, LangfuseClient


@pytest.fixture(params=RELEASES, ids=[f"langfuse-{release}" for release in RELEASES])
def langfuse(request: pytest.FixtureRequest, live_server: Any, tenant: Tenant) -> LangfuseClient:
    """The real Langfuse SDK of one pinned release, configured for ``tenant``'s project."""
    return LangfuseClient(
        release=request.param,
        host=live_server.url,
        public_key=tenant.public_key,
        secret_key=tenant.secret_key,
    )


@pytest.fixture
def llm() -> Iterator[LocalLLM]:
    """The local OpenAI-compatible server standing in for the provider."""
    with LocalLLM() as server:
        yield server
