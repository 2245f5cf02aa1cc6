"""One JSON error shape for the whole API.

Every error body is ``{"error": <code>, "message": <text>, "fields": {<field>: [<text>, ...]}}``;
``fields`` is present for validation errors and ``message`` names the first offending field, so
a client that shows only the message still tells the user what to fix.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten nested DRF error details into dotted field paths."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, path))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            flat[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                flat.update(_flatten(item, f"{prefix}[{index}]" if prefix else f"[{index}]"))
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("request_too_large", str(exc)),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first_field, messages = next(iter(fields.items()))
        message = (
            messages[0] if first_field == "non_field_errors" else f"{first_field}: {messages[0]}"
        )
        return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
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
