"""Keyset cursors: the position after the last item of a page, for any (field, id) ordering.

Offsets get slower the deeper a client pages and skip or repeat rows when new rows arrive;
a keyset cursor continues exactly after the last row seen, at index speed.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import exceptions


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and "t" in value:
        return datetime.fromisoformat(value["t"])
    if isinstance(value, dict) and "d" in value:
        return Decimal(value["d"])
    if isinstance(value, dict) and "u" in value:
        return uuid.UUID(value["u"])
    return value


def encode(values: list[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, *, expected: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != expected:
            raise ValueError
        return [_decode_value(v) for v in values]
    except ValueError:
        raise exceptions.ValidationError(
            {"cursor": ["Not a cursor this endpoint issued."]}
        ) from None


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


def page[M](
    queryset: QuerySet[Any, M], *, ordering: tuple[str, str], cursor: str | None, limit: int
) -> tuple[list[M], str | None]:
    """One page of ``queryset`` ordered by ``ordering`` (a field and a unique tie-breaker)."""
    fields = [name.lstrip("-") for name in ordering]
    if cursor:
        first, second = decode(cursor, expected=2)
        op = "lt" if ordering[0].startswith("-") else "gt"
        op2 = "lt" if ordering[1].startswith("-") else "gt"
        queryset = queryset.filter(
            Q(**{f"{fields[0]}__{op}": first})
            | Q(**{fields[0]: first, f"{fields[1]}__{op2}": second})
        )
    items = list(queryset.order_by(*ordering)[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    next_cursor = (
        encode([_field(items[-1], fields[0]), _field(items[-1], fields[1])])
        if more and items
        else None
    )
    return items, next_cursor


def page_where[M](
    queryset: QuerySet[Any, M],
    *,
    ordering: tuple[str, str],
    cursor: str | None,
    limit: int,
    keep: Callable[[M], bool],
    max_pages: int,
) -> tuple[list[M], str | None]:
    """One page of the rows of ``queryset`` that ``keep`` accepts, for a test SQL cannot make.

    Pages are scanned until one is full, at most ``max_pages`` at a time; the cursor carries
    on from the last row scanned, or after the last row returned when the page filled up.
    """
    fields = [name.lstrip("-") for name in ordering]
    matched: list[M] = []
    next_cursor = cursor
    for _ in range(max_pages):
        scanned, next_cursor = page(queryset, ordering=ordering, cursor=next_cursor, limit=limit)
        for row in scanned:
            if len(matched) < limit and keep(row):
                matched.append(row)
            elif len(matched) >= limit:
                # Full: continue after the last item returned, not the last one scanned.
                last = matched[-1]
                next_cursor = encode([_field(last, fields[0]), _field(last, fields[1])])
                break
        if len(matched) >= limit or next_cursor is None:
            break
    return matched, next_cursor
