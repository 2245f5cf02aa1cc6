"""Errors in MLflow's shape: ``{"error_code": ..., "message": ...}``, the status MLflow uses.

The official ``mlflow`` client reads ``error_code`` to raise the right ``MlflowException``
(``RESOURCE_DOES_NOT_EXIST`` becomes a 404 the client can catch), so these endpoints never answer
with the platform's own error body.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response

RESOURCE_DOES_NOT_EXIST = "RESOURCE_DOES_NOT_EXIST"
RESOURCE_ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS"
INVALID_PARAMETER_VALUE = "INVALID_PARAMETER_VALUE"
INVALID_STATE = "INVALID_STATE"
PERMISSION_DENIED = "PERMISSION_DENIED"
UNAUTHENTICATED = "UNAUTHENTICATED"
INTERNAL_ERROR = "INTERNAL_ERROR"
ENDPOINT_NOT_FOUND = "ENDPOINT_NOT_FOUND"

_STATUS = {
    RESOURCE_DOES_NOT_EXIST: status.HTTP_404_NOT_FOUND,
    RESOURCE_ALREADY_EXISTS: status.HTTP_400_BAD_REQUEST,
    INVALID_PARAMETER_VALUE: status.HTTP_400_BAD_REQUEST,
    INVALID_STATE: status.HTTP_400_BAD_REQUEST,
    PERMISSION_DENIED: status.HTTP_403_FORBIDDEN,
    UNAUTHENTICATED: status.HTTP_401_UNAUTHORIZED,
    INTERNAL_ERROR: status.HTTP_500_INTERNAL_SERVER_ERROR,
    ENDPOINT_NOT_FOUND: status.HTTP_404_NOT_FOUND,
}


class MlflowError(Exception):
    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message

    @property
    def status(self) -> int:
        return _STATUS.get(self.error_code, status.HTTP_400_BAD_REQUEST)


def not_found(message: str) -> MlflowError:
    return MlflowError(RESOURCE_DOES_NOT_EXIST, message)


def invalid(message: str) -> MlflowError:
    return MlflowError(INVALID_PARAMETER_VALUE, message)


def as_response(exc: Exception) -> Response | None:
    """The MLflow-shaped response for ``exc``, or None for an unexpected error."""
    error: MlflowError
    if isinstance(exc, MlflowError):
        error = exc
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        error = MlflowError(UNAUTHENTICATED, str(exc.detail))
    elif isinstance(exc, exceptions.PermissionDenied):
        error = MlflowError(PERMISSION_DENIED, str(exc.detail))
    elif isinstance(exc, exceptions.NotFound):
        error = MlflowError(RESOURCE_DOES_NOT_EXIST, str(exc.detail))
    elif isinstance(exc, exceptions.ValidationError):
        error = MlflowError(INVALID_PARAMETER_VALUE, _flatten(exc.detail))
    elif isinstance(exc, exceptions.APIException):
        error = MlflowError(INVALID_PARAMETER_VALUE, str(exc.detail))
    else:
        return None
    body: dict[str, Any] = {"error_code": error.error_code, "message": error.message}
    return Response(body, status=error.status)


def _flatten(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_flatten(value) for value in detail)
    return str(detail)
