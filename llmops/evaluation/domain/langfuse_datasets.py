"""Datasets as the Langfuse SDKs write them, onto the platform's versioned datasets.

Langfuse upserts: creating a dataset that exists updates its description and metadata, and an
item is upserted on its id, which is unique in the project (not only in its dataset). An item id
is the platform item's key; every change of an item is a new dataset version (items_change), and
sending an item exactly as it is stored makes none, so a retried request changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from llmops.domain_errors import Conflict
from llmops.evaluation.domain.datasets import ItemInput, items_change
from llmops.evaluation.errors import EvaluationNotFound
from llmops.evaluation.models import Dataset, DatasetItem
from llmops.evaluation.selectors import dataset_get, items_at
from llmops.tenancy.models import Project


def dataset_upsert(
    *,
    project: Project,
    name: str,
    description: str | None,
    metadata: dict[str, Any] | None,
) -> Dataset:
    """The dataset named ``name``, created if new; a description or metadata given replaces
    the stored one (Langfuse's create is an upsert on the name)."""
    with transaction.atomic():
        dataset, created = Dataset.objects.select_for_update().get_or_create(
            project=project,
            name=name,
            defaults={"description": description or "", "metadata": metadata or {}},
        )
        if created:
            return dataset
        changed: list[str] = []
        if description is not None and description != dataset.description:
            dataset.description = description
            changed.append("description")
        if metadata is not None and metadata != dataset.metadata:
            dataset.metadata = metadata
            changed.append("metadata")
        if changed:
            dataset.save(update_fields=changed)
    return dataset


@dataclass(frozen=True)
class ItemUpsert:
    dataset_name: str
    input: Any
    expected: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    source_trace_id: str = ""
    source_span_id: str = ""
    archived: bool = False


def _same(row: DatasetItem, item: ItemUpsert) -> bool:
    return (
        row.input == item.input
        and row.expected == item.expected
        and row.metadata == item.metadata
        and row.source_trace_id == item.source_trace_id
        and row.source_span_id == item.source_span_id
    )


def item_upsert(*, project: Project, item: ItemUpsert, author: str) -> DatasetItem:
    """Store ``item`` as a new version of its dataset (unless it is stored exactly so) and
    return its row; an archived item is removed from the dataset's next version."""
    dataset = dataset_get(project=project, name=item.dataset_name)
    key = item.key or str(uuid.uuid4())
    with transaction.atomic():
        # The dataset's row lock (taken again by items_change) orders concurrent upserts.
        Dataset.objects.select_for_update().get(pk=dataset.pk)
        dataset.refresh_from_db(fields=["latest_version"])
        elsewhere = (
            DatasetItem.objects.filter(dataset__project=project, key=key, removed_in__isnull=True)
            .exclude(dataset=dataset)
            .exists()
        )
        if elsewhere:
            raise Conflict("an item with this id belongs to another dataset", field="id")
        current = items_at(dataset, dataset.latest_version).filter(key=key).first()
        if item.archived:
            if current is None:
                raise EvaluationNotFound("Dataset item not found.", field="id")
            items_change(dataset=dataset, remove=[key], note="archived", author=author)
            current.refresh_from_db()
            return current
        if current is not None and _same(current, item):
            return current
        version = items_change(
            dataset=dataset,
            upsert=[
                ItemInput(
                    input=item.input,
                    expected=item.expected,
                    metadata=item.metadata,
                    key=key,
                    source_trace_id=item.source_trace_id,
                    source_span_id=item.source_span_id,
                )
            ],
            note="item upserted",
            author=author,
        )
        return DatasetItem.objects.get(dataset=dataset, key=key, added_in=version.number)
