"""LangSmith run ingestion and run reads onto the one span model (docs/langsmith.md).

The ``langsmith`` client (and LangChain's tracer) sends runs as ``POST /runs``, ``PATCH
/runs/{id}``, ``POST /runs/batch`` (``{"post": [...], "patch": [...]}``) or, by default,
``POST /runs/multipart``: parts ``post.<id>`` / ``patch.<id>`` (the run without its large
fields), ``post.<id>.inputs`` / ``.outputs`` / ``.events`` / ``.extra`` / ``.error`` /
``.serialized`` (those fields), ``feedback.<id>`` (a feedback, recorded as a score) and
``attachment.<id>.<name>`` (ignored: the platform stores no run attachments). Every request is
checked whole before anything is stored, and stored in one transaction: a 2xx means committed,
a 4xx (422 naming the field) means nothing of the request was stored. Runs become spans in
llmops/tracing/langsmith_runs.py; this view lives in scores because multipart ingestion carries
feedback too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import QueryDict
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.json_text import TOO_DEEP, first_unstorable_text, nests_too_deep
from llmops.langsmith_api.views import LangSmithMultipartView, LangSmithView, body
from llmops.scores import domain
from llmops.scores.langsmith_feedback import feedback_to_score
from llmops.tracing import langsmith_runs, selectors
from llmops.tracing.api import access as tracing_actions
from llmops.tracing.conventions.langsmith import KINDS
from llmops.tracing.langsmith_runs import InvalidRun, RunOp, parse_uuid
from llmops.tracing.models import PendingRun, Span
from llmops.tracing.run_ids import span_id_of, trace_id_of

MAX_RUNS_PER_REQUEST = 1000
MAX_PAGE = 100
# Field parts of multipart ingestion: ``post.<id>.<field>``.
_FIELD_PARTS = frozenset({"inputs", "outputs", "events", "extra", "error", "serialized"})
# The platform's span kinds as LangSmith run types, for spans whose run type was not kept.
_RUN_TYPES = {"llm": "llm", "tool": "tool", "retriever": "retriever", "embedding": "embedding"}


def _ops(data: Mapping[str, Any]) -> list[RunOp]:
    ops: list[RunOp] = []
    for kind in ("post", "patch"):
        items = data.get(kind) or []
        if not isinstance(items, list):
            raise InvalidRun("Must be a list of runs.", field=kind)
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise InvalidRun("Must be a run object.", field=f"{kind}[{index}]")
            ops.append(RunOp(kind, item, where=f"{kind}[{index}]."))
    if len(ops) > MAX_RUNS_PER_REQUEST:
        raise InvalidRun(f"At most {MAX_RUNS_PER_REQUEST} runs per request.", field="post")
    return ops


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (the client never sends them); nothing could store them.
    raise ValueError(f"{name} is not a JSON value")


def _part_json(name: str, text: Any) -> Any:
    if not isinstance(text, str):
        # A part sent as a file (with a filename): read its bytes.
        try:
            text = text.read().decode("utf-8")
        except (AttributeError, UnicodeDecodeError):
            raise InvalidRun("Must be UTF-8 JSON.", field=name) from None
    if nests_too_deep(text):
        raise InvalidRun(f"JSON {TOO_DEEP}.", field=name)
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        raise InvalidRun(f"Is not JSON: {exc}.", field=name) from None
    found = first_unstorable_text(value)
    if found is not None:
        path, problem = found
        raise InvalidRun(problem, field=name if path == "non_field_errors" else f"{name}.{path}")
    return value


Feedback = list[tuple[str, Mapping[str, Any]]]


def _multipart(request: Request) -> tuple[list[RunOp], Feedback]:
    runs: dict[tuple[str, str], dict[str, Any]] = {}
    feedback: Feedback = []
    if not isinstance(request.data, QueryDict):
        raise InvalidRun("Send the runs as multipart/form-data parts.", field="body")
    for name, values in request.data.lists():
        head, _, rest = name.partition(".")
        if head == "attachment":
            continue  # no run attachments are stored (docs/langsmith.md)
        value = _part_json(name, values[-1])
        if head == "feedback":
            if not isinstance(value, Mapping):
                raise InvalidRun("Must be a feedback object.", field=name)
            # Checked now, so a bad feedback stores nothing; converted again once the runs of
            # this request are in (a running run's trace is then known).
            feedback_to_score(value, where=f"{name}.")
            feedback.append((name, value))
            continue
        if head not in ("post", "patch") or not rest:
            raise InvalidRun("Unknown part: post.<id>, patch.<id> or feedback.<id>.", field=name)
        run_id, _, field = rest.partition(".")
        fields = runs.setdefault((head, run_id), {})
        if not field:
            if not isinstance(value, Mapping):
                raise InvalidRun("Must be a run object.", field=name)
            fields.update({k: v for k, v in value.items() if k not in fields})
        elif field in _FIELD_PARTS:
            fields[field] = value
        else:
            raise InvalidRun(f"Unknown run field part {field!r}.", field=name)
    ops: list[RunOp] = []
    # Posts before patches: a patch in the same request wins for what it sends.
    for (kind, run_id), fields in sorted(runs.items(), key=lambda item: item[0][0] == "patch"):
        sent = fields.get("id")
        if sent is not None and str(sent) != run_id:
            raise InvalidRun("Differs from the part's run id.", field=f"{kind}.{run_id}.id")
        ops.append(RunOp(kind, {**fields, "id": run_id}, where=f"{kind}.{run_id}."))
    if len(ops) > MAX_RUNS_PER_REQUEST:
        raise InvalidRun(f"At most {MAX_RUNS_PER_REQUEST} runs per request.", field="post")
    return ops, feedback


def _receive(view: LangSmithView, ops: list[RunOp], feedback: Feedback, request: Request) -> None:
    with transaction.atomic():
        langsmith_runs.runs_receive(project=view.project, ops=ops)
        if feedback:
            items = [
                feedback_to_score(value, where=f"{name}.", project=view.project)
                for name, value in feedback
            ]
            try:
                domain.scores_record(
                    project=view.project, items=items, author=str(request.user), many=True
                )
            except domain.InvalidScore as exc:
                # "[2].value" → "feedback.<id>.value": the part the client can find.
                index, _, rest = (exc.field or "").partition("].")
                if not index.startswith("[") or not index[1:].isdigit():
                    raise
                name = feedback[int(index[1:])][0]
                raise domain.InvalidScore(exc.message, field=f"{name}.{rest}") from None


class LangSmithRunsView(LangSmithView):
    """``POST /runs``: one run (a post)."""

    access = {"POST": tracing_actions.INGEST}

    def post(self, request: Request) -> Response:
        _receive(self, [RunOp("post", body(request))], [], request)
        return Response({}, status=status.HTTP_202_ACCEPTED)


class LangSmithRunView(LangSmithView):
    """``PATCH /runs/{id}`` (a patch) and ``GET /runs/{id}`` (``read_run``)."""

    access = {"PATCH": tracing_actions.INGEST, "GET": tracing_actions.READ}

    def patch(self, request: Request, run_id: str) -> Response:
        parsed = parse_uuid(run_id, field="run_id")
        data = body(request)
        sent = data.get("id")
        if sent is not None and str(sent) != str(parsed):
            raise InvalidRun("Differs from the run id of the path.", field="id")
        _receive(self, [RunOp("patch", {**data, "id": str(parsed)})], [], request)
        return Response({}, status=status.HTTP_202_ACCEPTED)

    def get(self, request: Request, run_id: str) -> Response:
        parsed = parse_uuid(run_id, field="run_id")
        span = selectors.langsmith_run_span(project=self.project, run_id=parsed)
        if span is not None:
            return Response(run_of_span(span))
        pending = selectors.langsmith_pending_run(project=self.project, run_id=parsed)
        if pending is not None and pending.has_post:
            return Response(run_of_pending(pending))
        raise langsmith_runs.RunNotFound("Run not found.")


class LangSmithRunBatchView(LangSmithView):
    """``POST /runs/batch``: ``{"post": [...], "patch": [...]}``."""

    access = {"POST": tracing_actions.INGEST}

    def post(self, request: Request) -> Response:
        _receive(self, _ops(body(request)), [], request)
        return Response({}, status=status.HTTP_202_ACCEPTED)


class LangSmithRunMultipartView(LangSmithMultipartView):
    """``POST /runs/multipart``: runs, their large fields and feedback as parts."""

    access = {"POST": tracing_actions.INGEST}

    def post(self, request: Request) -> Response:
        ops, feedback = _multipart(request)
        # Feedback parts need no more than the runs: an ingest key may send scores too.
        _receive(self, ops, feedback, request)
        return Response({}, status=status.HTTP_202_ACCEPTED)


def _filters(data: Mapping[str, Any]) -> selectors.LangSmithRunFilters:
    trace = data.get("trace")
    ids = data.get("id") or []
    if not isinstance(ids, list):
        raise InvalidRun("Must be a list of run ids.", field="id")
    parent = data.get("parent_run")
    run_type = data.get("run_type")
    if run_type is not None and not isinstance(run_type, str):
        raise InvalidRun("Must be a string.", field="run_type")
    for key in ("is_root", "error"):
        if data.get(key) is not None and not isinstance(data[key], bool):
            raise InvalidRun("Must be true or false.", field=key)
    for key in ("filter", "trace_filter", "tree_filter", "query"):
        if data.get(key):
            raise InvalidRun(
                "Filter expressions are not supported: filter by trace or id.", field=key
            )
    if not trace and not ids and not parent:
        raise InvalidRun(
            "Give trace, id or parent_run: runs are listed per trace here.", field="trace"
        )
    return selectors.LangSmithRunFilters(
        trace_id=trace_id_of(parse_uuid(trace, field="trace")) if trace else "",
        span_ids=tuple(span_id_of(parse_uuid(i, field="id")) for i in ids),
        parent_span_id=span_id_of(parse_uuid(parent, field="parent_run")) if parent else "",
        is_root=data.get("is_root"),
        # Run types are kept as span kinds (prompt and parser runs are chains).
        kinds=(KINDS.get(run_type.lower(), run_type),) if run_type else (),
        error=data.get("error"),
    )


class LangSmithRunQueryView(LangSmithView):
    """``POST /runs/query`` (``list_runs``): the runs of a trace, or of ids; cursor pages."""

    access = {"POST": tracing_actions.READ}

    def post(self, request: Request) -> Response:
        data = body(request)
        filters = _filters(data)
        limit = data.get("limit", MAX_PAGE)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise InvalidRun(f"Must be a whole number from 1 to {MAX_PAGE}.", field="limit")
        cursor = data.get("cursor") or "0"
        if not isinstance(cursor, str) or not cursor.isdigit() or len(cursor) > 12:
            raise InvalidRun("Is not a cursor of this server.", field="cursor")
        offset = int(cursor)
        spans = selectors.langsmith_run_spans(
            project=self.project, filters=filters, offset=offset, limit=limit + 1
        )
        more = len(spans) > limit
        return Response(
            {
                "runs": [run_of_span(span) for span in spans[:limit]],
                "cursors": {"next": str(offset + limit) if more else None},
            }
        )


def _json_attr(attrs: Mapping[str, Any], key: str) -> Any:
    # As sent (JSON text), or as the convention mapping put back what it did not map.
    value = attrs.get(f"langsmith.{key}")
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None


def _as_dict(value: Any, key: str) -> dict[str, Any] | None:
    if value is None:
        return None
    return dict(value) if isinstance(value, Mapping) else {key: value}


def _cost(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def run_of_span(span: Span) -> dict[str, Any]:
    """LangSmith's Run of a stored span: the fields as sent when the span kept them, else the
    span's own (a span of another source reads as a run too)."""
    attrs = span.attributes or {}
    run_id = attrs.get("langsmith.run_id") or str(uuid.UUID(int=int(span.span_id, 16)))
    inputs = _json_attr(attrs, "inputs")
    outputs = _json_attr(attrs, "outputs")
    extra = _json_attr(attrs, "extra")
    events = _json_attr(attrs, "events")
    serialized = _json_attr(attrs, "serialized")
    error = span.status_message if span.status == "error" else None
    return {
        "id": run_id,
        "name": span.name,
        "run_type": attrs.get("langsmith.run_type") or _RUN_TYPES.get(span.kind, "chain"),
        "start_time": span.start_time.isoformat(),
        "end_time": span.end_time.isoformat(),
        "inputs": inputs if isinstance(inputs, dict) else _as_dict(span.input, "input") or {},
        "outputs": outputs if isinstance(outputs, dict) else _as_dict(span.output, "output"),
        # The mapping keeps extra's metadata as the span's metadata and the rest apart.
        "extra": {**(extra if isinstance(extra, dict) else {}), "metadata": span.metadata},
        "error": error or None,
        "events": events if isinstance(events, list) else None,
        "serialized": serialized if isinstance(serialized, dict) else None,
        "tags": span.tags,
        "trace_id": str(uuid.UUID(span.trace_id)),
        "parent_run_id": attrs.get("langsmith.parent_run_id") or None,
        "dotted_order": attrs.get("langsmith.dotted_order") or "",
        "session_id": attrs.get("langsmith.session_id")
        or span.metadata.get("langsmith_project_id")
        or None,
        "reference_example_id": attrs.get("langsmith.reference_example_id") or None,
        "status": "error" if span.status == "error" else "success",
        "prompt_tokens": span.input_tokens,
        "completion_tokens": span.output_tokens,
        "total_tokens": span.total_tokens,
        "prompt_cost": _cost(span.cost_input),
        "completion_cost": _cost(span.cost_output),
        "total_cost": _cost(span.cost_total),
        "feedback_stats": None,
        "app_path": None,
    }


def run_of_pending(row: PendingRun) -> dict[str, Any]:
    """A run still running (posted, not ended), as sent so far."""
    fields = row.fields
    _, trace, parent = langsmith_runs.run_ids(fields)
    return {
        **{key: fields.get(key) for key in ("name", "run_type", "start_time", "extra", "tags")},
        "id": str(row.run_id),
        "inputs": fields.get("inputs") or {},
        "outputs": fields.get("outputs"),
        "end_time": None,
        "error": None,
        "trace_id": str(trace),
        "parent_run_id": str(parent) if parent else None,
        "dotted_order": fields.get("dotted_order") or "",
        "session_id": fields.get("session_id"),
        "reference_example_id": fields.get("reference_example_id"),
        "status": "pending",
    }
