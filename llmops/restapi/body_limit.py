"""Refuse oversized request bodies before anything reads them, and bodies nothing would read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from llmops.restapi.errors import error_body


def is_chunked(request: HttpRequest) -> bool:
    """The body is sent with ``Transfer-Encoding: chunked`` (its length is not declared)."""
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()


def reads_chunked_body[View: Callable[..., Any]](view: View) -> View:
    """Mark a view that reads a chunked body itself, bounded as it reads (the OTLP receiver)."""
    view.reads_chunked_body = True  # type: ignore[attr-defined]
    return view


class BodyLimitMiddleware:
    """Answer 413 when the declared body is larger than ``LLMOPS_MAX_REQUEST_BYTES``, and 411
    when a chunked body is sent to a view that cannot read one.

    DRF parsers read the request stream directly, so Django's own upload limit is not consulted
    for JSON bodies; this check runs first for every view. A chunked body declares no length:
    Django then reads nothing of it, and a view would act on an empty body as if it were the one
    sent, so only views marked ``reads_chunked_body`` (which enforce the limit while reading)
    may receive one.
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

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if is_chunked(request) and not getattr(view_func, "reads_chunked_body", False):
            return JsonResponse(
                error_body(
                    "length_required",
                    "a chunked request body cannot be read here; send it with a Content-Length",
                ),
                status=411,
            )
        return None
