"""Decoding OTLP/HTTP trace exports (protobuf or JSON, gzip or not) into plain spans.

Only this module knows the OTLP wire format. It validates each span on its own, so one span
with a bad id is rejected (and reported) without failing the rest of its batch. The body is read
with its limits enforced while reading (raw bytes, then decompressed bytes), and an OTLP JSON
body is checked for depth before any recursive parser sees it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from llmops.tracing import fast_json

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
# Deepest nesting of brackets an OTLP JSON body may have. A span's own structure takes about 12
# levels and each nested attribute value (kvlist or array) about 4 more, so this leaves room for
# values nested twenty deep while keeping json.loads and protobuf's json_format (both recursive)
# far from Python's recursion limit.
MAX_JSON_DEPTH = 100
_READ_SIZE = 64 * 1024


class OtlpError(ValueError):
    """The body is not a valid OTLP export; the message says why."""


class UnsupportedMediaType(OtlpError):
    """The Content-Type is neither OTLP protobuf nor OTLP JSON."""


class BodyTooLarge(OtlpError):
    """A size limit was passed; the message names the setting that sets it."""


@dataclass(frozen=True, slots=True)
class RawSpan:
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    otel_kind: int
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    events: list[dict[str, Any]]
    status_code: int
    status_message: str
    resource: dict[str, Any]
    scope: str


@dataclass(frozen=True, slots=True)
class Rejection:
    span_id: str
    reason: str


def any_value(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which == "string_value":
        return value.string_value
    if which == "int_value":
        return value.int_value
    if which == "double_value":
        return value.double_value
    if which == "bool_value":
        return value.bool_value
    if which == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if which == "kvlist_value":
        return key_values(value.kvlist_value.values)
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return None


def key_values(items: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    item: KeyValue
    for item in items:
        result[item.key] = any_value(item.value)
    return result


def media_type(content_type: str) -> str:
    """The OTLP media type of a Content-Type header; UnsupportedMediaType if it has none."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in (PROTOBUF, JSON):
        raise UnsupportedMediaType(
            f"Content-Type {content_type!r} is not supported; use {PROTOBUF} or {JSON}"
        )
    return media


def read_body(
    read: Callable[[int], bytes], *, content_encoding: str, max_raw: int, max_decoded: int
) -> bytes:
    """Read a request body to its end through ``read`` and undo its Content-Encoding.

    Both limits are enforced while reading: at most ``max_raw`` bytes are taken from the stream
    and at most ``max_decoded`` bytes are inflated, so neither a long (chunked) upload nor a
    small body that inflates into gigabytes (a decompression bomb) is ever held in memory.
    """
    encoding = content_encoding.strip().lower()
    if encoding not in ("", "identity", "gzip", "deflate"):
        raise OtlpError(f"Content-Encoding {encoding!r} is not supported; use gzip or none")
    # wbits 32+15 accepts gzip and zlib headers.
    inflater = zlib.decompressobj(32 + zlib.MAX_WBITS) if encoding in ("gzip", "deflate") else None
    parts: list[bytes] = []
    raw_size = 0
    decoded_size = 0
    while chunk := read(_READ_SIZE):
        raw_size += len(chunk)
        if raw_size > max_raw:
            raise BodyTooLarge(
                f"request body exceeds the limit of {max_raw} bytes (LLMOPS_MAX_REQUEST_BYTES)"
            )
        if inflater is None:
            parts.append(chunk)
            continue
        try:
            data = inflater.decompress(chunk, max_decoded - decoded_size + 1)
        except zlib.error as exc:
            raise OtlpError(f"body is not valid {encoding}: {exc}") from None
        decoded_size += len(data)
        if decoded_size > max_decoded or inflater.unconsumed_tail:
            raise BodyTooLarge(
                f"decompressed body exceeds the limit of {max_decoded} bytes "
                "(LLMOPS_OTLP_MAX_DECOMPRESSED_BYTES)"
            )
        parts.append(data)
    if inflater is not None and raw_size and not inflater.eof:
        # A cut stream would otherwise decode into a prefix of the batch, stored as if whole.
        raise OtlpError(f"body is not valid {encoding}: the compressed stream is truncated")
    return b"".join(parts)


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_INNERMOST_PAIRS = re.compile(rb"\[\]|\{\}")


