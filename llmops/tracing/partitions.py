"""Daily partitions of the span table (PostgreSQL): created ahead, dropped whole when expired.

Migration 0005 made ``tracing_span`` a table partitioned by range of ``start_time``: the old
table as ``tracing_span_legacy`` for everything before the migration's bound, one partition a
UTC day (``tracing_span_pYYYYMMDD``), and ``tracing_span_default``.

**Why a DEFAULT partition.** Ingest accepts start times from 2000-01-01 to a day ahead, and a
span must never fail to insert for lack of a partition. The alternative, creating partitions on
demand in the ingest transaction, would put DDL (and its ACCESS EXCLUSIVE lock on the parent)
on the hottest path. With a DEFAULT partition a span of a day that has no partition (one that
retention dropped, or past the days created when beat has been down) lands there. Its cost:
attaching a new partition scans the default partition, under ACCESS EXCLUSIVE on the default
only, to prove it holds no row of the new range, and ``DETACH ... CONCURRENTLY`` is not allowed
while a default partition exists. So the default partition is kept near empty (partitions are
created days ahead of their spans, and rows of a new partition's range are moved into it when
it is created), and dropping a partition takes a short ACCESS EXCLUSIVE lock on the parent with
a ``lock_timeout``, retried on the next run if not granted.

**Creating** (``partitions_ensure``) is idempotent and safe to run concurrently: a transaction
advisory lock serialises runs, and a partition is created as a plain table then ATTACHed, which
locks the parent in SHARE UPDATE EXCLUSIVE mode only (reads and writes go on), where ``CREATE
TABLE ... PARTITION OF`` would take ACCESS EXCLUSIVE.

**Dropping** (``partitions_drop_expired``): a partition goes whole only when every project with
rows in it has a retention policy whose cutoff is at or past the partition's upper bound. The
projects present are found by a loose index scan of the partition's (project, start time)
index: one index probe per project, not a scan of the rows. The rest of each project's expired
spans (partitions that hold newer spans too, the legacy and default partitions, other projects'
days) go by the batched row deletes of ``retention.py``, which keep retention exact at the edges.

SQLite (the embedded default) has one plain table: everything here does nothing there.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from llmops.tracing.models import RetentionPolicy

log = logging.getLogger(__name__)

PARENT = "tracing_span"
DEFAULT_PARTITION = "tracing_span_default"
DAYS_AHEAD = 7
# pg_advisory_xact_lock key serialising partition DDL ("spanpart" in ASCII).
_DDL_LOCK_KEY = 0x7370616E70617274
# How long DDL waits for its lock before giving up until the next run: a waiting ACCESS
# EXCLUSIVE request queues every later read and write of spans behind it.
_LOCK_TIMEOUT = "5s"
_BOUND = re.compile(r"FROM \((?P<lower>[^)]*)\) TO \((?P<upper>[^)]*)\)")


@dataclass(frozen=True)
class Partition:
    name: str
    lower: datetime | None  # None: from MINVALUE
    upper: datetime | None  # None: the DEFAULT partition
    is_default: bool = False


def partitioned() -> bool:
    """Whether the span table is partitioned (PostgreSQL after migration 0005)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [PARENT])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def partition_name(day: date) -> str:
    return f"{PARENT}_p{day:%Y%m%d}"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _bound(text: str) -> datetime | None:
    text = text.strip().strip("'")
    if text in ("MINVALUE", "MAXVALUE"):
        return None
    # PostgreSQL writes the bound in the session's time zone (UTC for Django): "+00".
    return datetime.fromisoformat(text + ":00" if re.search(r"[+-]\d\d$", text) else text)


