"""The base of every MLflow-compatible endpoint, and the reading of its inputs.

MLflow's REST API sends GET fields as query parameters and everything else as a JSON body.
A view declares the fields it reads with :func:`text`, :func:`integer` and friends, which raise
``INVALID_PARAMETER_VALUE`` naming the field, as MLflow does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.request import Request

from llmops.domain_errors import Invalid
from llmops.mlflow_api.errors import as_response
from llmops.tenancy.api.scoping import ForeignProtocolView


class MlflowView(ForeignProtocolView):
    """Project-scoped like every endpoint (the key in ``MLFLOW_TRACKING_TOKEN`` names the
    project); MLflow-shaped errors; outside the platform's OpenAPI document."""

    answer_error = staticmethod(as_response)
    challenge = 'Bearer realm="api"'


def fields(request: Request) -> Mapping[str, Any]:
    """The request's inputs: query parameters for GET, the JSON body otherwise."""
    if request.method == "GET":
        return {
            key: request.query_params.getlist(key)
            if len(request.query_params.getlist(key)) > 1
            else request.query_params.get(key)
            for key in request.query_params
        }
    data = request.data
    if not isinstance(data, Mapping):
        raise Invalid("The request body must be a JSON object.")
    return data


def text(data: Mapping[str, Any], name: str, *, required: bool = True, default: str = "") -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise Invalid(f"Missing value for required parameter '{name}'.")
        return default
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise Invalid(f"Invalid value {value!r} for parameter '{name}': expected a string.")
    if isinstance(value, str) and "\x00" in value:
        # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
        raise Invalid(f"Invalid value for parameter '{name}': it contains a NUL character.")
    return str(value)


def integer(
    data: Mapping[str, Any], name: str, *, required: bool = False, default: int | None = None
) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise Invalid(f"Missing value for required parameter '{name}'.")
        return default
    if isinstance(value, bool):
        raise Invalid(f"Invalid value {value!r} for parameter '{name}': expected an integer.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Invalid(
            f"Invalid value {value!r} for parameter '{name}': expected an integer."
        ) from None


def number(data: Mapping[str, Any], name: str, *, required: bool = True) -> float | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise Invalid(f"Missing value for required parameter '{name}'.")
        return None
    if isinstance(value, bool):
        raise Invalid(f"Invalid value {value!r} for parameter '{name}': expected a number.")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Invalid(
            f"Invalid value {value!r} for parameter '{name}': expected a number."
        ) from None


def string_list(data: Mapping[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise Invalid(
            f"Invalid value {value!r} for parameter '{name}': expected a list of strings."
        )
    return [str(v) for v in value]


def tags(data: Mapping[str, Any], name: str = "tags") -> dict[str, str]:
    """``[{"key": ..., "value": ...}]`` as a dict."""
    value = data.get(name) or []
    if not isinstance(value, list):
        raise Invalid(f"Invalid value for parameter '{name}': expected a list of key/value pairs.")
    found: dict[str, str] = {}
    for tag in value:
        if not isinstance(tag, Mapping) or not isinstance(tag.get("key"), str) or not tag["key"]:
            raise Invalid(f"Invalid value {tag!r} in '{name}': a tag needs a non-empty 'key'.")
        found[tag["key"]] = "" if tag.get("value") is None else str(tag["value"])
    return found


def timestamp_ms(moment: Any) -> int | None:
    """MLflow times are integer milliseconds since the epoch."""
    return None if moment is None else int(moment.timestamp() * 1000)