def check_json_depth(data: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than ``limit`` without recursing (OtlpError names the limit).

    Strings are cut out and only the brackets kept; each pass then removes the innermost pairs,
    so a body of depth d is empty after d passes. Every pass is a C-speed regular expression.
    """
    skeleton = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    too_deep = re.compile(rb"[\[{]{%d}" % (limit + 1))
    for _ in range(limit + 1):
        if not skeleton:
            return
        if too_deep.search(skeleton):
            break
        reduced = _INNERMOST_PAIRS.sub(b"", skeleton)
        if len(reduced) == len(skeleton):
            raise OtlpError("body is not valid JSON: unbalanced brackets")
        skeleton = reduced
    raise OtlpError(f"JSON body is nested deeper than {limit} levels (the OTLP JSON depth limit)")


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(node: Any) -> Any:
    # json.loads joins escaped surrogate pairs, so any surrogate left in a string is a lone one;
    # protobuf refuses to hold those, which would refuse the whole batch for one bad string.
    if isinstance(node, str):
        return node if node.isascii() else _SURROGATE.sub("\ufffd", node)
    if isinstance(node, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_lone_surrogates(item) for item in node]
    return node


def _hex_id_to_base64(value: Any, length: int) -> str:
    # OTLP/JSON writes ids as hex, where protobuf's JSON mapping expects base64. An id that is
    # not valid hex becomes empty so that only its span is rejected, later, with a reason.
    if not isinstance(value, str) or len(value) != length * 2:
        return ""
    try:
        return base64.b64encode(binascii.unhexlify(value)).decode("ascii")
    except (binascii.Error, ValueError):
        return ""


def _fix_json_ids(document: Any) -> None:
    if not isinstance(document, dict):
        raise OtlpError("JSON body must be an object with 'resourceSpans'")
    for resource_spans in document.get("resourceSpans") or document.get("resource_spans") or []:
        for scope_spans in (
            resource_spans.get("scopeSpans") or resource_spans.get("scope_spans") or []
        ):
            for span in scope_spans.get("spans") or []:
                if not isinstance(span, dict):
                    continue
                for key, length in (
                    ("traceId", 16),
                    ("spanId", 8),
                    ("parentSpanId", 8),
                    ("trace_id", 16),
                    ("span_id", 8),
                    ("parent_span_id", 8),
                ):
                    if key in span and span[key] != "":
                        span[key] = _hex_id_to_base64(span[key], length)
                for link in span.get("links") or []:
                    if isinstance(link, dict):
                        for key, length in (("traceId", 16), ("spanId", 8)):
                            if key in link:
                                link[key] = _hex_id_to_base64(link[key], length)


def decode_request(data: bytes, *, content_type: str) -> ExportTraceServiceRequest:
    """Parse a decompressed body of ``content_type`` (OtlpError says what is wrong)."""
    media = media_type(content_type)
    request = ExportTraceServiceRequest()
    if media == PROTOBUF:
        try:
            request.ParseFromString(data)
        except DecodeError as exc:
            raise OtlpError(
                f"body is not a valid OTLP protobuf ExportTraceServiceRequest: {exc}"
            ) from None
        return request
    check_json_depth(data)
    try:
        document = fast_json.loads_document(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OtlpError(f"body is not valid JSON: {exc}") from None
    if _SURROGATE_ESCAPE.search(data):
        document = _without_lone_surrogates(document)
    _fix_json_ids(document)
    try:
        json_format.ParseDict(document, request, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise OtlpError(f"body is not a valid OTLP JSON ExportTraceServiceRequest: {exc}") from None
    return request


def span_count(request: ExportTraceServiceRequest) -> int:
    return sum(
        len(scope_spans.spans)
        for resource_spans in request.resource_spans
        for scope_spans in resource_spans.scope_spans
    )


def _valid_id(raw: bytes, length: int) -> bool:
    return len(raw) == length and raw != bytes(length)


def iter_spans(request: ExportTraceServiceRequest) -> tuple[list[RawSpan], list[Rejection]]:
    spans: list[RawSpan] = []
    rejected: list[Rejection] = []
    for resource_spans in request.resource_spans:
        resource = key_values(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope = scope_spans.scope.name
            for span in scope_spans.spans:
                span_hex = span.span_id.hex()
                if not _valid_id(span.trace_id, 16):
                    rejected.append(Rejection(span_hex, "invalid trace id: need 16 non-zero bytes"))
                    continue
                if not _valid_id(span.span_id, 8):
                    rejected.append(Rejection(span_hex, "invalid span id: need 8 non-zero bytes"))
                    continue
                if span.parent_span_id and not _valid_id(span.parent_span_id, 8):
                    rejected.append(Rejection(span_hex, "invalid parent span id"))
                    continue
                if span.start_time_unix_nano == 0:
                    rejected.append(Rejection(span_hex, "missing start time"))
                    continue
                end_ns = span.end_time_unix_nano or span.start_time_unix_nano
                if end_ns < span.start_time_unix_nano:
                    rejected.append(Rejection(span_hex, "end time is before start time"))
                    continue
                spans.append(
                    RawSpan(
                        trace_id=span.trace_id.hex(),
                        span_id=span_hex,
                        parent_span_id=span.parent_span_id.hex(),
                        name=span.name,
                        otel_kind=span.kind,
                        start_ns=span.start_time_unix_nano,
                        end_ns=end_ns,
                        attributes=key_values(span.attributes),
                        events=[
                            {
                                "name": event.name,
                                "time_unix_nano": event.time_unix_nano,
                                "attributes": key_values(event.attributes),
                            }
                            for event in span.events
                        ],
                        status_code=span.status.code,
                        status_message=span.status.message,
                        resource=resource,
                        scope=scope,
                    )
                )
    return spans, rejected


def encode_response(*, rejected: list[Rejection], as_json: bool) -> tuple[bytes, str]:
    response = ExportTraceServiceResponse()
    if rejected:
        response.partial_success.rejected_spans = len(rejected)
        reasons = "; ".join(f"span {r.span_id or '(empty)'}: {r.reason}" for r in rejected[:20])
        more = f"; and {len(rejected) - 20} more" if len(rejected) > 20 else ""
        response.partial_success.error_message = reasons + more
    if as_json:
        return json_format.MessageToJson(response).encode(), JSON
    return response.SerializeToString(), PROTOBUF
