"""Marks the requests whose reads may come from a lagging read replica.

A view class opts in with ``reads_may_lag = True`` (lists, metrics, dashboards: a second-old
answer is as good as a fresh one there). Only safe methods (GET, HEAD, OPTIONS) are marked, so a
POST to the same view still reads the primary. Detail views never opt in: a client reads the row
it just wrote there, and the replica may not have it yet. The router that acts on the mark is
``llmops/db_routing.py``; with no replica configured the mark changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from llmops.db_routing import reads_may_lag

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def view_reads_may_lag(view_func: Callable[..., Any]) -> bool:
    """Whether the view (a class-based view's ``as_view()`` function, or a plain function)
    declares that its reads may lag."""
    view_class = getattr(view_func, "view_class", None)
    return bool(getattr(view_class or view_func, "reads_may_lag", False))


class ReadsMayLagMiddleware:
    """Sets ``db_routing.reads_may_lag`` for the view of a safe-method request that declares it,
    and resets it when the response is done, whatever happened in between."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A fresh value for every request: process_view below may set it, and the reset puts
        # back what the thread had before (False), so nothing leaks into the next request.
        token = reads_may_lag.set(False)
        try:
            return self.get_response(request)
        finally:
            reads_may_lag.reset(token)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.method in SAFE_METHODS and view_reads_may_lag(view_func):
            reads_may_lag.set(True)
        return None
