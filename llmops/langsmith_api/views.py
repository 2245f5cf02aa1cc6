"""The base of every LangSmith-compatible endpoint (under ``/langsmith/``), and ``GET /info``.

The ``langsmith`` client (and LangChain's tracer, which uses it) authenticates with a project
secret key in ``X-Api-Key`` (``LANGSMITH_API_KEY``); ``Authorization`` works too. It sends JSON
(or multipart for run ingestion) and expects LangSmith's JSON and ``{"detail"}`` errors back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request

from llmops.domain_errors import Invalid
from llmops.langsmith_api.errors import as_response
from llmops.tenancy.access import PUBLIC
from llmops.tenancy.api.access_check import declare_access
from llmops.tenancy.api.scoping import ForeignProtocolView, LenientJSONParser
from llmops.tenancy.authentication import ApiKeyAuthentication, HeaderApiKeyAuthentication

# The LangSmith server release whose REST surface these endpoints follow.
COMPATIBLE_VERSION = "0.11.0"


class LangSmithView(ForeignProtocolView):
    """Project-scoped like every endpoint (the key names the project); LangSmith-shaped errors;
    outside the platform's OpenAPI document."""

    authentication_classes = [HeaderApiKeyAuthentication, ApiKeyAuthentication]
    answer_error = staticmethod(as_response)
    challenge = 'ApiKey realm="llmops", header="X-Api-Key"'


class LangSmithMultipartView(LangSmithView):
    """A LangSmith endpoint that reads ``multipart/form-data`` (run and example ingestion)."""

    parser_classes = [MultiPartParser, LenientJSONParser]


def body(request: Request) -> Mapping[str, Any]:
    data = request.data
    if not isinstance(data, Mapping):
        raise Invalid("The request body must be a JSON object.", field="body")
    return data


@declare_access({"GET": PUBLIC})
def info(request: HttpRequest) -> JsonResponse:
    """What the client reads before its first upload: batch and multipart ingestion are served,
    compressed (zstd) parts are not, so the client sends them plain."""
    return JsonResponse(
        {
            "version": COMPATIBLE_VERSION,
            "license_expiration_time": None,
            "batch_ingest_config": {
                "use_multipart_endpoint": True,
                "scale_up_qsize_trigger": 1000,
                "scale_up_nthreads_limit": 16,
                "scale_down_nempty_trigger": 4,
                "size_limit": 100,
                # What the server reads in one request (LLMOPS_MAX_REQUEST_BYTES), so the
                # client never builds a batch it would have refused with a 413.
                "size_limit_bytes": settings.MAX_REQUEST_BYTES,
            },
            "instance_flags": {
                "zstd_compression_enabled": False,
                "dataset_examples_multipart_enabled": False,
                "examples_multipart_enabled": False,
            },
        }
    )
