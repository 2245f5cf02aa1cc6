"""``POST /v1/traces``: the OTLP/HTTP trace receiver.

A plain Django view rather than DRF: the body is protobuf or OTLP JSON, never a DRF-parsed
payload, and this is the hottest path of the platform. Authentication is the same project API
key as the REST API (``Bearer <secret>`` or Basic ``public:secret``).

A 2xx means every accepted span is committed, so the view never answers 2xx for a body it did
not read to its end: a chunked body (no Content-Length) is read from the WSGI input, which
gunicorn de-chunks; a server that cannot promise that gets 411. A batch larger than the limits
(bytes raw, bytes decompressed, spans) gets 413 naming the setting, which OTLP exporters do not
retry, so a batch either succeeds or is refused for good.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from google.protobuf import json_format
from google.rpc import status_pb2
from rest_framework import exceptions

from llmops.restapi.body_limit import is_chunked, reads_chunked_body
from llmops.tenancy.access import Refused, authorize_key
from llmops.tenancy.api.access_check import declare_access
from llmops.tenancy.authentication import credentials_from_header
from llmops.tenancy.domain import api_key_authenticate
from llmops.tracing import otlp
from llmops.tracing.api import access as actions
from llmops.tracing.ingest import spans_ingest

# google.rpc.Code values used in error bodies, as the OTLP specification asks.
_INVALID_ARGUMENT = 3
_UNAUTHENTICATED = 16
_RESOURCE_EXHAUSTED = 8
_PERMISSION_DENIED = 7
_FAILED_PRECONDITION = 9


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == otlp.JSON


def _error(request: HttpRequest, status: int, code: int, message: str) -> HttpResponse:
    body = status_pb2.Status(code=code, message=message)
    if _wants_json(request):
        return HttpResponse(json_format.MessageToJson(body), status=status, content_type=otlp.JSON)
    return HttpResponse(body.SerializeToString(), status=status, content_type=otlp.PROTOBUF)


@reads_chunked_body
@declare_access({"POST": actions.INGEST})
@csrf_exempt
@require_POST
def export_traces(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    try:
        credentials = credentials_from_header(header) if header else None
    except exceptions.AuthenticationFailed as exc:
        return _error(request, 401, _UNAUTHENTICATED, str(exc.detail))
    if credentials is None:
        response = _error(
            request, 401, _UNAUTHENTICATED, "Authorization: a project API key is required"
        )
        response["WWW-Authenticate"] = 'Bearer realm="llmops"'
        return response
    api_key = api_key_authenticate(secret=credentials[0], public_key=credentials[1])
    if api_key is None:
        return _error(request, 401, _UNAUTHENTICATED, "Unknown or revoked API key.")
    try:
        authorize_key(api_key=api_key, needed=actions.INGEST)
    except Refused as exc:
        return _error(request, 403, _PERMISSION_DENIED, str(exc))
    try:
        otlp.media_type(request.headers.get("Content-Type", ""))
    except otlp.UnsupportedMediaType as exc:
        return _error(request, 415, _INVALID_ARGUMENT, str(exc))
    if is_chunked(request):
        if not request.META.get("wsgi.input_terminated"):
            # Without it the server may hand over the raw chunk framing or nothing at all.
            return _error(
                request,
                411,
                _FAILED_PRECONDITION,
                "this server cannot read a chunked body; send it with a Content-Length",
            )
        # Django reads nothing of a body without Content-Length; read the de-chunked input.
        read = request.META["wsgi.input"].read
    else:
        read = request.read
    try:
        body = otlp.read_body(
            read,
            content_encoding=request.headers.get("Content-Encoding", ""),
            max_raw=settings.MAX_REQUEST_BYTES,
            max_decoded=settings.OTLP_MAX_DECOMPRESSED_BYTES,
        )
        export = otlp.decode_request(body, content_type=request.headers.get("Content-Type", ""))
    except otlp.BodyTooLarge as exc:
        return _error(request, 413, _RESOURCE_EXHAUSTED, str(exc))
    except otlp.OtlpError as exc:
        return _error(request, 400, _INVALID_ARGUMENT, str(exc))
    count = otlp.span_count(export)
    if count > settings.OTLP_MAX_SPANS:
        return _error(
            request,
            413,
            _RESOURCE_EXHAUSTED,
            f"the batch has {count} spans; the limit is {settings.OTLP_MAX_SPANS} "
            "(LLMOPS_OTLP_MAX_SPANS): export smaller batches",
        )
    spans, rejected = otlp.iter_spans(export)
    result = spans_ingest(project=api_key.project, raw_spans=spans)
    body, content_type = otlp.encode_response(
        rejected=rejected + result.rejected, as_json=_wants_json(request)
    )
    return HttpResponse(body, status=200, content_type=content_type)
