"""SDK tests against the real platform (a live server) and the local OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import llmops_sdk
import pytest
from llmops_sdk import safety, state
from llmops_sdk.client import Client
from llmops_sdk.config import from_environment
from llmops_sdk.prompts import clear_cache

from llmops.local_llm.server import LocalLLM
from tests.conftest import Tenant


@pytest.fixture(autouse=True)
def sdk_strict() -> Iterator[None]:
    """Fail any test in which the SDK swallowed an internal error."""
    safety.STRICT = True
    safety.swallowed.clear()
    clear_cache()
    yield
    swallowed = list(safety.swallowed)
    safety.swallowed.clear()
    safety.STRICT = False
    assert swallowed == [], f"the SDK swallowed internal errors: {swallowed!r}"


@pytest.fixture
def platform(live_server: Any, tenant: Tenant) -> Iterator[Tenant]:
    """The SDK initialised against a live platform server for ``tenant``."""
    llmops_sdk.init(
        host=live_server.url,
        secret_key=tenant.secret_key,
        environment="test",
        release="1.2.3",
        export_timeout_seconds=5,
    )
    yield tenant
    llmops_sdk.flush()
    state.replace(Client(from_environment(secret_key="", enabled=False)))


@pytest.fixture
def llm() -> Iterator[LocalLLM]:
    with LocalLLM() as server:
        yield server
