"""How a context's pointer and history tables are described to the pointer code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models


def _the_row(target: models.Model) -> object:
    return target


@dataclass(frozen=True, kw_only=True)
class PointerKind[P: models.Model, T: models.Model, H: models.Model]:
    """A pointer table ``pointers`` and its history table ``history``.

    The pointer row has ``owner_field`` (a foreign key), ``name_field`` and ``target_field`` (a
    foreign key to the target); the history row has ``owner_field``, ``history_name_field``,
    ``from_field``, ``to_field`` (both nullable for a clear; ``from`` always) and ``at_field``
    (``auto_now_add``). ``recorded_as`` turns a target into what the history stores.
    """

    pointers: type[P]
    history: type[H]
    owner_field: str
    name_field: str
    history_name_field: str
    target_field: str = "version"
    from_field: str = "from_version"
    to_field: str = "to_version"
    at_field: str = "moved_at"
    recorded_as: Callable[[Any], object] = field(default=_the_row)

    def key(self, owner: models.Model, name: str) -> dict[str, object]:
        return {self.owner_field: owner, self.name_field: name}

    def history_key(self, owner: models.Model, name: str) -> dict[str, object]:
        return {self.owner_field: owner, self.history_name_field: name}

    def target_id(self, pointer: P) -> object:
        """The target's primary key, read from the pointer row without loading the target."""
        return getattr(pointer, f"{self.target_field}_id")


@dataclass(frozen=True)
class MoveRequest[P: models.Model, T: models.Model]:
    """What a guard sees: the pointer row, locked (None on a first move), and the target."""

    pointer: P | None
    target: T
    unchanged: bool


@dataclass(frozen=True)
class Moved[P: models.Model, T: models.Model, H: models.Model, V]:
    """A move that took effect: the pointer row, its previous target, the history row, and the
    guard's verdict."""

    pointer: P
    previous: T | None
    history: H
    verdict: V


@dataclass(frozen=True)
class Cleared[T: models.Model, H: models.Model]:
    """A pointer that was deleted: its last target and the history row of the clear."""

    previous: T
    history: H


def unguarded(request: MoveRequest[Any, Any]) -> None:
    """The guard of a pointer anyone may move."""
    return None
