"""Recording scores: validation of a value against its data type, and idempotent upserts."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from llmops.domain_errors import Invalid
from llmops.scores.models import DataType, Score, Source
from llmops.tenancy.models import Project
from llmops.tracing.models import Span

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
SPAN_ID = re.compile(r"^[0-9a-f]{16}$")
MAX_LABEL = 200
_UPDATABLE = (
    "trace_id",
    "span_id",
    "name",
    "data_type",
    "value",
    "string_value",
    "comment",
    "source",
    "metadata",
    "author",
)


# Sent after scores_record has committed; kwargs: project, trace_ids (of the scores stored).
# Evaluation turns the scores on an experiment item's trace into that item's verdicts.
scores_recorded = Signal()
# Sent for a score of an experiment as a whole (no trace: a Langfuse run-level evaluation);
# kwargs: project, experiment_id, score (a ScoreInput). The score model holds trace scores only,
# so the experiment's owner (evaluation) stores it and answers True; no True is a refusal.
experiment_score_sent = Signal()


class InvalidScore(Invalid):
    """A score that cannot be stored; ``field`` is its dotted path in the request body."""


@dataclass(frozen=True)
class ScoreInput:
    name: str
    value: Any
    trace_id: str = ""
    span_id: str = ""
    data_type: str | None = None
    comment: str = ""
    source: str = Source.API
    metadata: dict[str, Any] = field(default_factory=dict)
    id: uuid.UUID | None = None


def _typed_value(raw: Any, data_type: str | None, *, where: str) -> tuple[str, float | None, str]:
    """(data type, numeric value, label) of a raw value; the type is inferred when not given."""
    if data_type is None:
        if isinstance(raw, bool):
            data_type = DataType.BOOLEAN
        elif isinstance(raw, int | float):
            data_type = DataType.NUMERIC
        elif isinstance(raw, str):
            data_type = DataType.CATEGORICAL
        else:
            raise InvalidScore("Must be a number, a boolean or a string.", field=f"{where}value")
    if data_type == DataType.NUMERIC:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise InvalidScore("A numeric score needs a number.", field=f"{where}value")
        number = float(raw)
        if not math.isfinite(number):
            raise InvalidScore("Must be a finite number.", field=f"{where}value")
        return data_type, number, ""
    if data_type == DataType.BOOLEAN:
        # 1 and 1.0 hash like True (0 and 0.0 like False), so they are accepted too.
        truth: dict[object, bool] = {True: True, False: False, "true": True, "false": False}
        key = raw.lower() if isinstance(raw, str) else raw
        try:
            flag = truth[key]
        except (KeyError, TypeError):
            raise InvalidScore(
                "A boolean score needs true or false (or 1 / 0).", field=f"{where}value"
            ) from None
        return data_type, 1.0 if flag else 0.0, "true" if flag else "false"
    if data_type == DataType.CATEGORICAL:
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidScore(
                "A categorical score needs a non-empty label.", field=f"{where}value"
            )
        if len(raw) > MAX_LABEL:
            raise InvalidScore(f"Labels are at most {MAX_LABEL} characters.", field=f"{where}value")
        return data_type, None, raw
    raise InvalidScore(f"Must be one of: {', '.join(DataType.values)}.", field=f"{where}data_type")


def _resolve_trace(project: Project, item: ScoreInput, where: str) -> tuple[str, str]:
    trace_id = item.trace_id.lower()
    span_id = item.span_id.lower()
    if trace_id and not TRACE_ID.match(trace_id):
        raise InvalidScore("Must be 32 hexadecimal characters.", field=f"{where}trace_id")
    if span_id and not SPAN_ID.match(span_id):
        raise InvalidScore("Must be 16 hexadecimal characters.", field=f"{where}span_id")
    if not trace_id and not span_id:
        raise InvalidScore("Give trace_id, span_id or both.", field=f"{where}trace_id")
    if not trace_id:
        found = (
            Span.objects.filter(project=project, span_id=span_id)
            .values_list("trace_id", flat=True)
            .first()
        )
        if found is None:
            raise InvalidScore(
                "Required: no stored span has this span_id yet, so the trace cannot be looked up.",
                field=f"{where}trace_id",
            )
        trace_id = found
    return trace_id, span_id


def scores_record(
    *, project: Project, items: Sequence[ScoreInput], author: str, many: bool
) -> list[Score]:
    """Validate every item, then store all of them or none. An item whose id is already stored
    in the project is updated (a retried send, or a corrected judgement). Ids are the project's
    own: the same id in another project is another score, and is neither read nor reported."""
    rows: list[Score] = []
    for index, item in enumerate(items):
        where = f"[{index}]." if many else ""
        data_type, value, label = _typed_value(item.value, item.data_type, where=where)
        trace_id, span_id = _resolve_trace(project, item, where)
        rows.append(
            Score(
                id=item.id or uuid.uuid4(),
                project=project,
                trace_id=trace_id,
                span_id=span_id,
                name=item.name,
                data_type=data_type,
                value=value,
                string_value=label,
                comment=item.comment,
                source=item.source,
                metadata=item.metadata,
                author=author,
            )
        )
    # The same id twice in one request: the later item wins, as two sends in a row would.
    unique = list({row.id: row for row in rows}.values())
    ids = [row.id for row in unique]
    with transaction.atomic():
        existing = set(
            Score.objects.filter(project=project, id__in=ids).values_list("id", flat=True)
        )
        Score.objects.bulk_create([row for row in unique if row.id not in existing])
        for row in unique:
            if row.id in existing:
                Score.objects.filter(project=project, id=row.id).update(
                    **{name: getattr(row, name) for name in _UPDATABLE}, updated_at=timezone.now()
                )
    scores_recorded.send(
        sender=Score, project=project, trace_ids=sorted({row.trace_id for row in unique})
    )
    return rows


def experiment_score_record(*, project: Project, experiment_id: str, item: ScoreInput) -> None:
    """A score of a whole experiment, validated as any score, stored by the experiment's owner."""
    _typed_value(item.value, item.data_type, where="")
    answers = experiment_score_sent.send(
        sender=Score, project=project, experiment_id=experiment_id, score=item
    )
    if not any(stored for _, stored in answers):
        raise InvalidScore("No experiment with this id can hold the score.", field="datasetRunId")


def score_delete(*, project: Project, score_id: uuid.UUID) -> bool:
    deleted, _ = Score.objects.filter(project=project, id=score_id).delete()
    return deleted > 0
