"""The base of every Langfuse-compatible endpoint, and the reading of its inputs.

Langfuse SDKs authenticate with HTTP Basic ``public_key:secret_key`` (a project API key, which
the platform's authentication already reads), send camelCase JSON and expect camelCase JSON and
Langfuse-shaped errors back. Views declare the fields they read with :func:`text` and friends,
which raise a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.domain_errors import Invalid
from llmops.json_text import first_non_finite, first_unstorable_text
from llmops.langfuse_api.errors import as_response
from llmops.tenancy.api.access import PROJECT_READ
from llmops.tenancy.api.scoping import ForeignProtocolView


class LangfuseView(ForeignProtocolView):
    """Project-scoped like every endpoint (the key pair names the project); Langfuse-shaped
    errors; outside the platform's OpenAPI document."""

    answer_error = staticmethod(as_response)
    challenge = 'Basic realm="langfuse"'


def body(request: Request) -> Mapping[str, Any]:
    data = request.data
    if not isinstance(data, Mapping):
        raise Invalid("The request body must be a JSON object.", field="body")
    return data


def storable(value: Any, field: str) -> None:
    """Refuse what PostgreSQL cannot store anywhere in a JSON value (NUL, lone surrogates:
    the body parser refuses them in bodies, not in values built from queries and paths) and
    numbers that are not finite (``1e999`` decodes as infinity), naming the path in ``field``."""
    found = first_unstorable_text(value)
    if found is not None:
        path, problem = found
        where = field if path == "non_field_errors" else f"{field}.{path}".replace(".[", "[")
        raise Invalid(problem, field=where)
    number_at = first_non_finite(value)
    if number_at is not None:
        raise Invalid("must hold finite numbers only", field=field)


def _clean(value: str, name: str) -> str:
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
        raise Invalid("must not contain a NUL character", field=name)
    return value


def text(
    data: Mapping[str, Any],
    name: str,
    *,
    required: bool = True,
    default: str = "",
    max_length: int | None = None,
) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise Invalid("is required", field=name)
        return default
    if not isinstance(value, str):
        raise Invalid("must be a string", field=name)
    if max_length is not None and len(value) > max_length:
        raise Invalid(f"must be at most {max_length} characters", field=name)
    return _clean(value, name)


def integer(
    data: Mapping[str, Any],
    name: str,
    *,
    required: bool = False,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int = 2**31 - 1,
) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise Invalid("is required", field=name)
        return default
    if isinstance(value, bool):
        raise Invalid("must be an integer", field=name)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid("must be an integer", field=name) from None
    if isinstance(value, float) and not value.is_integer():
        raise Invalid("must be an integer", field=name)
    if (minimum is not None and number < minimum) or number > maximum:
        raise Invalid(f"must be between {minimum} and {maximum}", field=name)
    return number


def timestamp(data: Mapping[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise Invalid("must be an ISO 8601 date-time", field=name)
    return parsed


def string_list(data: Mapping[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Invalid("must be a list of strings", field=name)
    return [_clean(item, name) for item in value]


def page(request: Request) -> tuple[int, int]:
    """Langfuse's pagination: ``page`` (from 1) and ``limit`` (at most 100)."""
    number = integer(request.query_params, "page", default=1, minimum=1, maximum=1_000_000)
    limit = integer(request.query_params, "limit", default=50, minimum=1, maximum=100)
    return number or 1, limit or 50


def page_meta(number: int, limit: int, total: int) -> dict[str, int]:
    return {
        "page": number,
        "limit": limit,
        "totalItems": total,
        "totalPages": (total + limit - 1) // limit,
    }


def iso(moment: datetime | None) -> str | None:
    """A date-time as Langfuse writes it: ISO 8601 in UTC with milliseconds and ``Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ProjectsView(LangfuseView):
    """``GET /api/public/projects``: the SDKs' ``auth_check()`` and project-id lookup."""

    access = {"GET": PROJECT_READ}

    def get(self, request: Request) -> Response:
        project = self.project
        organization = project.organization
        return Response(
            {
                "data": [
                    {
                        "id": str(project.pk),
                        "name": project.name,
                        "metadata": {},
                        "organization": {"id": str(organization.pk), "name": organization.name},
                    }
                ]
            }
        )
