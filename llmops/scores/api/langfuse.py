"""Langfuse's score endpoints onto the platform's scores (docs/langfuse.md).

Two SDK generations send scores differently: the current one posts lists of scores to
``POST /api/public/scores`` (202 when all are stored, 207 with counts and messages when some are
not), the 3.x line posts batched ``score-create`` events to ``POST /api/public/ingestion`` (207
with a success or an error per event). Both land in :func:`llmops.scores.domain.scores_record`,
one score at a time, so that one bad score never costs the good ones of its batch, and every
success is answered only once its score is committed. A score of a whole experiment (a
``datasetRunId`` and no trace, Langfuse's run-level evaluations) is not a trace score: it is
handed to the experiment's run (llmops/evaluation/domain/experiments.py), which keeps it.

Langfuse score ids are arbitrary strings, the platform's are UUIDs: a UUID is kept as it is, any
other id maps to a UUID derived from it (the same string always gives the same UUID, so a
resend updates instead of duplicating) and is kept readable in the score's metadata.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.domain_errors import DomainError, Invalid
from llmops.langfuse_api.errors import as_response
from llmops.langfuse_api.views import (
    LangfuseView,
    body,
    iso,
    page,
    page_meta,
    storable,
    text,
    timestamp,
)
from llmops.scores import domain, selectors
from llmops.scores.api import access as actions
from llmops.scores.models import DataType, Score, Source

# Fixed forever: changing it would give every non-UUID Langfuse id a new score.
LANGFUSE_ID_NAMESPACE = uuid.UUID("8f6c1f8e-5b1e-4d0a-9a57-6a3c0e2f4b11")
MAX_SCORES_PER_REQUEST = 1000
MAX_NAME = 100
# Metadata keys this adapter writes; a client's own keys are kept beside them.
LANGFUSE_ID_KEY = "langfuse.id"
ENVIRONMENT_KEY = "langfuse.environment"
DATASET_RUN_KEY = "langfuse.dataset_run_id"
_DATA_TYPES = {
    "NUMERIC": DataType.NUMERIC,
    "BOOLEAN": DataType.BOOLEAN,
    "CATEGORICAL": DataType.CATEGORICAL,
}


def score_uuid(langfuse_id: str) -> uuid.UUID:
    """The platform id of a Langfuse score id: itself when it is a UUID, else derived from it."""
    try:
        return uuid.UUID(langfuse_id)
    except ValueError:
        return uuid.uuid5(LANGFUSE_ID_NAMESPACE, langfuse_id)


def _value(data: Mapping[str, Any]) -> Any:
    value = data.get("value")
    if value is None:
        raise Invalid("is required", field="value")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Invalid("must be a number or a string", field="value")
    if isinstance(value, int) and abs(value) > 2**1023:
        raise Invalid("must be a finite number", field="value")
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid("must be a finite number", field="value")
    storable(value, "value")
    return value


def _data_type(data: Mapping[str, Any], value: Any) -> str:
    raw = data.get("dataType")
    if raw is None:
        # Langfuse infers from the value: a string is a category, a number is numeric.
        return DataType.CATEGORICAL if isinstance(value, str) else DataType.NUMERIC
    if not isinstance(raw, str) or raw.upper() not in _DATA_TYPES:
        raise Invalid(f"must be one of {', '.join(_DATA_TYPES)}", field="dataType")
    return _DATA_TYPES[raw.upper()]


def _metadata(data: Mapping[str, Any]) -> dict[str, Any]:
    raw = data.get("metadata")
    if raw is None:
        metadata: dict[str, Any] = {}
    elif isinstance(raw, Mapping):
        metadata = dict(raw)
    else:
        # Langfuse accepts any JSON value as metadata; the platform's is an object.
        metadata = {"value": raw}
    storable(metadata, "metadata")
    return metadata


def score_input(data: Any) -> tuple[domain.ScoreInput, str]:
    """One Langfuse score body (camelCase) as the platform's score input, and the experiment
    it scores as a whole (``datasetRunId`` without a trace; else ""). A 400 names the field."""
    if not isinstance(data, Mapping):
        raise Invalid("must be a JSON object", field="body")
    name = text(data, "name", max_length=MAX_NAME)
    value = _value(data)
    data_type = _data_type(data, value)
    trace_id = text(data, "traceId", required=False, max_length=32)
    observation_id = text(data, "observationId", required=False, max_length=16)
    run_id = text(data, "datasetRunId", required=False, max_length=200)
    if not trace_id:
        if data.get("sessionId") not in (None, ""):
            raise Invalid("session-level scores are not stored; score a trace", field="sessionId")
        if not run_id:
            raise Invalid("is required", field="traceId")
        if observation_id:
            raise Invalid("needs traceId", field="observationId")
    elif not domain.TRACE_ID.match(trace_id.lower()):
        raise Invalid("must be 32 hexadecimal characters (a W3C trace id)", field="traceId")
    if observation_id and not domain.SPAN_ID.match(observation_id.lower()):
        raise Invalid("must be 16 hexadecimal characters (a W3C span id)", field="observationId")
    comment = text(data, "comment", required=False)
    metadata = _metadata(data)
    langfuse_id = text(data, "id", required=False, max_length=1000)
    score_id = score_uuid(langfuse_id) if langfuse_id else None
    if langfuse_id and str(score_id) != langfuse_id.lower():
        metadata[LANGFUSE_ID_KEY] = langfuse_id
    environment = text(data, "environment", required=False, max_length=200)
    if environment:
        metadata[ENVIRONMENT_KEY] = environment
    if run_id and trace_id:
        # An item's score that also names its run: a trace score; the run reads it from there.
        metadata[DATASET_RUN_KEY] = run_id
    item = domain.ScoreInput(
        name=name,
        value=value,
        trace_id=trace_id,
        span_id=observation_id,
        data_type=data_type,
        comment=comment,
        source=Source.SDK,
        metadata=metadata,
        id=score_id,
    )
    return item, "" if trace_id else run_id


@dataclass(frozen=True)
class Outcome:
    stored: bool
    status: int
    message: str = ""


def _record(view: LangfuseView, request: Request, data: Any) -> Outcome:
    """Validate and store one score (committed when this returns a success)."""
    try:
        item, experiment_id = score_input(data)
        if experiment_id:
            domain.experiment_score_record(
                project=view.project, experiment_id=experiment_id, item=item
            )
        else:
            domain.scores_record(
                project=view.project, items=[item], author=str(request.user), many=False
            )
    except DomainError as exc:
        response = as_response(exc)
        code = response.status_code if response is not None else status.HTTP_400_BAD_REQUEST
        message = response.data["message"] if response is not None else str(exc)
        return Outcome(stored=False, status=code, message=message)
    return Outcome(stored=True, status=status.HTTP_201_CREATED)


def _list(data: Any, name: str) -> Sequence[Any]:
    if not isinstance(data, list):
        raise Invalid("must be a list", field=name)
    if len(data) > MAX_SCORES_PER_REQUEST:
        raise Invalid(f"must hold at most {MAX_SCORES_PER_REQUEST} items", field=name)
    return data


class LangfuseScoresView(LangfuseView):
    """``POST /api/public/scores``: a list of scores (or one). 202 when every score is stored;
    207 ``{"accepted", "rejected", "errors": [{"message"}]}`` when some are not; 400 (the first
    error, naming its field) when none is."""

    access = {"POST": actions.SEND}

    def post(self, request: Request) -> Response:
        data = request.data
        scores = _list(data, "body") if isinstance(data, list) else [body(request)]
        outcomes = [_record(self, request, score) for score in scores]
        rejected = [
            (index, outcome) for index, outcome in enumerate(outcomes) if not outcome.stored
        ]
        if not rejected:
            return Response({"message": "Accepted"}, status=status.HTTP_202_ACCEPTED)
        many = isinstance(data, list)
        messages = [
            f"[{index}] {outcome.message}" if many else outcome.message
            for index, outcome in rejected
        ]
        if len(rejected) == len(outcomes):
            first = rejected[0][1]
            return Response(
                {"message": messages[0], "error": "InvalidRequestError"}, status=first.status
            )
        return Response(
            {
                "accepted": len(outcomes) - len(rejected),
                "rejected": len(rejected),
                "errors": [{"message": message} for message in messages],
            },
            status=status.HTTP_207_MULTI_STATUS,
        )


# Event types of Langfuse's batch ingestion that carry tracing data: the platform stores spans
# only from OpenTelemetry, so these are refused one by one with a pointer to the OTLP path.
OTLP_HINT = (
    "is not stored by this endpoint: send traces, spans, generations and events by "
    "OpenTelemetry to /api/public/otel/v1/traces (Langfuse SDK 3 and later do)"
)


class LangfuseIngestionView(LangfuseView):
    """``POST /api/public/ingestion`` ``{"batch": [{"id", "type", "timestamp", "body"}]}``:
    ``score-create`` events are stored; ``sdk-log`` events are client logs, acknowledged and
    dropped; every other type gets an error of its own. Always 207 with ``successes`` and
    ``errors`` per event id once the batch could be read."""

    access = {"POST": actions.SEND}

    def post(self, request: Request) -> Response:
        events = _list(body(request).get("batch"), "batch")
        successes: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for index, event in enumerate(events):
            if not isinstance(event, Mapping):
                errors.append(_event_error(str(index), 400, f"batch[{index}]: must be an object"))
                continue
            raw_id = event.get("id")
            event_id = raw_id if isinstance(raw_id, str) and raw_id else str(index)
            kind = event.get("type")
            if kind == "score-create":
                outcome = _record(self, request, event.get("body"))
                if outcome.stored:
                    successes.append({"id": event_id, "status": outcome.status})
                else:
                    errors.append(_event_error(event_id, outcome.status, outcome.message))
            elif kind == "sdk-log":
                successes.append({"id": event_id, "status": status.HTTP_201_CREATED})
            else:
                errors.append(_event_error(event_id, 400, f"type {kind!r} {OTLP_HINT}"))
        return Response(
            {"successes": successes, "errors": errors}, status=status.HTTP_207_MULTI_STATUS
        )


def _event_error(event_id: str, code: int, message: str) -> dict[str, Any]:
    return {"id": event_id, "status": code, "message": message, "error": message}


_SOURCES: dict[str, str] = {Source.ANNOTATION: "ANNOTATION", Source.EVAL: "EVAL"}


def score_json(score: Score) -> dict[str, Any]:
    """A stored score as Langfuse's v2 score list writes it."""
    metadata = dict(score.metadata) if isinstance(score.metadata, dict) else {}
    langfuse_id = metadata.pop(LANGFUSE_ID_KEY, None)
    environment = metadata.pop(ENVIRONMENT_KEY, None)
    run_id = metadata.pop(DATASET_RUN_KEY, None)
    categorical = score.data_type == DataType.CATEGORICAL
    return {
        "id": langfuse_id or str(score.id),
        "traceId": score.trace_id,
        "observationId": score.span_id or None,
        "sessionId": None,
        "datasetRunId": run_id,
        "name": score.name,
        "source": _SOURCES.get(score.source, "API"),
        "timestamp": iso(score.created_at),
        "createdAt": iso(score.created_at),
        "updatedAt": iso(score.updated_at),
        "authorUserId": None,
        "comment": score.comment or None,
        "metadata": metadata,
        "configId": None,
        "queueId": None,
        "environment": environment or "default",
        "dataType": score.data_type.upper(),
        # Langfuse maps a category to a number through a score config; without one it is 0.
        "value": 0.0 if categorical else score.value,
        **({"stringValue": _string_value(score)} if score.data_type != DataType.NUMERIC else {}),
    }


