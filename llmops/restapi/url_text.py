"""NUL in a URL is refused with 400 before any view looks it up.

A name with NUL cannot exist (PostgreSQL cannot store NUL in text), but looking it up would
reach the database driver, which refuses the query: a 500. The JSON body gets the same check
from its parser (llmops/restapi/json_limits.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from llmops.restapi.errors import INVALID, problem_response

_MESSAGE = "NUL characters (\\u0000) are not allowed."


def _shown(name: str) -> str:
    return name.replace("\x00", "\\u0000")


class UrlTextMiddleware:
    """400 naming the path parameter or query parameter that holds a NUL."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        for name, value in view_kwargs.items():
            if isinstance(value, str) and "\x00" in value:
                return problem_response(request, INVALID, _MESSAGE, field=name)
        if "\x00" in request.path_info:
            return problem_response(request, INVALID, _MESSAGE, field="path")
        # Only a percent-encoded %00 decodes to NUL; skip parsing the common query string.
        if "%00" in request.META.get("QUERY_STRING", ""):
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return problem_response(request, INVALID, _MESSAGE, field=_shown(name))
        return None
