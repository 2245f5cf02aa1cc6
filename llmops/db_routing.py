"""Which database a query goes to: the primary, or a streaming read replica for reads that may lag.

With ``LLMOPS_REPLICA_DATABASE_URL`` set, settings add a ``replica`` alias and name
:class:`ReadReplicaRouter`. A read goes there only while a request to a view that declares
``reads_may_lag = True`` runs with a safe method (``ReadsMayLagMiddleware`` in
``llmops/restapi/read_lag.py`` sets :data:`reads_may_lag` around the view and resets it). Everything
else reads the primary: writes and migrations always, anything inside ``transaction.atomic``
(a transaction must see its own writes), Celery tasks (no middleware runs in a worker, so the
flag is never set there), and the models that decide who the caller is. A key revoked or a
membership removed a second ago must take effect at once, so authentication and the access
check never read a lagging copy even on a lagging view.

Without the setting there is no ``replica`` alias and every query goes to ``default``, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

REPLICA_DB_ALIAS = "replica"

# Apps whose rows decide who the caller is and what it may do (API keys, sessions, users,
# memberships, projects), plus content types Django caches by id: always the primary.
PRIMARY_ONLY_APPS = frozenset({"tenancy", "auth", "sessions", "contenttypes"})

reads_may_lag: ContextVar[bool] = ContextVar("llmops_reads_may_lag", default=False)


@contextlib.contextmanager
def lagging_reads() -> Iterator[None]:
    """Let reads in this block go to the replica (when one is configured); resets on exit."""
    token = reads_may_lag.set(True)
    try:
        yield
    finally:
        reads_may_lag.reset(token)


def replica_configured() -> bool:
    return REPLICA_DB_ALIAS in settings.DATABASES


def _read_alias(app_label: str) -> str:
    if (
        not reads_may_lag.get()
        or app_label in PRIMARY_ONLY_APPS
        or not replica_configured()
        # Inside an atomic block the request has written, or is about to, and must read what it
        # wrote: only the primary has it.
        or connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return DEFAULT_DB_ALIAS
    return REPLICA_DB_ALIAS


def read_connection(model: type[Model]) -> BaseDatabaseWrapper:
    """The connection a raw SQL read about ``model`` should use (``connection.cursor()`` bypasses
    routers and always means the primary)."""
    return connections[_read_alias(model._meta.app_label)]


class ReadReplicaRouter:
    """Django database router (``DATABASE_ROUTERS``); see the module docstring."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return _read_alias(model._meta.app_label)

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Both aliases hold the same rows (the replica is a copy of the primary).
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica follows the primary's WAL, schema included; it is read-only anyway.
        return db == DEFAULT_DB_ALIAS
