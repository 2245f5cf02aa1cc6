"""Errors in Langfuse's shape: ``{"message": ..., "error": ...}`` with the status Langfuse uses.

The Langfuse SDKs are generated clients: they raise by status code (400 ``Error``, 401
``UnauthorizedError``, 403 ``AccessDeniedError``, 404 ``NotFoundError``, 405
``MethodNotAllowedError``) and show the body's ``message``. This is the adapter at the Langfuse
boundary: the contexts raise the platform's domain errors (``llmops/domain_errors.py``), and
their Langfuse views answer them through :func:`as_response`.
"""

from __future__ import annotations

from typing import Any

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

# Most specific first: an app's subclass maps as its base does.
_DOMAIN: tuple[tuple[type[DomainError], int, str], ...] = (
    (NotFound, status.HTTP_404_NOT_FOUND, "LangfuseNotFoundError"),
    (Conflict, status.HTTP_409_CONFLICT, "ConflictError"),
    (Invalid, status.HTTP_400_BAD_REQUEST, "InvalidRequestError"),
    # A refused move (a protected label, an unmet release gate) is Langfuse's 403.
    (PreconditionFailed, status.HTTP_403_FORBIDDEN, "ForbiddenError"),
    (Transient, status.HTTP_503_SERVICE_UNAVAILABLE, "ServiceUnavailableError"),
)


_BY_STATUS = {
    400: "InvalidRequestError",
    413: "PayloadTooLargeError",
    415: "UnsupportedMediaTypeError",
    429: "TooManyRequestsError",
    503: "ServiceUnavailableError",
}


def error(status_code: int, name: str, message: str, **extra: Any) -> Response:
    return Response({"message": message, "error": name, **extra}, status=status_code)


def _domain_message(exc: DomainError) -> str:
    # The field a bad input came from is part of the message: clients show only the message.
    field = getattr(exc, "field", None)
    return f"{field}: {exc.message}" if field else exc.message


def as_response(exc: Exception) -> Response | None:
    """The Langfuse-shaped response for ``exc``, or None for an unexpected error."""
    if isinstance(exc, DomainError):
        for kind, code, name in _DOMAIN:
            if isinstance(exc, kind):
                response = error(code, name, _domain_message(exc))
                if isinstance(exc, Transient):
                    response["Retry-After"] = str(exc.retry_after or RETRY_AFTER_SECONDS)
                return response
        return error(status.HTTP_400_BAD_REQUEST, "InvalidRequestError", _domain_message(exc))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return error(status.HTTP_401_UNAUTHORIZED, "UnauthorizedError", str(exc.detail))
    if isinstance(exc, exceptions.PermissionDenied):
        return error(status.HTTP_403_FORBIDDEN, "AccessDeniedError", str(exc.detail))
    if isinstance(exc, exceptions.NotFound):
        return error(status.HTTP_404_NOT_FOUND, "LangfuseNotFoundError", str(exc.detail))
    if isinstance(exc, exceptions.MethodNotAllowed):
        return error(status.HTTP_405_METHOD_NOT_ALLOWED, "MethodNotAllowedError", str(exc.detail))
    if isinstance(exc, exceptions.ValidationError):
        return error(status.HTTP_400_BAD_REQUEST, "InvalidRequestError", detail_text(exc.detail))
    if isinstance(exc, exceptions.APIException):
        # A body that is not JSON, or nested too deep, is a ParseError: Langfuse's 400.
        name = _BY_STATUS.get(exc.status_code, type(exc).__name__)
        return error(exc.status_code, name, str(exc.detail))
    return None
