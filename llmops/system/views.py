from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from llmops.system.health import check_broker, check_database
from llmops.tenancy.access import PUBLIC
from llmops.tenancy.api.access_check import DeclaredAccess, declare_access


class SchemaView(SpectacularAPIView):
    """The OpenAPI document: public, like the API's own description of itself."""

    permission_classes = [DeclaredAccess]
    access = {"GET": PUBLIC}


class SchemaDocsView(SpectacularSwaggerView):
    permission_classes = [DeclaredAccess]
    access = {"GET": PUBLIC}


@declare_access({"GET": PUBLIC})
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Unauthenticated liveness and readiness: 200 when the database and broker answer, else 503."""
    checks = [check_database(), check_broker()]
    healthy = all(check.ok for check in checks)
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "checks": [asdict(c) for c in checks]},
        status=200 if healthy else 503,
    )


# The Langfuse server release whose public API the /api/public/ endpoints follow.
LANGFUSE_COMPATIBLE_VERSION = "3.140.0"


@declare_access({"GET": PUBLIC})
@require_GET
def langfuse_health(request: HttpRequest) -> JsonResponse:
    """Langfuse's ``GET /api/public/health``: 200 ``OK`` while the database answers, else 503."""
    database = check_database()
    if not database.ok:
        return JsonResponse({"status": "Database not available"}, status=503)
    return JsonResponse({"status": "OK", "version": LANGFUSE_COMPATIBLE_VERSION})


@declare_access({"GET": PUBLIC, "POST": PUBLIC, "PATCH": PUBLIC, "PUT": PUBLIC, "DELETE": PUBLIC})
@csrf_exempt  # no session is involved: the answer is the same 404 for everyone
def langfuse_not_found(request: HttpRequest, path: str) -> JsonResponse:
    """Any other ``/api/public/`` path: Langfuse's JSON 404, so an SDK calling an endpoint this
    server does not serve gets an error it can read (a NotFoundError), not an HTML page."""
    return JsonResponse(
        {
            "message": f"/api/public/{path} is not served by this server (docs/langfuse.md "
            "lists the Langfuse endpoints it serves).",
            "error": "LangfuseNotFoundError",
        },
        status=404,
    )


@declare_access({"GET": PUBLIC, "POST": PUBLIC, "PATCH": PUBLIC, "PUT": PUBLIC, "DELETE": PUBLIC})
@csrf_exempt  # no session is involved: the answer is the same 404 for everyone
def langsmith_not_found(request: HttpRequest, path: str) -> JsonResponse:
    """Any other ``/langsmith/`` path: LangSmith's JSON 404 (the client raises its
    LangSmithNotFoundError), not the web UI's page."""
    return JsonResponse(
        {
            "detail": f"/langsmith/{path} is not served by this server (docs/langsmith.md "
            "lists the LangSmith endpoints it serves)."
        },
        status=404,
    )
