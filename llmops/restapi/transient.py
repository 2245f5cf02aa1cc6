"""Transient failures answer 503 with ``Retry-After``, on every route, so clients retry.

The official OTLP exporter retries only 429, 502, 503 and 504, and the ``mlflow`` client retries
503: answering 500 while the database restarts would make them drop the data. 500 stays for
real bugs; a constraint violation or bad SQL is not transient.

Transient are: the database unreachable or the connection lost (SQLSTATE class 08, or a
connection-level error without a SQLSTATE), an administrator shutdown or a server not accepting
connections yet (57P01-57P03), too many connections (53300), a lock or statement timeout (55P03,
57014), a serialization failure or deadlock that survived (40001, 40P01), SQLite's "database is
locked", the broker refusing a task being enqueued, and Redis (the shared cache) unreachable.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

import psycopg
import redis
from django.db import DatabaseError, DataError, IntegrityError, ProgrammingError, connections
from django.http import HttpRequest, HttpResponse
from kombu.exceptions import OperationalError as BrokerError

from llmops.restapi.errors import RETRY_AFTER_SECONDS, UNAVAILABLE, problem_response

log = logging.getLogger("llmops.transient")

_TRANSIENT_SQLSTATES = frozenset(
    {"57P01", "57P02", "57P03", "53300", "55P03", "57014", "40001", "40P01"}
)
_SQLITE_BUSY = ("database is locked", "database table is locked")


def _is_transient_cause(error: BaseException) -> bool:
    if isinstance(
        error,
        BrokerError
        | ConnectionRefusedError
        | ConnectionResetError
        | redis.ConnectionError
        | redis.TimeoutError,
    ):
        return True
    if isinstance(error, psycopg.Error):
        sqlstate = error.sqlstate
        if sqlstate is None:
            # psycopg raises these without a SQLSTATE when the server cannot be reached or the
            # connection dropped mid-query; every server-reported error carries one.
            return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
        return sqlstate.startswith("08") or sqlstate in _TRANSIENT_SQLSTATES
    if isinstance(error, sqlite3.OperationalError):
        return str(error).startswith(_SQLITE_BUSY)
    return False


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure that a retry a little later can succeed past."""
    if isinstance(exc, IntegrityError | ProgrammingError | DataError):
        return False
    # Django re-raises the driver's error as its own, ``from`` the original; Celery does the
    # same with the broker's.
    error: BaseException | None = exc
    for _ in range(5):
        if error is None:
            break
        if _is_transient_cause(error):
            return True
        error = error.__cause__
    return False


def _close_broken_connections() -> None:
    # A connection that failed stays in the thread for the next request with CONN_MAX_AGE;
    # dropping it now lets the first request after the database returns succeed. Inside an
    # atomic block (a test's transaction) closing is not ours to do.
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


class TransientFailureMiddleware:
    """Maps transient failures raised by any view to 503 in the route's own error shape.

    DRF views reach here too: the DRF exception handler leaves exceptions it does not know
    to Django, which calls ``process_exception``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_transient(exception):
            return None
        if isinstance(exception, DatabaseError):
            _close_broken_connections()
        log.warning(
            "%s %s: transient failure, answered 503: %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            exception,
        )
        response = problem_response(
            request,
            UNAVAILABLE,
            f"The service is temporarily unavailable; retry after {RETRY_AFTER_SECONDS} seconds.",
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
