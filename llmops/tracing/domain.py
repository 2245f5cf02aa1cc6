"""Writes of the tracing context besides ingestion: retention, span partitions, project prices."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from llmops.domain_errors import Invalid
from llmops.tenancy.models import Project
from llmops.tracing.models import ModelPrice, RetentionPolicy
from llmops.tracing.partitions import DAYS_AHEAD, partitions_drop_expired, partitions_ensure
from llmops.tracing.retention import spans_delete_older_than, traces_sweep_before
from llmops.tracing.rollups import rollups_delete_before

log = logging.getLogger(__name__)


class InvalidPrice(Invalid):
    pass


def retention_set(*, project: Project, days: int | None) -> RetentionPolicy | None:
    """Keep the project's traces ``days`` days; ``None`` keeps them forever."""
    if days is None:
        RetentionPolicy.objects.filter(project=project).delete()
        return None
    policy, _ = RetentionPolicy.objects.update_or_create(project=project, defaults={"days": days})
    return policy


def retention_apply(
    *,
    project: Project,
    days: int,
    batch_size: int = 5000,
    max_batches: int = 200,
    now: datetime | None = None,
) -> int:
    """Delete the project's spans older than ``days``, in bounded batches; return how many.

    Exact at the cutoff: a span that started one second inside it stays. Then the traces that
    started before the cutoff are settled (deleted, or recomputed from their remaining spans),
    which also completes a partition drop, and the rollups of the expired hours are dropped.
    ``max_batches`` bounds one run; what is left waits for the next scheduled run.
    """
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = 0
    for _ in range(max_batches):
        count = spans_delete_older_than(project=project, before=cutoff, batch_size=batch_size)
        deleted += count
        if count < batch_size:
            break
    traces_sweep_before(project=project, before=cutoff, batch_size=batch_size)
    rollups_delete_before(project_id=project.id, before=cutoff)
    return deleted


def retention_apply_all(*, now: datetime | None = None) -> int:
    """Apply every project's retention: whole expired span partitions first, then the edges.

    Returns the number of partitions dropped. A partition goes whole only when every project
    with rows in it is past its cutoff; the batched deletes of ``retention_apply`` then make each
    project exact at its own cutoff and settle the traces and rollups a drop left behind. On
    SQLite (no partitions) only the batched deletes run.
    """
    now = now or timezone.now()
    dropped = partitions_drop_expired(now=now)
    for policy in RetentionPolicy.objects.select_related("project"):
        deleted = retention_apply(project=policy.project, days=policy.days, now=now)
        if deleted:
            log.info("retention: deleted %d spans of project %s", deleted, policy.project_id)
    return len(dropped)


def partitions_maintain(*, days_ahead: int = DAYS_AHEAD) -> list[str]:
    """Create the span partitions of the days ahead; returns the names of those created."""
    created = partitions_ensure(days_ahead=days_ahead)
    if created:
        log.info("span partitions created: %s", ", ".join(created))
    return created


def model_price_create(
    *,
    project: Project,
    model_pattern: str,
    input: Decimal,
    output: Decimal,
    valid_from: datetime | None = None,
    cache_read: Decimal | None = None,
    cache_write: Decimal | None = None,
    reasoning: Decimal | None = None,
    tiers: list[list[Any]] | None = None,
) -> ModelPrice:
    try:
        re.compile(model_pattern)
    except re.error as exc:
        raise InvalidPrice(
            f"not a valid regular expression: {exc}", field="model_pattern"
        ) from None
    tiers = tiers or []
    for index, tier in enumerate(tiers):
        if (
            len(tier) != 3
            or not isinstance(tier[0], int)
            or tier[0] < 0
            or any(Decimal(str(v)) < 0 for v in tier[1:])
        ):
            raise InvalidPrice(
                "each tier is [threshold_input_tokens, input, output] with non-negative numbers",
                field=f"tiers[{index}]",
            )
    return ModelPrice.objects.create(
        project=project,
        model_pattern=model_pattern,
        valid_from=valid_from,
        input=input,
        output=output,
        cache_read=cache_read,
        cache_write=cache_write,
        reasoning=reasoning,
        tiers=[[t[0], str(t[1]), str(t[2])] for t in tiers],
    )
