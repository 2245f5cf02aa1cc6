"""Refuse oversized request bodies before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from llmops.restapi.errors import error_body


class BodyLimitMiddleware:
    """Answer 413 when the declared body is larger than ``LLMOPS_MAX_REQUEST_BYTES``.

    DRF parsers read the request stream directly, so Django's own upload limit is not consulted
    for JSON bodies; this check runs first for every view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return JsonResponse(
                error_body("invalid", f"Content-Length: not a number: {declared!r}"), status=400
            )
        limit: int = settings.MAX_REQUEST_BYTES
        if length > limit:
            return JsonResponse(
                error_body(
                    "request_too_large",
                    f"request body is {length} bytes; the limit is {limit} bytes "
                    "(LLMOPS_MAX_REQUEST_BYTES)",
                ),
                status=413,
            )
        return self.get_response(request)
