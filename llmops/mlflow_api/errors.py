"""Errors in MLflow's shape: ``{"error_code": ..., "message": ...}``, the status MLflow uses.

The official ``mlflow`` client reads ``error_code`` to raise the right ``MlflowException``
(``RESOURCE_DOES_NOT_EXIST`` becomes a 404 the client can catch), so these endpoints never answer
with the platform's own error body. This is the adapter at the MLflow boundary: the tracking and
registry domains raise the platform's domain errors (``llmops/domain_errors.py``), and the
MLflow views answer them through :func:`as_response`.
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

RESOURCE_DOES_NOT_EXIST = "RESOURCE_DOES_NOT_EXIST"
RESOURCE_ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS"
INVALID_PARAMETER_VALUE = "INVALID_PARAMETER_VALUE"
INVALID_STATE = "INVALID_STATE"
PERMISSION_DENIED = "PERMISSION_DENIED"
UNAUTHENTICATED = "UNAUTHENTICATED"
TEMPORARILY_UNAVAILABLE = "TEMPORARILY_UNAVAILABLE"

_STATUS = {
    RESOURCE_DOES_NOT_EXIST: status.HTTP_404_NOT_FOUND,
    RESOURCE_ALREADY_EXISTS: status.HTTP_400_BAD_REQUEST,
    INVALID_PARAMETER_VALUE: status.HTTP_400_BAD_REQUEST,
    INVALID_STATE: status.HTTP_400_BAD_REQUEST,
    PERMISSION_DENIED: status.HTTP_403_FORBIDDEN,
    UNAUTHENTICATED: status.HTTP_401_UNAUTHORIZED,
    TEMPORARILY_UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
}

# Most specific first: an app's subclass maps as its base does.
_DOMAIN_CODES: tuple[tuple[type[DomainError], str], ...] = (
    (NotFound, RESOURCE_DOES_NOT_EXIST),
    (Conflict, RESOURCE_ALREADY_EXISTS),
    (Invalid, INVALID_PARAMETER_VALUE),
    (PreconditionFailed, INVALID_STATE),
    (Transient, TEMPORARILY_UNAVAILABLE),
)


def error_code(exc: DomainError) -> str:
    """MLflow's ``error_code`` for a domain error."""
    for kind, code in _DOMAIN_CODES:
        if isinstance(exc, kind):
            return code
    return INVALID_PARAMETER_VALUE


def _response(code: str, message: str) -> Response:
    body: dict[str, Any] = {"error_code": code, "message": message}
    return Response(body, status=_STATUS[code])


def as_response(exc: Exception) -> Response | None:
    """The MLflow-shaped response for ``exc``, or None for an unexpected error."""
    if isinstance(exc, DomainError):
        # MLflow's messages carry no field prefix: the message is the domain's own.
        response = _response(error_code(exc), exc.message)
        if isinstance(exc, Transient):
            response["Retry-After"] = str(exc.retry_after or RETRY_AFTER_SECONDS)
        return response
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return _response(UNAUTHENTICATED, str(exc.detail))
    if isinstance(exc, exceptions.PermissionDenied):
        return _response(PERMISSION_DENIED, str(exc.detail))
    if isinstance(exc, exceptions.NotFound):
        return _response(RESOURCE_DOES_NOT_EXIST, str(exc.detail))
    if isinstance(exc, exceptions.ValidationError):
        return _response(INVALID_PARAMETER_VALUE, detail_text(exc.detail))
    if isinstance(exc, exceptions.APIException):
        return _response(INVALID_PARAMETER_VALUE, str(exc.detail))
    return None
