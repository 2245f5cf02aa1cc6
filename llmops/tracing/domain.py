"""Writes of the tracing context besides ingestion: retention and project prices."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from llmops.domain_errors import Invalid
from llmops.tenancy.models import Project
from llmops.tracing.ingest import spans_delete_older_than
from llmops.tracing.models import ModelPrice, RetentionPolicy


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
    *, project: Project, days: int, batch_size: int = 5000, max_batches: int = 200
) -> int:
    """Delete the project's spans older than ``days``, in bounded batches; return how many.

    ``max_batches`` bounds one run; what is left waits for the next scheduled run.
    """
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    for _ in range(max_batches):
        count = spans_delete_older_than(project=project, before=cutoff, batch_size=batch_size)
        deleted += count
        if count < batch_size:
            break
    return deleted


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
