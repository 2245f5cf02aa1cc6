"""Fixtures for the LangSmith drop-in tests: a live server and the pinned client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from llmops.local_llm.server import LocalLLM
from tests.conftest import Tenant
from tests.langsmith.clients import LangSmithClient


@pytest.fixture
def langsmith(live_server: Any, tenant: Tenant) -> LangSmithClient:
    """The real ``langsmith`` client configured for ``tenant``'s project (member key)."""
    return LangSmithClient(endpoint=f"{live_server.url}/langsmith", api_key=tenant.secret_key)


@pytest.fixture
def llm() -> Iterator[LocalLLM]:
    """The local OpenAI-compatible server standing in for the provider."""
    with LocalLLM() as server:
        yield server
