"""Datasets with versioned items: every change is a new version; old versions stay readable.

An item row is valid from the version that added it up to the version that ended it, so the
items of version ``v`` are the rows with ``added_in <= v`` and no ``removed_in`` at or before
``v``. A run pins a version and reads exactly those rows however the dataset changes later.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from llmops.evaluation.errors import DatasetError
from llmops.evaluation.models import Dataset, DatasetItem, DatasetVersion
from llmops.evaluation.selectors import items_at
from llmops.json_text import TOO_DEEP, first_unstorable_text, nests_too_deep
from llmops.lineage.domain import NodeRef, node_record
from llmops.lineage.models import NodeKind
from llmops.tenancy.models import Project
from llmops.tracing.models import Span, Trace

MAX_ITEMS_PER_CHANGE = 10_000


@dataclass(frozen=True)
class ItemInput:
    input: Any
    expected: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    source_trace_id: str = ""
    source_span_id: str = ""


def dataset_create(*, project: Project, name: str, description: str = "") -> Dataset:
    if Dataset.objects.filter(project=project, name=name).exists():
        raise DatasetError(f"a dataset named {name!r} already exists", field="name")
    return Dataset.objects.create(project=project, name=name, description=description)


def items_change(
    *,
    dataset: Dataset,
    upsert: Sequence[ItemInput] = (),
    remove: Sequence[str] = (),
    note: str = "",
    author: str = "",
) -> DatasetVersion:
    """Add or replace items (by key) and remove items (by key) as one new version."""
    if not upsert and not remove:
        raise DatasetError("nothing to change: give items or keys to remove", field="items")
    if len(upsert) + len(remove) > MAX_ITEMS_PER_CHANGE:
        raise DatasetError(
            f"at most {MAX_ITEMS_PER_CHANGE} items per change; split the import", field="items"
        )
    keys = [item.key or uuid.uuid4().hex for item in upsert]
    if len(set(keys)) != len(keys):
        raise DatasetError("the same key appears twice in one change", field="items")
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        number = locked.latest_version + 1
        current = items_at(locked, locked.latest_version)
        unknown = set(remove) - set(current.filter(key__in=remove).values_list("key", flat=True))
        if unknown:
            raise DatasetError(f"no item with key {sorted(unknown)[0]!r}", field="remove")
        # End the rows being replaced or removed; their history stays.
        current.filter(key__in=[*keys, *remove]).update(removed_in=number)
        DatasetItem.objects.bulk_create(
            [
                DatasetItem(
                    dataset=locked,
                    key=key,
                    input=item.input,
                    expected=item.expected,
                    metadata=item.metadata,
                    source_trace_id=item.source_trace_id,
                    source_span_id=item.source_span_id,
                    added_in=number,
                )
                for key, item in zip(keys, upsert, strict=True)
            ],
            batch_size=1000,
        )
        count = items_at(locked, number).count()
        version = DatasetVersion.objects.create(
            dataset=locked, number=number, item_count=count, note=note, created_by=author
        )
        locked.latest_version = number
        locked.save(update_fields=["latest_version"])
        node_record(
            project=locked.project,
            kind=NodeKind.DATASET_VERSION,
            ref=str(version.pk),
            label=f"{locked.name} v{number}",
        )
    dataset.latest_version = number
    return version


def dataset_version_node(version: DatasetVersion) -> NodeRef:
    return NodeRef(
        NodeKind.DATASET_VERSION, str(version.pk), f"{version.dataset.name} v{version.number}"
    )


def _item_from_mapping(row: dict[str, Any], where: str) -> ItemInput:
    unknown = set(row) - {"key", "input", "expected", "expected_output", "metadata"}
    if unknown:
        raise DatasetError(f"{where}: unknown field {sorted(unknown)[0]!r}", field="file")
    if "input" not in row:
        raise DatasetError(f"{where}: 'input' is missing", field="file")
    metadata = row.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise DatasetError(f"{where}: 'metadata' must be an object", field="file")
    key = row.get("key")
    if key is not None and (not isinstance(key, str) or not key or len(key) > 200):
        raise DatasetError(f"{where}: 'key' must be a non-empty string", field="file")
    return ItemInput(
        input=row["input"],
        expected=row.get("expected", row.get("expected_output")),
        metadata=metadata,
        key=key,
    )


def _check_storable(row: Mapping[str, Any], number: int) -> None:
    # Here rather than at the insert, where PostgreSQL's refusal would be a 500.
    found = first_unstorable_text(row)
    if found is not None:
        raise DatasetError(f"line {number}: {found[0]}: {found[1]}", field="file")


def parse_jsonl(text: str) -> list[ItemInput]:
    items: list[ItemInput] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if nests_too_deep(line):
            raise DatasetError(f"line {number}: {TOO_DEEP}", field="file")
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"line {number}: not JSON ({exc.msg})", field="file") from None
        if not isinstance(row, dict):
            raise DatasetError(f"line {number}: must be a JSON object", field="file")
        _check_storable(row, number)
        items.append(_item_from_mapping(row, f"line {number}"))
    if not items:
        raise DatasetError("the file holds no items", field="file")
    return items


def _cell(value: str) -> Any:
    # CSV cells that hold JSON (objects, lists, numbers) are read as JSON; the rest is text.
    stripped = value.strip()
    if nests_too_deep(stripped):
        return value
    if stripped[:1] in ("{", "[") or stripped in ("true", "false", "null"):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def parse_csv(text: str) -> list[ItemInput]:
    """Columns ``input`` and optionally ``expected``, ``key``; other columns become input
    variables when there is no ``input`` column, else metadata."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        header, rows = reader.fieldnames, list(reader)
    except csv.Error as exc:  # a cell over the csv module's field limit, for one
        # line_num counts the lines read before the one that failed.
        raise DatasetError(f"line {reader.line_num + 1}: {exc}", field="file") from None
    if not header:
        raise DatasetError("the CSV has no header row", field="file")
    columns = [c.strip() for c in header]
    items: list[ItemInput] = []
    for number, raw in enumerate(rows, start=2):
        row = {k.strip(): v for k, v in raw.items() if k is not None}
        if None in raw:
            raise DatasetError(f"line {number}: more cells than columns", field="file")
        _check_storable(row, number)
        extra = {c: _cell(row[c] or "") for c in columns if c not in ("input", "expected", "key")}
        if "input" in columns:
            value, metadata = _cell(row["input"] or ""), extra
        else:
            value, metadata = extra, {}
        items.append(
            ItemInput(
                input=value,
                expected=_cell(row["expected"]) if row.get("expected") else None,
                metadata=metadata,
                key=row.get("key") or None,
            )
        )
    if not items:
        raise DatasetError("the CSV holds no rows", field="file")
    return items


