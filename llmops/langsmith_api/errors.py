"""Errors in LangSmith's shape: ``{"detail": ...}`` with the status LangSmith uses.

The ``langsmith`` client raises by status (401/403 ``LangSmithAuthError``, 404
``LangSmithNotFoundError``, 409 ``LangSmithConflictError``, 429 and 5xx retried) and shows the
body. This is the adapter at the LangSmith boundary: the contexts raise the platform's domain
errors (``llmops/domain_errors.py``), and their LangSmith views answer them through
:func:`as_response`.
"""

from __future__ import annotations

from rest_framework import exceptions, status
from rest_framework.response import Response

from llmops.domain_errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    PreconditionFailed,
    Transient,
)
from llmops.restapi.errors import RETRY_AFTER_SECONDS, detail_text

# Most specific first: an app's subclass maps as its base does. LangSmith answers a bad
# request body with 422 (its server validates bodies with pydantic) and other refusals 400.
_DOMAIN: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    (Invalid, status.HTTP_422_UNPROCESSABLE_ENTITY),
    (PreconditionFailed, status.HTTP_403_FORBIDDEN),
    (Transient, status.HTTP_503_SERVICE_UNAVAILABLE),
)


def error(status_code: int, message: str) -> Response:
    return Response({"detail": message}, status=status_code)


def _domain_message(exc: DomainError) -> str:
    # The field a bad input came from is part of the message: clients show only the message.
    field = getattr(exc, "field", None)
    return f"{field}: {exc.message}" if field else exc.message


def as_response(exc: Exception) -> Response | None:
    """The LangSmith-shaped response for ``exc``, or None for an unexpected error."""
    if isinstance(exc, DomainError):
        for kind, code in _DOMAIN:
            if isinstance(exc, kind):
                response = error(code, _domain_message(exc))
                if isinstance(exc, Transient):
                    response["Retry-After"] = str(exc.retry_after or RETRY_AFTER_SECONDS)
                return response
        return error(status.HTTP_400_BAD_REQUEST, _domain_message(exc))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return error(status.HTTP_401_UNAUTHORIZED, str(exc.detail))
    if isinstance(exc, exceptions.ValidationError):
        return error(status.HTTP_422_UNPROCESSABLE_ENTITY, detail_text(exc.detail))
    if isinstance(exc, exceptions.APIException):
        return error(exc.status_code, str(exc.detail))
    return None
