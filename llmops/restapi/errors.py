"""One JSON error shape for the whole API.

Every error body is ``{"error": <code>, "message": <text>, "fields": {<field>: [<text>, ...]}}``;
``fields`` is present for validation errors and ``message`` names the first offending field, so
a client that shows only the message still tells the user what to fix.

The domain's errors (``llmops/domain_errors.py``) are mapped here and nowhere else:
``NotFound`` 404, ``Conflict`` and ``PreconditionFailed`` 409 (code ``conflict``), ``Invalid``
400 with its fields, ``Transient`` 503 with ``Retry-After``. Views do not catch them.

Two routes speak other protocols and keep their own shape for errors raised outside their views
(:func:`problem_response`): the OTLP receiver (``google.rpc.Status``, protobuf or JSON as the
request was) and MLflow's paths (``{"error_code", "message"}``, read by the ``mlflow`` client).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from google.protobuf import json_format
from google.rpc import status_pb2
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from llmops.domain_errors import (
    NON_FIELD,
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    PreconditionFailed,
    Transient,
)

# Long enough for a database failover or restart to progress; short enough that an exporter's
# buffered spans are not held for long.
RETRY_AFTER_SECONDS = 5


def detail_text(detail: Any) -> str:
    """DRF error details as one line (``field: message; other: message``), for the protocols
    whose error bodies carry a single message (MLflow's, Langfuse's, LangSmith's)."""
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {detail_text(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(detail_text(value) for value in detail)
    return str(detail)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten nested DRF error details into dotted field paths."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, path))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            flat[prefix or NON_FIELD] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                flat.update(_flatten(item, f"{prefix}[{index}]" if prefix else f"[{index}]"))
    else:
        flat[prefix or NON_FIELD] = [str(detail)]
    return flat


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


def _invalid_response(fields: dict[str, list[str]]) -> Response:
    first_field, messages = next(iter(fields.items()))
    message = messages[0] if first_field == NON_FIELD else f"{first_field}: {messages[0]}"
    return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)


def domain_error_response(exc: DomainError) -> Response:
    """The REST answer to a domain error; the one place its status and code are chosen."""
    if isinstance(exc, Invalid):
        return _invalid_response(exc.fields)
    if isinstance(exc, NotFound):
        return Response(error_body("not_found", exc.message), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, Conflict | PreconditionFailed):
        # One code for both: clients (the web UI among them) read a refused move as a conflict.
        return Response(error_body("conflict", exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Transient):
        response = Response(
            error_body("unavailable", exc.message), status=status.HTTP_503_SERVICE_UNAVAILABLE
        )
        response["Retry-After"] = str(exc.retry_after or RETRY_AFTER_SECONDS)
        return response
    return Response(error_body("invalid", exc.message), status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("request_too_large", str(exc)),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, exceptions.ValidationError):
        return _invalid_response(_flatten(exc.detail))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes()
        code_text = code if isinstance(code, str) else "error"
        detail = exc.detail
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        response.data = error_body(code_text, message)
    elif isinstance(exc, Http404):
        response.data = error_body("not_found", "Not found.")
    return response


@dataclass(frozen=True)
class Problem:
    """A failure the error layer answers for every route, as each protocol spells it."""

    status: int
    code: str  # the platform's ``error`` code
    mlflow_code: str  # MLflow's ``error_code``; its client retries 503 TEMPORARILY_UNAVAILABLE
    rpc_code: int  # google.rpc.Code, for the OTLP receiver
    langfuse_error: str  # the ``error`` of Langfuse's body; its SDKs retry 503 by status


INVALID = Problem(400, "invalid", "INVALID_PARAMETER_VALUE", 3, "InvalidRequestError")
UNAVAILABLE = Problem(503, "unavailable", "TEMPORARILY_UNAVAILABLE", 14, "ServiceUnavailableError")

# The routes of llmops/urls.py that are not the platform's own API.
_OTLP_PATHS = ("/v1/traces", "/api/public/otel/v1/traces")
_LANGFUSE_PREFIX = "/api/public/"
_LANGSMITH_PREFIX = "/langsmith/"
_MLFLOW_PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow", "/api/3.0/mlflow")
_MLFLOW_PATHS = ("/version",)
_OTLP_JSON = "application/json"
_OTLP_PROTOBUF = "application/x-protobuf"


def problem_response(
    request: HttpRequest, problem: Problem, message: str, *, field: str | None = None
) -> HttpResponse:
    """``problem`` in the shape the route's clients read; ``field`` names the offending input."""
    text = f"{field}: {message}" if field else message
    path = request.path_info
    if path in _OTLP_PATHS:
        # As the receiver answers (llmops/tracing/api/receiver.py): JSON for an OTLP/JSON
        # request, protobuf otherwise.
        body = status_pb2.Status(code=problem.rpc_code, message=text)
        if request.content_type == _OTLP_JSON:
            return HttpResponse(
                json_format.MessageToJson(body), status=problem.status, content_type=_OTLP_JSON
            )
        return HttpResponse(
            body.SerializeToString(), status=problem.status, content_type=_OTLP_PROTOBUF
        )
    if path.startswith(_MLFLOW_PREFIXES) or path in _MLFLOW_PATHS:
        return JsonResponse(
            {"error_code": problem.mlflow_code, "message": text}, status=problem.status
        )
    if path.startswith(_LANGSMITH_PREFIX):
        # LangSmith's body; its client retries 503 (and 429, 5xx) by status.
        return JsonResponse({"detail": text}, status=problem.status)
    if path.startswith(_LANGFUSE_PREFIX):
        return JsonResponse(
            {"message": text, "error": problem.langfuse_error}, status=problem.status
        )
    fields = {field: [message]} if field else None
    return JsonResponse(error_body(problem.code, text, fields), status=problem.status)
