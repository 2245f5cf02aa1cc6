"""The fault suite's stack: started once, shared by its tests, torn down by PID."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.faults.stack import Gunicorn, PrivatePostgres, Stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    postgres = PrivatePostgres()
    web: Gunicorn | None = None
    try:
        postgres.init()
        postgres.start()
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE llmops")
        web = Gunicorn(database_url=postgres.url())
        web.manage("migrate", "--noinput")
        web.start()
        yield Stack(postgres, web)
    finally:
        if web is not None:
            web.close()
        postgres.close()
