"""Hourly rollups of model calls: written with each ingest batch, compacted later, read by metrics.

Ingest adds *delta* rows (``rollups_add``): the calls of one batch are summed in Python per
(hour, dimension, value) and written with one INSERT, never by updating a shared row, so two
concurrent ingest transactions never wait on the same hot row. Compaction (``rollups_compact``)
later merges the delta rows of each key into one row. Readers always sum every row of a key, so
they are right before, during and after compaction.

Day rows (``grain="day"``, ``hour`` at midnight UTC) are derived: a day row of (project,
dimension, day, value) is always the merge of that day's *compacted* hour rows of the key. Ingest
never writes them (it stays one INSERT of hour deltas); every transaction that changes compacted
hour rows (compaction, rebuild, retention) recomputes the day rows of the days it touched before
it commits. So at any snapshot, day row + the day's hour rows still pending (``compacted=False``)
count every call of the day exactly once, and a reader of a month by day reads days x values
rows plus the few pending deltas instead of 720 hours x values.

Latency is kept as a DDSketch (1% relative accuracy) serialized as the library's protobuf
message; merging two sketches adds their bins, so a day's percentiles come from merging the
hours' sketches without touching the spans.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from hashlib import blake2b
from typing import Any
from uuid import UUID

from ddsketch.ddsketch import BaseDDSketch
from ddsketch.mapping import LogarithmicMapping
from ddsketch.pb import ddsketch_pb2 as pb
from ddsketch.pb.proto import KeyMappingProto
from ddsketch.store import DenseStore
from django.db import connection, connections, router, transaction
from django.db.models import Q

from llmops.tracing.models import (
    CostSource,
    RollupDimension,
    Span,
    SpanKind,
    SpanRollup,
    Status,
)

RELATIVE_ACCURACY = 0.01
_MAPPING = LogarithmicMapping(RELATIVE_ACCURACY)
_MAPPING_PROTO = KeyMappingProto.to_proto(_MAPPING)  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class NewCall:
    """One newly stored LLM or embedding span, as much of it as the rollups need."""

    start_time: datetime
    model: str
    provider: str
    prompt_name: str
    prompt_version: str
    environment: str
    user_id: str
    status: str
    duration_ms: float
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_total: Decimal | None
    cost_source: str


@dataclass(slots=True)
class Bins:
    """The bins of a latency sketch: key -> count for positive values, and the zero count.

    Durations are never negative; a negative one (clock skew) counts as zero.
    """

    positive: Counter[int] = field(default_factory=Counter)
    zero: float = 0.0

    def add(self, duration_ms: float) -> None:
        if duration_ms > _MAPPING.min_possible:
            self.positive[_MAPPING.key(duration_ms)] += 1
        else:
            self.zero += 1

    def merge(self, other: Bins) -> None:
        self.positive.update(other.positive)
        self.zero += other.zero

    def count(self) -> float:
        return sum(self.positive.values()) + self.zero

    def encode(self) -> bytes:
        # Stored sparse (the message's key -> count map): a batch's few calls spread over
        # hundreds of bins would otherwise store mostly zeros.
        store = pb.Store(binCounts={key: float(n) for key, n in self.positive.items() if n})
        message = pb.DDSketch(mapping=_MAPPING_PROTO, positiveValues=store, zeroCount=self.zero)
        encoded: bytes = message.SerializeToString()
        return encoded

    @classmethod
    def decode(cls, data: bytes | memoryview) -> Bins:
        message = pb.DDSketch()
        message.ParseFromString(bytes(data))
        bins = cls(zero=message.zeroCount)
        key = message.positiveValues.contiguousBinIndexOffset
        for count in message.positiveValues.contiguousBinCounts:
            if count:
                bins.positive[key] += count
            key += 1
        for key, count in message.positiveValues.binCounts.items():
            bins.positive[key] += count
        return bins

    def sketch(self) -> BaseDDSketch:
        """The library's sketch holding these bins (its percentiles are the ones reported).

        Its dense store is filled through the store's documented attributes in one go: the
        library's own protobuf reader adds bin by bin, growing and re-centring its list as it
        goes, which cost more than the rest of a month-by-model query.
        """
        store = DenseStore()
        if self.positive:
            low, high = min(self.positive), max(self.positive)
            get = self.positive.get
            store.bins = [float(get(key, 0)) for key in range(low, high + 1)]
            store.offset, store.min_key, store.max_key = low, low, high
            store.count = float(sum(store.bins))
        return BaseDDSketch(
            mapping=_MAPPING, store=store, negative_store=DenseStore(), zero_count=self.zero
        )


def _quantile(sketch: BaseDDSketch, fraction: float) -> float:
    value = sketch.get_quantile_value(fraction)
    assert value is not None  # only asked of a non-empty sketch
    return float(value)


def sketch_percentile(sketch: BaseDDSketch, fraction: float) -> float | None:
    """The sketch's estimate of ``percentile_cont(fraction)``.

    The sketch answers a rank with the value of the element at that rank (within 1%); like
    ``percentile_cont`` we interpolate between the two closest ranks, so the answer stays within
    1% of the exact interpolated percentile even when neighbouring values are far apart.
    """
    count = round(float(sketch.count))
    if count == 0:
        return None
    if count == 1:
        return _quantile(sketch, 0.0)
    rank = fraction * (count - 1)
    low = math.floor(rank)
    high = min(low + 1, count - 1)

    def at(index: int) -> float:
        # Aim at the middle of the element's rank so float rounding never lands on a neighbour.
        return _quantile(sketch, min(1.0, (index + 0.5) / (count - 1)))

    low_value = at(low)
    if high == low or rank == low:
        return low_value
    return low_value + (at(high) - low_value) * (rank - low)


@dataclass(slots=True)
class Cell:
    """The running totals of one (hour, dimension, value)."""

    call_count: int = 0
    error_count: int = 0
    unpriced_count: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cost_total: Decimal = Decimal(0)
    latency: Bins = field(default_factory=Bins)

    def merge(self, other: Cell) -> None:
        self.call_count += other.call_count
        self.error_count += other.error_count
        self.unpriced_count += other.unpriced_count
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.total_tokens += other.total_tokens
        self.cost_total += other.cost_total
        self.latency.merge(other.latency)


CellKey = tuple[datetime, str, str]  # (hour, dimension, value)
RowKey = tuple[UUID, str, datetime, str]  # (project, dimension, hour, value): the table's key


# Plain strings: an enum member's .value costs a descriptor call, six times per call.
_ALL = RollupDimension.ALL.value
_MODEL = RollupDimension.MODEL.value
_PROVIDER = RollupDimension.PROVIDER.value
_PROMPT_VERSION = RollupDimension.PROMPT_VERSION.value
_ENVIRONMENT = RollupDimension.ENVIRONMENT.value
_USER = RollupDimension.USER.value
_ERROR = Status.ERROR.value
_UNPRICED = CostSource.UNPRICED.value
_HOUR = SpanRollup.Grain.HOUR.value
_DAY = SpanRollup.Grain.DAY.value


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def dimension_values(call: NewCall) -> list[tuple[str, str]]:
    """The rows a call adds to: all calls, model, provider, prompt version, environment, user."""
    values = [
        (_ALL, ""),
        (_MODEL, call.model),
        (_PROVIDER, call.provider),
        (_ENVIRONMENT, call.environment),
        (_USER, call.user_id),
    ]
    if call.prompt_name:
        values.append((_PROMPT_VERSION, f"{call.prompt_name}@{call.prompt_version}"))
    return values


def aggregate(calls: Iterable[NewCall]) -> dict[CellKey, Cell]:
    cells: dict[CellKey, Cell] = {}
    for call in calls:
        hour = hour_of(call.start_time)
        error = call.status == _ERROR
        unpriced = call.cost_source == _UNPRICED
        cost = call.cost_total or Decimal(0)
        # The sketch key is computed once per call and shared by its five or six rows.
        duration = call.duration_ms
        key = _MAPPING.key(duration) if duration > _MAPPING.min_possible else None
        for dimension, value in dimension_values(call):
            cell = cells.get((hour, dimension, value))
            if cell is None:
                cell = cells[(hour, dimension, value)] = Cell()
            cell.call_count += 1
            cell.error_count += error
            cell.unpriced_count += unpriced
            cell.input_tokens += call.input_tokens
            cell.output_tokens += call.output_tokens
            cell.total_tokens += call.total_tokens
            cell.cost_total += cost
            if key is None:
                cell.latency.zero += 1
            else:
                cell.latency.positive[key] += 1
    return cells


_INSERT_FIELDS = (
    "project",
    "hour",
    "dimension",
    "value",
    "call_count",
    "error_count",
    "unpriced_count",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_total",
    "latency_sketch",
    "compacted",
)
# 13 or 14 parameters a row: 1000 rows stay well inside SQLite's limit of 32766 per statement.
_ROWS_PER_STATEMENT = 1000

RollupRow = tuple[UUID, datetime, str, str, Cell]  # project, hour, dimension, value, totals


def rollups_insert(
    rows: Sequence[RollupRow], *, compacted: bool, grain: str = SpanRollup.Grain.HOUR
) -> None:
    """INSERT rows in one statement (per thousand rows), without building model instances.

    Ingest calls this for every batch; model instances (signals, field defaults) cost more than
    the rest of the rollup work. Values go through the fields' own database conversion, so the
    rows read back through the ORM exactly as if it had written them.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(SpanRollup)]
    by_name = {field.name: field for field in SpanRollup._meta.concrete_fields}
    # Hour rows leave the grain to the column's default: ingest sends one parameter less a row.
    names = _INSERT_FIELDS if grain == _HOUR else (*_INSERT_FIELDS, "grain")
    fields = [by_name[name] for name in names]
    extra: tuple[str, ...] = () if grain == _HOUR else (grain,)
    project, hour, cost, sketch = fields[0], fields[1], fields[10], fields[11]
    projects: dict[UUID, Any] = {}
    hours: dict[datetime, Any] = {}
    params: list[Any] = []
    for project_id, moment, dimension, value, cell in rows:
        if project_id not in projects:
            projects[project_id] = project.get_db_prep_save(project_id, connection)
        if moment not in hours:
            hours[moment] = hour.get_db_prep_save(moment, connection)
        params += (
            projects[project_id],
            hours[moment],
            dimension,
            # The column holds 400 characters; a longer value (a very long user id) is cut,
            # the same cut for every call, so its totals still land on one key.
            value[:400],
            cell.call_count,
            cell.error_count,
            cell.unpriced_count,
            cell.input_tokens,
            cell.output_tokens,
            cell.total_tokens,
            cost.get_db_prep_save(cell.cost_total, connection),
            sketch.get_db_prep_save(cell.latency.encode(), connection),
            compacted,
            *extra,
        )
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    table = quote(SpanRollup._meta.db_table)
    head = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 — names only; values are parameters
    one = f"({', '.join(['%s'] * len(fields))})"
    width = len(fields)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            chunk = params[start * width : (start + _ROWS_PER_STATEMENT) * width]
            cursor.execute(head + ", ".join([one] * (len(chunk) // width)), chunk)


def rollups_add(*, project_id: UUID, calls: Sequence[NewCall]) -> None:
    """Add newly stored calls to the rollups: one INSERT of delta rows, no row is updated.

    Call it inside the ingest transaction with exactly the spans that were newly stored, so a
    retried batch adds nothing and the rollups commit or roll back with the spans.
    """
    if not calls:
        return
    rows = [
        (project_id, hour, dimension, value, cell)
        for (hour, dimension, value), cell in aggregate(calls).items()
    ]
    rollups_insert(rows, compacted=False)


# --- compaction -----------------------------------------------------------------------------


def _lock_rollups(mode: str) -> None:
    """Take a PostgreSQL table lock on the rollups; SQLite serializes writers by itself.

    Compaction takes ROW EXCLUSIVE (what its DELETE would take anyway, but up front, so it never
    upgrades a lock while a rebuild waits on its row locks: no deadlock). A rebuild takes SHARE
    ROW EXCLUSIVE, which waits for ingest transactions that already wrote delta rows and holds
    back new ones until it commits, so a span is counted exactly once: either it was committed
    before the rebuild read the spans, or its delta row is written after the rebuild.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {SpanRollup._meta.db_table} IN {mode} MODE")


def _cell_of(row: SpanRollup) -> Cell:
    return Cell(
        call_count=row.call_count,
        error_count=row.error_count,
        unpriced_count=row.unpriced_count,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        total_tokens=row.total_tokens,
        cost_total=Decimal(row.cost_total),
        latency=Bins.decode(row.latency_sketch),
    )


def _key_filter(keys: Iterable[RowKey]) -> Q:
    condition = Q()
    for project_id, dimension, hour, value in keys:
        condition |= Q(project_id=project_id, dimension=dimension, hour=hour, value=value)
    return Q(grain=_HOUR) & condition


DayKey = tuple[UUID, str, datetime, str]  # (project, dimension, day, value)


def _lock_days(keys: Iterable[DayKey]) -> None:
    """Serialize the recomputation of each day key between concurrent compactors (PostgreSQL).

    Two compactors merging different hours of one day each see only their own uncommitted hour
    rows; without this, each would write a day row missing the other's hour. A transaction-level
    advisory lock per day key, taken in a fixed order (no deadlock between compactors), makes
    the second wait for the first to commit; its next statement then sees both hours.
    """
    if connection.vendor != "postgresql":
        return
    locks = sorted(
        {
            int.from_bytes(
                blake2b(f"{p}|{d}|{day.isoformat()}|{v}".encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            for p, d, day, v in keys
        }
    )
    with connection.cursor() as cursor:
        # unnest yields the sorted array in order: the locks are taken in that order.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [locks]
        )


def _recompute_days(condition: Q) -> None:
    """Rewrite the day rows selected by ``condition`` (on project, dimension, hour, value) from
    the compacted hour rows of those days; a day left with none loses its day row.

    ``condition`` must select whole days: its ``hour`` bounds are midnights.
    """
    SpanRollup.objects.filter(condition, grain=_DAY).delete()
    totals: dict[DayKey, Cell] = {}
    hours = SpanRollup.objects.filter(condition, grain=_HOUR, compacted=True).order_by()
    # Tuples, not model instances: a rebuilt day of a busy project is thousands of hour rows.
    for project_id, dimension, moment, value, *sums, cost, data in hours.values_list(
        "project_id",
        "dimension",
        "hour",
        "value",
        "call_count",
        "error_count",
        "unpriced_count",
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "cost_total",
        "latency_sketch",
    ).iterator(chunk_size=2000):
        key = (project_id, dimension, day_of(moment), value)
        cell = totals.get(key)
        if cell is None:
            cell = totals[key] = Cell()
        cell.call_count += sums[0]
        cell.error_count += sums[1]
        cell.unpriced_count += sums[2]
        cell.input_tokens += sums[3]
        cell.output_tokens += sums[4]
        cell.total_tokens += sums[5]
        cell.cost_total += Decimal(cost)
        cell.latency.merge(Bins.decode(data))
    rollups_insert(
        [(p, day, dimension, value, cell) for (p, dimension, day, value), cell in totals.items()],
        compacted=True,
        grain=_DAY,
    )


def _recompute_day_keys(keys: Iterable[DayKey]) -> None:
    days = set(keys)
    if not days:
        return
    _lock_days(days)
    condition = Q()
    for project_id, dimension, day, value in days:
        condition |= Q(
            project_id=project_id,
            dimension=dimension,
            value=value,
            hour__gte=day,
            hour__lt=day + timedelta(days=1),
        )
    _recompute_days(condition)


def _recompute_project_days(project_id: UUID, first_day: datetime, end_day: datetime) -> None:
    """Every day row of the project in [first_day, end_day) (midnights), all dimensions."""
    _recompute_days(Q(project_id=project_id, hour__gte=first_day, hour__lt=end_day))


def rollups_compact(*, max_rows: int = 5000, keys_per_transaction: int = 200) -> int:
    """Merge the rows of each key that has delta rows into one compacted row; returns keys merged.

    Bounded work: at most ``max_rows`` delta rows are looked at per run (the beat runs it every
    minute). Each transaction locks the rows of its keys with SKIP LOCKED: a concurrent
    compactor takes other rows, never waits, and never merges a row twice; a delta row
    committed by ingest meanwhile is simply merged next time. Readers sum every row of a key,
    so the totals are the same before and after. The same transaction recomputes the day rows
    of the keys' days from their compacted hour rows (at most 24 a key), so a reader's snapshot
    sees a delta either pending or inside the day row, never both nor neither.
    """
    pending = (
        SpanRollup.objects.filter(compacted=False, grain=_HOUR)
        .order_by()
        .values_list("project_id", "dimension", "hour", "value")[:max_rows]
    )
    keys = list(dict.fromkeys(pending))
    merged = 0
    for start in range(0, len(keys), keys_per_transaction):
        chunk = keys[start : start + keys_per_transaction]
        with transaction.atomic():
            _lock_rollups("ROW EXCLUSIVE")
            rows = list(
                SpanRollup.objects.select_for_update(skip_locked=True)
                .filter(_key_filter(chunk))
                .order_by("id")
            )
            by_key: dict[RowKey, list[SpanRollup]] = defaultdict(list)
            for row in rows:
                by_key[(row.project_id, row.dimension, row.hour, row.value)].append(row)
            done: list[int] = []
            fresh: list[RollupRow] = []
            mark: list[int] = []
            for (project_id, dimension, hour, value), group in by_key.items():
                if len(group) == 1:
                    if not group[0].compacted:
                        mark.append(group[0].pk)
                    continue
                total = _cell_of(group[0])
                for row in group[1:]:
                    total.merge(_cell_of(row))
                fresh.append((project_id, hour, dimension, value, total))
                done.extend(row.pk for row in group)
            if done:
                SpanRollup.objects.filter(pk__in=done).delete()
            rollups_insert(fresh, compacted=True)
            if mark:
                SpanRollup.objects.filter(pk__in=mark).update(compacted=True)
            _recompute_day_keys(
                (project_id, dimension, day_of(hour), value)
                for project_id, dimension, hour, value in by_key
            )
            merged += len(fresh) + len(mark)
    return merged


# --- rebuild from the spans -------------------------------------------------------------------

_CALL_KINDS = (SpanKind.LLM, SpanKind.EMBEDDING)
_REBUILD_CHUNK = timedelta(days=1)


# NewCall's fields as span columns; its model is the answered model, else the requested one.
_STORED_CALL_COLUMNS = [
    column
    for f in fields(NewCall)
    for column in (("model_answered", "model_requested") if f.name == "model" else (f.name,))
]


def calls_stored(*, project_id: UUID, start: datetime, end: datetime) -> Iterator[NewCall]:
    """The stored model calls that started in [start, end), as ingest reports new ones."""
    spans = Span.objects.filter(
        project_id=project_id, start_time__gte=start, start_time__lt=end, kind__in=_CALL_KINDS
    ).order_by()
    for s in spans.values_list(*_STORED_CALL_COLUMNS).iterator(chunk_size=5000):
        yield NewCall(s[0], s[1] or s[2], *s[3:])


def _rebuild_hours(
    project_id: UUID, first_hour: datetime, end_hour: datetime, *, since: datetime | None = None
) -> None:
    """Recount [first_hour, end_hour) from the spans; with ``since``, only calls from then on.

    The day rows of the days those hours fall in are recomputed in the same transaction.
    """
    with transaction.atomic():
        _lock_rollups("SHARE ROW EXCLUSIVE")
        SpanRollup.objects.filter(
            project_id=project_id, grain=_HOUR, hour__gte=first_hour, hour__lt=end_hour
        ).delete()
        start = max(first_hour, since) if since else first_hour
        cells = aggregate(calls_stored(project_id=project_id, start=start, end=end_hour))
        rollups_insert(
            [
                (project_id, hour, dimension, value, cell)
                for (hour, dimension, value), cell in cells.items()
            ],
            compacted=True,
        )
        last_day = day_of(end_hour - timedelta(hours=1))
        _recompute_project_days(project_id, day_of(first_hour), last_day + timedelta(days=1))


def _hour_span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The whole hours overlapping [start, end)."""
    first = hour_of(start)
    last = hour_of(end)
    return first, last if last == end.astimezone(UTC) else last + timedelta(hours=1)


def rollups_rebuild(*, project_id: UUID, start: datetime, end: datetime) -> None:
    """Recompute every hour overlapping [start, end) from the stored spans.

    For a backfill (spans stored before rollups existed: ``manage.py rebuild_rollups``) or a
    repair. A day at a time, each in its own transaction, so ingest waits at most one day's
    recount.
    """
    first, stop = _hour_span(start, end)
    while first < stop:
        chunk_end = min(stop, first + _REBUILD_CHUNK)
        _rebuild_hours(project_id, first, chunk_end)
        first = chunk_end


def rollups_delete_before(*, project_id: UUID, before: datetime) -> None:
    """Forget the calls that started before ``before`` (after retention deleted their spans).

    Hours wholly before it are dropped; the hour containing it is recounted from its spans that
    started at ``before`` or later, so the rollups are exact at the edge even while some older
    spans still wait for deletion (retention deletes in bounded batches). Days wholly before it
    lose their day row; the day containing it gets its day row recomputed from the hours left.
    """
    edge = hour_of(before)
    with transaction.atomic():
        _lock_rollups("SHARE ROW EXCLUSIVE")
        SpanRollup.objects.filter(project_id=project_id, grain=_HOUR, hour__lt=edge).delete()
        SpanRollup.objects.filter(
            project_id=project_id, grain=_DAY, hour__lt=day_of(before)
        ).delete()
        if edge != before.astimezone(UTC):
            _rebuild_hours(project_id, edge, edge + timedelta(hours=1), since=before)
        else:
            day = day_of(edge)
            _recompute_project_days(project_id, day, day + timedelta(days=1))