def items_from_traces(
    *, project: Project, trace_ids: Sequence[str], span_ids: Sequence[str], output_as_expected: bool
) -> list[ItemInput]:
    """Items from stored traces (their input and output) and spans; unknown ids are a 400."""
    items: list[ItemInput] = []
    traces = {t.trace_id: t for t in Trace.objects.filter(project=project, trace_id__in=trace_ids)}
    for trace_id in trace_ids:
        trace = traces.get(trace_id)
        if trace is None:
            raise DatasetError(f"no stored trace {trace_id!r}", field="trace_ids")
        items.append(
            ItemInput(
                input=trace.input,
                expected=trace.output if output_as_expected else None,
                metadata={"source": "trace"},
                source_trace_id=trace_id,
            )
        )
    spans = {s.span_id: s for s in Span.objects.filter(project=project, span_id__in=span_ids)}
    for span_id in span_ids:
        span = spans.get(span_id)
        if span is None:
            raise DatasetError(f"no stored span {span_id!r}", field="span_ids")
        items.append(
            ItemInput(
                input=span.input,
                expected=span.output if output_as_expected else None,
                metadata={"source": "span", "span_name": span.name},
                source_trace_id=span.trace_id,
                source_span_id=span_id,
            )
        )
    return items


def items_import(*, dataset: Dataset, text: str, file_type: str, author: str) -> DatasetVersion:
    """Items parsed from a JSONL or CSV file (``file_type``), added as one new version."""
    if file_type not in ("jsonl", "csv"):
        raise DatasetError("Must be 'jsonl' or 'csv'.", field="file_type")
    items = parse_csv(text) if file_type == "csv" else parse_jsonl(text)
    return items_change(dataset=dataset, upsert=items, note=f"import ({file_type})", author=author)


def items_add_from_traces(
    *,
    project: Project,
    dataset: Dataset,
    trace_ids: Sequence[str],
    span_ids: Sequence[str],
    output_as_expected: bool,
    note: str,
    author: str,
) -> DatasetVersion:
    """Items made from stored traces and spans of the dataset's project, as one new version."""
    items = items_from_traces(
        project=project,
        trace_ids=trace_ids,
        span_ids=span_ids,
        output_as_expected=output_as_expected,
    )
    return items_change(dataset=dataset, upsert=items, note=note or "from traces", author=author)
