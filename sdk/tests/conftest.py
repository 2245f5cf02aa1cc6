from __future__ import annotations

from collections.abc import Iterator

import pytest
from llmops_sdk import safety, state
from llmops_sdk.client import Client
from llmops_sdk.config import from_environment
from llmops_sdk.prompts import clear_cache


@pytest.fixture(autouse=True)
def sdk_strict(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test in which the SDK swallowed an internal error; start unconfigured."""
    for name in ("LLMOPS_SECRET_KEY", "LLMOPS_PUBLIC_KEY", "LLMOPS_HOST", "LLMOPS_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    safety.STRICT = True
    safety.swallowed.clear()
    clear_cache()
    state.replace(Client(from_environment()))
    yield
    state.replace(Client(from_environment(enabled=False)))
    swallowed = list(safety.swallowed)
    safety.swallowed.clear()
    safety.STRICT = False
    assert swallowed == [], f"the SDK swallowed internal errors: {swallowed!r}"
