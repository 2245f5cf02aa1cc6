"""LangSmith runs as spans of the one span model.

The ``langsmith`` client (and LangChain's tracer) sends a run as a *post* (``POST /runs``, or a
``post`` item of ``/runs/batch`` / ``post.<id>`` part of ``/runs/multipart``) and, usually, a
later *patch* carrying ``end_time``, ``outputs`` and ``error``. The span table is insert-once,
so a run is converted and ingested only once it is complete (it has an ``end_time``):

* a post with ``end_time`` is ingested at once;
* a post without one, or a patch before its post, waits as a :class:`PendingRun` row, the
  fields merged field by field (what a later operation sends wins), until the run is complete;
  then the run is ingested and the row deleted in one transaction;
* a post or patch of a run already stored changes nothing: ``spans_ingest`` keeps the first
  version of a span (a client retry is a no-op, as LangSmith treats it).

A run that never ends (its process died before the patch) stays pending until
:func:`pending_runs_expire` (run by the retention task) deletes pending rows untouched for
``PENDING_MAX_AGE``; a run whose process died mid-run is never a span, as in LangSmith's
"pending" state that never resolves.

Conversion contract (:func:`run_to_raw_span`), read by the LangSmith convention mapping
(``llmops/tracing/conventions/langsmith.py``), which interprets the content:

* ids: ``trace_id = trace_id_of(run.trace_id)``, ``span_id = span_id_of(run.id)``, parent
  ``span_id_of(run.parent_run_id)`` (``llmops/tracing/run_ids.py``); a missing trace or parent
  is read from ``dotted_order`` (its first segment's id is the trace, its second-to-last the
  parent); times from ``start_time`` / ``end_time``; status error (2) with ``status_message`` =
  ``error`` when ``error`` is set, else unset (0); name = the run's ``name``; OTel kind internal.
* attributes (scope ``"langsmith"``):

  - ``langsmith.run_type`` (str)
  - ``langsmith.inputs``, ``langsmith.outputs``, ``langsmith.extra``, ``langsmith.events``,
    ``langsmith.serialized``: each the JSON text of the run's field, when present (not None)
  - ``langsmith.tags``: JSON text of the list of tags (when present)
  - ``langsmith.session_name``: the project the run was sent to (``project_name``: the run's
    ``session_name``, or the name of the project ``session_id`` names, or ``"default"``)
  - ``langsmith.session_id`` (when present), ``langsmith.run_id``,
    ``langsmith.parent_run_id`` (when present), ``langsmith.dotted_order`` (when present),
    ``langsmith.reference_example_id`` (when present): strings
  - ``langsmith.error`` (str, when present)

  Nothing else is read here: inputs, outputs, usage, model and kinds are the mapping's.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from llmops.domain_errors import Invalid, NotFound
from llmops.tenancy.models import Project
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.models import PendingRun, Span
from llmops.tracing.otlp import RawSpan
from llmops.tracing.run_ids import span_id_of, trace_id_of

SCOPE = "langsmith"
PREFIX = "langsmith."
STATUS_UNSET = 0
STATUS_ERROR = 2
OTEL_KIND_INTERNAL = 1
DEFAULT_SESSION = "default"

# The run fields carried as JSON text, by attribute name.
_JSON_FIELDS = ("inputs", "outputs", "extra", "events", "serialized")
_ID_FIELDS = ("session_id", "parent_run_id", "reference_example_id")
# One dotted_order segment: the run's start (compact ISO, microseconds, UTC) then its id.
_SEGMENT = re.compile(r"^(\d{8}T\d{6})(\d{1,6})?Z([0-9a-fA-F-]{32,36})$")


class InvalidRun(Invalid):
    """A run field that cannot be read; ``field`` is its path in the request."""


class RunNotFound(NotFound):
    """No run with this id in the project (stored or still running)."""


def parse_uuid(value: Any, *, field: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise InvalidRun("Must be a UUID string.", field=field)
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidRun("Must be a UUID.", field=field) from None


def optional_uuid(value: Any, *, field: str) -> uuid.UUID | None:
    return None if value is None or value == "" else parse_uuid(value, field=field)


def parse_time(value: Any, *, field: str) -> datetime:
    """An ISO 8601 time; without an offset it is UTC (the client sends UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidRun("Must be an ISO 8601 date and time.", field=field) from None
    else:
        raise InvalidRun("Must be an ISO 8601 date and time string.", field=field)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def optional_time(value: Any, *, field: str) -> datetime | None:
    return None if value is None else parse_time(value, field=field)


def _ns(moment: datetime) -> int:
    # Integer arithmetic: a float timestamp loses the microseconds of today's times.
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def dotted_segments(dotted_order: str, *, field: str) -> list[tuple[datetime, uuid.UUID]]:
    """(start, run id) of each segment, root first."""
    segments: list[tuple[datetime, uuid.UUID]] = []
    for segment in dotted_order.split("."):
        match = _SEGMENT.match(segment)
        if match is None:
            raise InvalidRun("Is not a LangSmith dotted order.", field=field)
        stamp, fraction, run_id = match.groups()
        try:
            start = datetime.strptime(stamp, "%Y%m%dT%H%M%S").replace(
                microsecond=int((fraction or "0").ljust(6, "0")), tzinfo=UTC
            )
            segments.append((start, uuid.UUID(run_id)))
        except ValueError:
            raise InvalidRun("Is not a LangSmith dotted order.", field=field) from None
    return segments


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def run_ids(
    run: Mapping[str, Any], *, where: str = ""
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID | None]:
    """(run id, trace run id, parent run id) of a run, missing ones read from its dotted order."""
    run_id = parse_uuid(run.get("id"), field=f"{where}id")
    trace = optional_uuid(run.get("trace_id"), field=f"{where}trace_id")
    parent = optional_uuid(run.get("parent_run_id"), field=f"{where}parent_run_id")
    dotted = run.get("dotted_order")
    if dotted is not None and not isinstance(dotted, str):
        raise InvalidRun("Must be a string.", field=f"{where}dotted_order")
    if dotted and (trace is None or parent is None):
        segments = dotted_segments(dotted, field=f"{where}dotted_order")
        if trace is None:
            trace = segments[0][1]
        if parent is None and len(segments) > 1:
            parent = segments[-2][1]
    # A run sent without trace or dotted order is a root: the client names its trace itself.
    return run_id, trace or run_id, parent


def run_to_raw_span(run: Mapping[str, Any], *, project_name: str) -> RawSpan:
    """The span of a complete run (it has ``start_time`` and ``end_time``)."""
    run_id, trace, parent = run_ids(run)
    start = optional_time(run.get("start_time"), field="start_time")
    if start is None and isinstance(run.get("dotted_order"), str) and run["dotted_order"]:
        start = dotted_segments(run["dotted_order"], field="dotted_order")[-1][0]
    if start is None:
        raise InvalidRun("Required.", field="start_time")
    end = parse_time(run.get("end_time"), field="end_time")
    name = run.get("name")
    if not isinstance(name, str):
        raise InvalidRun("Required: a string.", field="name")
    run_type = run.get("run_type")
    if run_type is not None and not isinstance(run_type, str):
        raise InvalidRun("Must be a string.", field="run_type")
    error = run.get("error")
    if error is not None and not isinstance(error, str):
        error = _json_text(error)
    attributes: dict[str, Any] = {
        "langsmith.run_id": str(run_id),
        "langsmith.session_name": project_name,
    }
    if run_type:
        attributes["langsmith.run_type"] = run_type
    for key in _JSON_FIELDS:
        if run.get(key) is not None:
            attributes[PREFIX + key] = _json_text(run[key])
    tags = run.get("tags")
    if tags is not None:
        if not isinstance(tags, list):
            raise InvalidRun("Must be a list of strings.", field="tags")
        attributes["langsmith.tags"] = _json_text([str(tag) for tag in tags])
    for key in _ID_FIELDS:
        value = optional_uuid(run.get(key), field=key)
        if value is not None:
            attributes[PREFIX + key] = str(value)
    if parent is not None:
        attributes["langsmith.parent_run_id"] = str(parent)
    if isinstance(run.get("dotted_order"), str) and run["dotted_order"]:
        attributes["langsmith.dotted_order"] = run["dotted_order"]
    if error:
        attributes["langsmith.error"] = error
    return RawSpan(
        trace_id=trace_id_of(trace),
        span_id=span_id_of(run_id),
        parent_span_id=span_id_of(parent) if parent is not None else "",
        name=name,
        otel_kind=OTEL_KIND_INTERNAL,
        start_ns=_ns(start),
        end_ns=_ns(end),
        attributes=attributes,
        events=[],
        status_code=STATUS_ERROR if error else STATUS_UNSET,
        status_message=error or "",
        resource={},
        scope=SCOPE,
    )


# Sent to name the project of a run that gives only ``session_id`` (kwargs: project,
# session_id: UUID); a receiver that knows the session answers its name. Sessions (LangSmith
# projects and experiments) belong to a context above this one.
session_name_wanted = Signal()


@dataclass(frozen=True)
class RunOp:
    """One post or patch of a run, as received; ``where`` names it in errors (``post[0].``)."""

    kind: str  # "post" or "patch"
    fields: Mapping[str, Any]
    where: str = ""


def check_run(op: RunOp) -> uuid.UUID:
    """Refuse a post or patch with an unreadable field (422 naming it); its run id."""
    run, where = op.fields, op.where
    run_id, _, _ = run_ids(run, where=where)
    for key in ("start_time", "end_time"):
        optional_time(run.get(key), field=f"{where}{key}")
    for key in _ID_FIELDS:
        optional_uuid(run.get(key), field=f"{where}{key}")
    for key in ("name", "run_type", "session_name"):
        if run.get(key) is not None and not isinstance(run[key], str):
            raise InvalidRun("Must be a string.", field=f"{where}{key}")
    if op.kind == "post" and not isinstance(run.get("name"), str):
        raise InvalidRun("Required: a string.", field=f"{where}name")
    tags = run.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise InvalidRun("Must be a list of strings.", field=f"{where}tags")
    return run_id


def _merged(base: Mapping[str, Any], op: RunOp) -> dict[str, Any]:
    # A patch wins for every field it sends; a post (first, late or retried) fills only what no
    # patch has sent, so a patch that came first is not undone by its post.
    sent = {key: value for key, value in op.fields.items() if value is not None}
    return {**base, **sent} if op.kind == "patch" else {**sent, **base}


def _session_name(project: Project, run: Mapping[str, Any]) -> str:
    name = run.get("session_name")
    if isinstance(name, str) and name:
        return name
    session = optional_uuid(run.get("session_id"), field="session_id")
    if session is not None:
        for _, answer in session_name_wanted.send(
            sender=PendingRun, project=project, session_id=session
        ):
            if isinstance(answer, str) and answer:
                return answer
    return DEFAULT_SESSION


def _check_window(run: Mapping[str, Any], raw: RawSpan, latest_ns: int) -> None:
    # The same window spans_ingest keeps, checked here to name the field: one bad run refuses
    # its request instead of being dropped alone after a 2xx.
    for key, ns in (("start_time", raw.start_ns), ("end_time", raw.end_ns)):
        if not _EARLIEST_NS <= ns <= latest_ns:
            raise InvalidRun(
                "Outside the accepted window (from 2000-01-01 to one day ahead of the server's "
                "clock).",
                field=key,
            )
    if raw.end_ns < raw.start_ns:
        raise InvalidRun("Is before start_time.", field="end_time")


_EARLIEST_NS = 946_684_800 * 10**9
_FUTURE_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class RunsResult:
    stored: int  # runs complete in this request and ingested (or already stored)
    pending: int  # runs still waiting for their end


def runs_receive(*, project: Project, ops: Sequence[RunOp]) -> RunsResult:
    """Merge posts and patches with what is pending, and ingest every run now complete; all of
    it or nothing is committed when this returns.

    Every op is checked first, so a bad one stores nothing of its request. Pending rows of the
    request's runs are locked (created first when missing, so two requests about one run wait
    for each other instead of both writing it), merged, then either ingested and deleted or
    saved.
    """
    by_run: dict[uuid.UUID, list[RunOp]] = {}
    for op in ops:
        by_run.setdefault(check_run(op), []).append(op)
    if not by_run:
        return RunsResult(stored=0, pending=0)
    latest_ns = _ns(datetime.now(UTC) + _FUTURE_SLACK)
    with transaction.atomic():
        PendingRun.objects.bulk_create(
            [PendingRun(project=project, run_id=run_id) for run_id in by_run],
            ignore_conflicts=True,
        )
        rows = {
            row.run_id: row
            for row in PendingRun.objects.select_for_update()
            .filter(project=project, run_id__in=list(by_run))
            .order_by("run_id")
        }
        complete: list[tuple[PendingRun, dict[str, Any], RawSpan]] = []
        waiting: list[PendingRun] = []
        for run_id, run_ops in by_run.items():
            # Missing only when a concurrent request completed the run (and deleted its row)
            # while this one waited for the lock: start afresh; a stored run is caught below.
            row = rows.get(run_id) or PendingRun(project=project, run_id=run_id)
            fields: dict[str, Any] = dict(row.fields)
            has_post = row.has_post
            for op in run_ops:
                fields = _merged(fields, op)
                has_post = has_post or op.kind == "post"
            fields["id"] = str(run_id)
            if has_post and fields.get("end_time") is not None:
                try:
                    raw = run_to_raw_span(fields, project_name=_session_name(project, fields))
                    _check_window(fields, raw, latest_ns)
                except InvalidRun as exc:
                    # Named after the run's first op, where the client can find the field.
                    raise InvalidRun(exc.message, field=f"{run_ops[0].where}{exc.field}") from None
                complete.append((row, fields, raw))
                continue
            _, trace, _ = run_ids(fields)
            row.fields, row.has_post, row.trace_id = fields, has_post, trace_id_of(trace)
            waiting.append(row)
        if complete:
            result = spans_ingest(project=project, raw_spans=[raw for _, _, raw in complete])
            if result.rejected:
                first = result.rejected[0]
                raise InvalidRun(f"Run refused: {first.reason}.", field="runs")
            _delete([row for row, _, _ in complete])
        # A late post (a retry) of a run already stored would wait forever: its span is there.
        done = _stored(project, waiting)
        _delete(done)
        for row in waiting:
            if row in done:
                continue
            if row.pk is None:
                row.save()
            else:
                row.save(update_fields=["fields", "has_post", "trace_id", "updated_at"])
    return RunsResult(stored=len(complete), pending=len(waiting) - len(done))


def _delete(rows: Sequence[PendingRun]) -> None:
    saved = [row.pk for row in rows if row.pk is not None]
    if saved:
        PendingRun.objects.filter(pk__in=saved).delete()


def _stored(project: Project, rows: Sequence[PendingRun]) -> list[PendingRun]:
    if not rows:
        return []
    wanted = {(row.trace_id, span_id_of(row.run_id)): row for row in rows}
    found = Span.objects.filter(
        project=project,
        trace_id__in={trace for trace, _ in wanted},
        span_id__in={span for _, span in wanted},
    ).values_list("trace_id", "span_id")
    return [wanted[key] for key in found if key in wanted]


# A week without a post or patch: longer than any run the client keeps open (a long agent run
# is patched when it ends, however late, as long as it ends within this).
PENDING_MAX_AGE = timedelta(days=7)


def pending_runs_expire(*, now: datetime | None = None) -> int:
    """Forget runs that never ended (their process died before the patch), in every project:
    the retention task's part for LangSmith ingestion."""
    before = (now or datetime.now(UTC)) - PENDING_MAX_AGE
    deleted, _ = PendingRun.objects.filter(updated_at__lt=before).delete()
    return deleted
