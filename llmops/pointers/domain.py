"""Moving and clearing a pointer: lock, guard, no-op check, write, record.

See the package docstring for the contract. Both functions open a transaction (a savepoint
inside the caller's); the caller's own follow-up writes belong in the same outer transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, models, transaction

from llmops.pointers.kinds import Cleared, Moved, MoveRequest, PointerKind


def _locked[P: models.Model, T: models.Model, H: models.Model](
    kind: PointerKind[P, T, H], owner: models.Model, name: str
) -> P | None:
    return (
        kind.pointers._default_manager.select_for_update().filter(**kind.key(owner, name)).first()
    )


def _touched(pointer: models.Model) -> list[str]:
    # The auto_now fields (``updated_at``): save(update_fields=...) only refreshes those named.
    return [f.name for f in pointer._meta.concrete_fields if getattr(f, "auto_now", False)]


def pointer_move[P: models.Model, T: models.Model, H: models.Model, V](
    kind: PointerKind[P, T, H],
    *,
    owner: models.Model,
    name: str,
    target: T,
    guard: Callable[[MoveRequest[P, T]], V],
    details: Callable[[V], Mapping[str, Any]],
) -> Moved[P, T, H, V] | None:
    """Point ``(owner, name)`` at ``target``, creating the pointer on its first move.

    None when it already points there (after the guard has seen the request). ``details``
    gives the history row's own columns from the guard's verdict.
    """
    with transaction.atomic():
        # Twice at most: a first move that loses the race to create the row goes round again
        # and then finds the winner's row, which it locks (waiting for the winner's commit).
        for attempt in range(2):
            pointer = _locked(kind, owner, name)
            unchanged = pointer is not None and kind.target_id(pointer) == target.pk
            verdict = guard(MoveRequest(pointer=pointer, target=target, unchanged=unchanged))
            if unchanged:
                return None
            previous: T | None = None
            if pointer is None:
                try:
                    with transaction.atomic():
                        pointer = kind.pointers._default_manager.create(
                            **kind.key(owner, name), **{kind.target_field: target}
                        )
                except IntegrityError:
                    if attempt:
                        raise
                    continue
            else:
                previous = getattr(pointer, kind.target_field)
                setattr(pointer, kind.target_field, target)
                pointer.save(update_fields=[kind.target_field, *_touched(pointer)])
            history = kind.history._default_manager.create(
                **kind.history_key(owner, name),
                **{
                    kind.from_field: kind.recorded_as(previous) if previous is not None else None,
                    kind.to_field: kind.recorded_as(target),
                },
                **details(verdict),
            )
            return Moved(pointer=pointer, previous=previous, history=history, verdict=verdict)
    raise AssertionError("unreachable: the second attempt returns or raises")


def pointer_clear[P: models.Model, T: models.Model, H: models.Model](
    kind: PointerKind[P, T, H],
    *,
    owner: models.Model,
    name: str,
    details: Mapping[str, Any],
) -> Cleared[T, H] | None:
    """Delete the pointer ``(owner, name)`` and record a move to nothing; None if there is no
    such pointer (nothing is recorded)."""
    with transaction.atomic():
        pointer = _locked(kind, owner, name)
        if pointer is None:
            return None
        previous: T = getattr(pointer, kind.target_field)
        pointer.delete()
        history = kind.history._default_manager.create(
            **kind.history_key(owner, name),
            **{kind.from_field: kind.recorded_as(previous), kind.to_field: None},
            **details,
        )
    return Cleared(previous=previous, history=history)
