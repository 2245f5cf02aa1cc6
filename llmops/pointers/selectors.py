"""Reading a pointer's history, and where it pointed at a given time."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import QuerySet

from llmops.pointers.kinds import PointerKind


def pointer_history[P: models.Model, T: models.Model, H: models.Model](
    kind: PointerKind[P, T, H], *, owner: models.Model, name: str, at: datetime | None = None
) -> QuerySet[H]:
    """The pointer's history rows, newest first; with ``at``, only those at or before it."""
    rows = kind.history._default_manager.filter(**kind.history_key(owner, name))
    if at is not None:
        rows = rows.filter(**{f"{kind.at_field}__lte": at})
    return rows.order_by(f"-{kind.at_field}", "-pk")


def pointer_target_at[P: models.Model, T: models.Model, H: models.Model](
    kind: PointerKind[P, T, H], *, owner: models.Model, name: str, at: datetime
) -> object | None:
    """What the pointer pointed at, at ``at`` (as its history records targets); None before
    its first move or while it was cleared."""
    row = pointer_history(kind, owner=owner, name=name, at=at).first()
    return getattr(row, kind.to_field) if row is not None else None
