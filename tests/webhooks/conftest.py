from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.webhooks.receivers import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver([])
    yield server
    server.close()
