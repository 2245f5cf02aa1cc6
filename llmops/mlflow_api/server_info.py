"""What the mlflow client asks of any tracking server before it starts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from llmops.tenancy.access import PUBLIC
from llmops.tenancy.api.access_check import declare_access

# The MLflow release whose REST surface these endpoints follow.
COMPATIBLE_VERSION = "3.17.2"


@declare_access({"GET": PUBLIC})
def version(request: HttpRequest) -> HttpResponse:
    return HttpResponse(COMPATIBLE_VERSION, content_type="text/plain")


@declare_access({"GET": PUBLIC})
def server_info(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"store_type": "SqlStore", "workspaces_enabled": False})
