"""Datasets, examples and sessions as the ``langsmith`` client writes them, onto the platform's
versioned datasets and external experiments (docs/langsmith.md).

- A LangSmith dataset is a platform dataset; its UUID holds the platform id (``dataset_uuid``),
  so every dataset of the platform has one, whoever made it, without a stored mapping.
- An example is an item: its id is the item's key (a UUID string). Creating examples is one
  new dataset version; an example sent again exactly as stored makes none, so a retried
  request changes nothing; sent with other content it replaces the stored one.
- A session (LangSmith's tracing project) is an :class:`Experiment` with ``session_id``;
  ``evaluate()`` creates one with ``reference_dataset_id``: that is the experiment, whose runs
  (with ``reference_example_id``) become its results (llmops/evaluation/domain/experiments.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from llmops.domain_errors import Conflict
from llmops.evaluation.domain.datasets import ItemInput, items_change
from llmops.evaluation.models import Dataset, DatasetItem, Experiment
from llmops.evaluation.selectors import items_at
from llmops.tenancy.models import Project

# A dataset's LangSmith id is a UUIDv8 whose top 48 bits are this marker and whose low 62
# bits are the platform id: reversible, so a read by id needs no lookup table.
_MARKER = 0x6C6C6D6F7073  # "llmops"
_LOW_BITS = 62


def dataset_uuid(dataset_pk: int) -> uuid.UUID:
    value = (_MARKER << 80) | (0x8 << 76) | (0b10 << _LOW_BITS) | dataset_pk
    return uuid.UUID(int=value)


def dataset_pk_of(dataset_id: uuid.UUID) -> int | None:
    """The platform id a LangSmith dataset id holds, or None for a UUID that is not one."""
    value = dataset_id.int
    if value >> 80 != _MARKER or (value >> 76) & 0xF != 0x8 or (value >> _LOW_BITS) & 0b11 != 2:
        return None
    return value & ((1 << _LOW_BITS) - 1)


def dataset_create(
    *, project: Project, name: str, description: str, metadata: dict[str, Any]
) -> Dataset:
    """A new dataset; LangSmith answers a name in use with a 409."""
    try:
        with transaction.atomic():
            if Dataset.objects.filter(project=project, name=name).exists():
                raise Conflict(f"a dataset named {name!r} already exists", field="name")
            return Dataset.objects.create(
                project=project, name=name, description=description, metadata=metadata
            )
    except IntegrityError:  # created meanwhile by another request
        raise Conflict(f"a dataset named {name!r} already exists", field="name") from None


@dataclass(frozen=True)
class ExampleIn:
    key: str
    inputs: Any
    outputs: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    source_run_id: str = ""


def _same(row: DatasetItem, example: ExampleIn) -> bool:
    return bool(
        row.input == example.inputs
        and row.expected == example.outputs
        and row.metadata == example.metadata
    )


def examples_create(
    *, project: Project, dataset: Dataset, examples: Sequence[ExampleIn], author: str
) -> list[DatasetItem]:
    """Store ``examples`` in ``dataset`` as one new version (none if every one is stored
    exactly so), and return their rows in the order given."""
    keys = [example.key for example in examples]
    if len(set(keys)) != len(keys):
        raise Conflict("the same example id appears twice in one request", field="id")
    with transaction.atomic():
        # The dataset's row lock (taken again by items_change) orders concurrent writes.
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        elsewhere = (
            DatasetItem.objects.filter(
                dataset__project=project, key__in=keys, removed_in__isnull=True
            )
            .exclude(dataset=locked)
            .values_list("key", flat=True)
            .first()
        )
        if elsewhere is not None:
            raise Conflict(f"example {elsewhere} belongs to another dataset", field="id")
        current = {
            row.key: row for row in items_at(locked, locked.latest_version).filter(key__in=keys)
        }
        changed = [
            example
            for example in examples
            if example.key not in current or not _same(current[example.key], example)
        ]
        if changed:
            version = items_change(
                dataset=locked,
                upsert=[
                    ItemInput(
                        input=example.inputs,
                        expected=example.outputs,
                        metadata=example.metadata,
                        key=example.key,
                    )
                    for example in changed
                ],
                note="examples created",
                author=author,
            )
            made = DatasetItem.objects.filter(
                dataset=locked, added_in=version.number, key__in=[e.key for e in changed]
            )
            current.update({row.key: row for row in made})
    for row in current.values():
        row.dataset = locked
    return [current[key] for key in keys]


def _session_extra(extra: dict[str, Any] | None, stored: dict[str, Any]) -> dict[str, Any]:
    if extra is None:
        return stored
    # The client sends the whole metadata it wants kept (evaluate() merges it first).
    return {**stored, **extra}


def session_create(
    *,
    project: Project,
    session_id: uuid.UUID,
    name: str,
    description: str,
    extra: dict[str, Any] | None,
    dataset: Dataset | None,
    upsert: bool,
) -> Experiment:
    """A new session; a name in use is a 409 (``evaluate()`` then tries another name) unless
    ``upsert``, which updates the session of that name. The same id sent again (a retry) is
    the stored session."""
    with transaction.atomic():
        same_id = Experiment.objects.filter(project=project, session_id=session_id).first()
        if same_id is not None:
            if same_id.name != name:
                raise Conflict("a session with this id has another name", field="id")
            return same_id
        named = (
            Experiment.objects.select_for_update()
            .filter(project=project, name=name, session_id__isnull=False)
            .first()
        )
        if named is not None:
            if not upsert:
                raise Conflict(f"a session named {name!r} already exists", field="name")
            if description:
                named.description = description
            named.extra = _session_extra(extra, named.extra)
            if dataset is not None and named.dataset_id is None:
                named.dataset = dataset
            named.save(update_fields=["description", "extra", "dataset"])
            return named
        try:
            with transaction.atomic():
                return Experiment.objects.create(
                    project=project,
                    external_id=str(session_id),
                    session_id=session_id,
                    name=name,
                    description=description,
                    extra=extra or {},
                    dataset=dataset,
                )
        except IntegrityError:  # the same name or id, created meanwhile
            raise Conflict(f"a session named {name!r} already exists", field="name") from None


def session_update(
    *,
    session: Experiment,
    name: str | None,
    description: str | None,
    extra: dict[str, Any] | None,
    end_time: datetime | None,
) -> Experiment:
    with transaction.atomic():
        locked = Experiment.objects.select_for_update().get(pk=session.pk)
        if name is not None and name != locked.name:
            taken = (
                Experiment.objects.filter(project=locked.project, name=name)
                .exclude(session_id__isnull=True)
                .exists()
            )
            if taken:
                raise Conflict(f"a session named {name!r} already exists", field="name")
            locked.name = name
        if description is not None:
            locked.description = description
        locked.extra = _session_extra(extra, locked.extra)
        if end_time is not None:
            locked.end_time = end_time
        locked.save(update_fields=["name", "description", "extra", "end_time"])
    return locked
