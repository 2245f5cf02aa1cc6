"""Reads of the evaluation context shared by its list endpoints.

Related rows are read in batches (joins, one prefetch, counts in SQL), so a page costs the same
few queries however many rows it holds; tests/platform/test_list_query_counts.py pins them.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Prefetch, QuerySet

from llmops.evaluation.models import LabelGate, Promotion, Run, Suite
from llmops.prompts.models import Prompt


def runs_with_progress(runs: QuerySet[Run]) -> QuerySet[Run]:
    """Runs with their suite, and ``done_items`` (the results stored so far) counted in SQL."""
    return runs.select_related("suite").annotate(done_items=Count("results"))


def promotions_with_runs(promotions: QuerySet[Promotion]) -> QuerySet[Promotion]:
    """Promotions with their prompt and version, and their runs (oldest first, with suite and
    progress) in one more query for the whole page."""
    runs = runs_with_progress(Run.objects.order_by("created_at", "id"))
    return promotions.select_related("prompt", "version").prefetch_related(
        Prefetch("runs", queryset=runs)
    )


def gate_suites_by_label(prompt: Prompt) -> dict[str, list[Suite]]:
    """The gate suites of every label of ``prompt`` in one query (``gate.gate_suites`` of each)."""
    found: dict[str, list[Suite]] = defaultdict(list)
    for row in LabelGate.objects.filter(prompt=prompt).select_related("suite").order_by("pk"):
        found[row.label].append(row.suite)
    return found
