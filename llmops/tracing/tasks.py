from __future__ import annotations

import logging

from llmops.tasking import platform_task
from llmops.tracing.domain import partitions_maintain, retention_apply_all
from llmops.tracing.langsmith_runs import pending_runs_expire
from llmops.tracing.rollups import rollups_compact

log = logging.getLogger(__name__)


@platform_task("tracing.apply_retention", soft_time_limit=1800)
def apply_retention() -> None:
    dropped = retention_apply_all()
    if dropped:
        log.info("span partitions: dropped %d expired", dropped)
    # LangSmith runs that started and never ended (a client killed mid-run) are let go.
    expired = pending_runs_expire()
    if expired:
        log.info("LangSmith runs never ended: %d let go", expired)


@platform_task("tracing.compact_rollups", soft_time_limit=300)
def compact_rollups() -> None:
    # Bounded per run (the beat runs it every minute); a backlog shrinks run by run.
    merged = rollups_compact()
    if merged:
        log.info("rollups: compacted %d keys", merged)


@platform_task("tracing.maintain_partitions", soft_time_limit=1800)
def maintain_partitions() -> None:
    # Creation only: dropping expired partitions is retention's job (tracing.apply_retention).
    partitions_maintain()