def partitions_list() -> list[Partition]:
    """The span table's partitions by lower bound, the default one last; empty on SQLite."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        rows = cursor.fetchall()
    partitions: list[Partition] = []
    for name, bound in rows:
        if bound == "DEFAULT":
            partitions.append(Partition(name, None, None, is_default=True))
            continue
        match = _BOUND.search(bound)
        if match is None:
            raise ValueError(f"unexpected bound of span partition {name}: {bound}")
        partitions.append(Partition(name, _bound(match["lower"]), _bound(match["upper"])))
    earliest = datetime.min.replace(tzinfo=UTC)
    return sorted(partitions, key=lambda p: (p.is_default, p.lower or earliest))


def _covered(partitions: list[Partition], lower: datetime, upper: datetime) -> bool:
    """Whether any non-default partition overlaps [lower, upper)."""
    return any(
        (p.lower is None or p.lower < upper) and p.upper is not None and p.upper > lower
        for p in partitions
        if not p.is_default
    )


def partitions_ensure(*, days_ahead: int = DAYS_AHEAD, today: date | None = None) -> list[str]:
    """Create the daily partitions from yesterday to ``days_ahead`` days ahead; return new names.

    Idempotent and safe to run concurrently. Rows of a new partition's day already in the
    default partition are moved into it in the same transaction.
    """
    if not partitioned():
        return []
    today = today or timezone.now().astimezone(UTC).date()
    created: list[str] = []
    for offset in range(-1, days_ahead + 1):
        day = today + timedelta(days=offset)
        lower, upper = _midnight(day), _midnight(day + timedelta(days=1))
        if _covered(partitions_list(), lower, upper):
            continue
        try:
            if _create(partition_name(day), lower, upper):
                created.append(partition_name(day))
        except OperationalError as exc:  # lock_timeout: the next run tries again
            log.warning("span partition %s not created: %s", partition_name(day), exc)
    return created


def _create(name: str, lower: datetime, upper: datetime) -> bool:
    quoted = connection.ops.quote_name(name)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DDL_LOCK_KEY])
        # Checked again under the lock: a concurrent run may have just created it.
        if _covered(partitions_list(), lower, upper):
            return False
        cursor.execute(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")
        cursor.execute(
            f"CREATE TABLE {quoted} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING STORAGE INCLUDING COMPRESSION)"
        )
        # No span of the range may enter the default partition between the move and the
        # attach (the attach would then fail): it is locked first. Inserts of other days, into
        # other partitions, go on.
        cursor.execute(f"LOCK TABLE {DEFAULT_PARTITION} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} "  # noqa: S608 - names are ours
            "WHERE start_time >= %s AND start_time < %s RETURNING *) "
            f"INSERT INTO {quoted} SELECT * FROM moved",
            [lower, upper],
        )
        cursor.execute(
            f"ALTER TABLE {PARENT} ATTACH PARTITION {quoted} FOR VALUES FROM (%s) TO (%s)",
            [lower, upper],
        )
    return True


def projects_in_partition(name: str) -> list[UUID]:
    """The projects with spans in partition ``name``: one index probe per project."""
    quoted = connection.ops.quote_name(name)
    # A "loose index scan": each step asks the (project, start time) index for the next
    # project id after the last one, instead of reading every row for DISTINCT.
    sql = f"""
        WITH RECURSIVE present(project_id) AS (
            (SELECT project_id FROM {quoted} ORDER BY project_id LIMIT 1)
            UNION ALL
            SELECT (
                SELECT s.project_id FROM {quoted} s
                WHERE s.project_id > present.project_id ORDER BY s.project_id LIMIT 1
            )
            FROM present WHERE present.project_id IS NOT NULL
        )
        SELECT project_id FROM present WHERE project_id IS NOT NULL
    """  # noqa: S608 - the name comes from the catalog and is quoted
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def retention_cutoffs(*, now: datetime) -> dict[UUID, datetime]:
    """Each project with a retention policy: the start time before which its spans expire."""
    return {
        project_id: now - timedelta(days=days)
        for project_id, days in RetentionPolicy.objects.values_list("project_id", "days")
    }


def _expired(projects: list[UUID], upper: datetime, cutoffs: dict[UUID, datetime]) -> bool:
    return all(pid in cutoffs and cutoffs[pid] >= upper for pid in projects)


@dataclass(frozen=True)
class DroppedPartition:
    partition: Partition
    projects: list[UUID]


def partitions_drop_expired(*, now: datetime | None = None) -> list[DroppedPartition]:
    """Detach and drop every partition whose spans all expired; return what went.

    A partition without rows goes once its day is before yesterday (``partitions_ensure``
    keeps yesterday onwards); a span arriving later for its day lands in the default partition.
    The caller deletes or recomputes the traces of the projects listed (``retention.py``).
    """
    if not partitioned():
        return []
    now = now or timezone.now()
    cutoffs = retention_cutoffs(now=now)
    keep_from = _midnight(now.astimezone(UTC).date() - timedelta(days=1))
    dropped: list[DroppedPartition] = []
    for partition in partitions_list():
        if partition.is_default or partition.upper is None:
            continue
        projects = projects_in_partition(partition.name)
        if not _expired(projects, partition.upper, cutoffs):
            continue
        if not projects and partition.upper > keep_from:
            continue
        try:
            if _drop(partition, cutoffs):
                dropped.append(DroppedPartition(partition, projects))
        except OperationalError as exc:  # lock_timeout: the next run tries again
            log.warning("span partition %s not dropped: %s", partition.name, exc)
    return dropped


def _drop(partition: Partition, cutoffs: dict[UUID, datetime]) -> bool:
    assert partition.upper is not None
    quoted = connection.ops.quote_name(partition.name)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DDL_LOCK_KEY])
        cursor.execute(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")
        # The parent first, as inserts lock it (then the partition they route to): once it is
        # held no span can enter the partition, so the projects are checked again under it.
        cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
        if not _expired(projects_in_partition(partition.name), partition.upper, cutoffs):
            return False
        cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {quoted}")
        cursor.execute(f"DROP TABLE {quoted}")
    log.info("span partition %s dropped", partition.name)
    return True
