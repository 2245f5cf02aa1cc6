"""LangSmith feedback as scores: one mapping for ``POST /feedback`` and for the ``feedback.<id>``
parts of ``POST /runs/multipart``.

A feedback names its run (``run_id``) and the run's trace (``trace_id``, the root run id); the
score is on that span: ``trace_id_of(trace_id)`` / ``span_id_of(run_id)``
(``llmops/tracing/run_ids.py``). Without ``trace_id`` the trace is the stored span's (the scores
domain looks it up by span id); without ``run_id`` the score is on the whole trace. The
feedback's ``key`` is the score's name, its ``score`` (or, when there is none, its ``value``)
the score's value, typed as ``scores_record`` infers it (a number is numeric, a boolean boolean,
a string categorical); its ``id`` the score's id, so a retried send updates instead of
duplicating. What scores have no column for (the correction, the feedback source and config,
the extra dict, a ``value`` beside a ``score``) is kept in the score's metadata under
``langsmith``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from llmops.scores.domain import InvalidScore, ScoreInput
from llmops.scores.models import Source
from llmops.tenancy.models import Project
from llmops.tracing.run_ids import span_id_of, trace_id_of
from llmops.tracing.selectors import langsmith_pending_trace

MAX_NAME = 100
# feedback_source.type → the score's source: a model's judgement is an evaluation.
_SOURCES = {"api": Source.API, "model": Source.EVAL, "app": Source.SDK}
# Kept in metadata: what the score model has no column for.
_KEPT = ("correction", "feedback_source", "feedback_config", "extra", "session_id")


def _uuid(value: Any, *, field: str) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidScore("Must be a UUID string.", field=field)
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidScore("Must be a UUID.", field=field) from None


def feedback_to_score(
    feedback: Mapping[str, Any], *, where: str = "", project: Project | None = None
) -> ScoreInput:
    """The score a LangSmith feedback body records; ``where`` prefixes the fields named in
    errors (``feedback.<id>.`` for a multipart part). With ``project``, a feedback without
    ``trace_id`` on a run still running (not a span yet) gets the run's trace."""
    feedback_id = _uuid(feedback.get("id"), field=f"{where}id")
    run_id = _uuid(feedback.get("run_id"), field=f"{where}run_id")
    trace_id = _uuid(feedback.get("trace_id"), field=f"{where}trace_id")
    if run_id is None and trace_id is None:
        raise InvalidScore("Required: the run the feedback is about.", field=f"{where}run_id")
    key = feedback.get("key")
    if not isinstance(key, str) or not key.strip():
        raise InvalidScore("Required: a non-empty string.", field=f"{where}key")
    if len(key) > MAX_NAME:
        raise InvalidScore(f"At most {MAX_NAME} characters.", field=f"{where}key")
    score, value = feedback.get("score"), feedback.get("value")
    if score is None and value is None:
        raise InvalidScore("Required: a score or a value.", field=f"{where}score")
    if score is not None and not isinstance(score, bool | int | float):
        raise InvalidScore("Must be a number or a boolean.", field=f"{where}score")
    for name, number in (("score", score), ("value", value)):
        if isinstance(number, int) and not isinstance(number, bool):
            try:
                float(number)
            except OverflowError:
                raise InvalidScore("Must be a finite number.", field=f"{where}{name}") from None
    if score is None and isinstance(value, dict | list):
        raise InvalidScore(
            "A value without a score must be a number, a boolean or a string.",
            field=f"{where}value",
        )
    comment = feedback.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise InvalidScore("Must be a string.", field=f"{where}comment")
    source = feedback.get("feedback_source")
    source_type = source.get("type") if isinstance(source, Mapping) else None
    kept = {name: feedback[name] for name in _KEPT if feedback.get(name) is not None}
    if score is not None and value is not None:
        kept["value"] = value
    trace = trace_id_of(trace_id) if trace_id is not None else ""
    if not trace and run_id is not None and project is not None:
        trace = langsmith_pending_trace(project=project, run_id=run_id)
    return ScoreInput(
        name=key,
        value=score if score is not None else value,
        trace_id=trace,
        span_id=span_id_of(run_id) if run_id is not None else "",
        comment=comment or "",
        source=_SOURCES.get(source_type, Source.API)
        if isinstance(source_type, str)
        else Source.API,
        metadata={"langsmith": kept} if kept else {},
        id=feedback_id,
    )