def _string_value(score: Score) -> str:
    # Langfuse writes a boolean's label as "True" / "False".
    if score.data_type == DataType.BOOLEAN:
        return score.string_value.capitalize()
    return score.string_value


_FILTERS = {
    "traceId": ("trace_id", 32),
    "observationId": ("span_id", 16),
    "name": ("name", MAX_NAME),
}


class LangfuseScoreListView(LangfuseView):
    """``GET /api/public/v2/scores``: a page of the project's scores, newest first, filtered by
    ``traceId``, ``observationId``, ``name``, ``dataType``, ``fromTimestamp``/``toTimestamp``
    (when stored)."""

    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        query = request.query_params
        number, limit = page(request)
        found = {
            field: value
            for name, (field, length) in _FILTERS.items()
            if (value := text(query, name, required=False, max_length=length))
        }
        raw_type = text(query, "dataType", required=False, max_length=20)
        if raw_type:
            found["data_type"] = _data_type({"dataType": raw_type}, None)
        filters = selectors.ScoreFilters(
            **found,
            start_from=timestamp(query, "fromTimestamp"),
            start_to=timestamp(query, "toTimestamp"),
        )
        scores = selectors.scores_filtered(project=self.project, filters=filters)
        rows = scores.order_by("-created_at", "-id")[(number - 1) * limit : number * limit]
        return Response(
            {
                "data": [score_json(score) for score in rows],
                "meta": page_meta(number, limit, scores.count()),
            }
        )


class LangfuseScoreView(LangfuseView):
    """``GET /api/public/v2/scores/{id}``: one score by its Langfuse id (or platform UUID)."""

    access = {"GET": actions.READ}

    def get(self, request: Request, score_id: str) -> Response:
        return Response(
            score_json(selectors.score_get(project=self.project, id=score_uuid(score_id)))
        )
