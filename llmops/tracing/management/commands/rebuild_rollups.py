"""``manage.py rebuild_rollups [--project ID] [--since ISO]``: recount the rollups from the spans.

Needed once after upgrading to a version with rollups: spans stored before it have no rollup
rows, and metrics of model calls read the rollups. Also a repair for any range.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Min
from django.utils.dateparse import parse_datetime

from llmops.tenancy.models import Project
from llmops.tracing.models import Span, SpanRollup
from llmops.tracing.rollups import rollups_rebuild


def _earliest(project_id: UUID) -> datetime | None:
    moments = [
        Span.objects.filter(project_id=project_id).aggregate(m=Min("start_time"))["m"],
        SpanRollup.objects.filter(project_id=project_id).aggregate(m=Min("hour"))["m"],
    ]
    known = [m for m in moments if m is not None]
    return min(known) if known else None


class Command(BaseCommand):
    help = (
        "Recompute the hourly rollups of model calls from the stored spans, a day per "
        "transaction (ingest keeps running; it waits at most for one day's recount)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", help="project id (default: every project)")
        parser.add_argument(
            "--since",
            help="ISO 8601 moment; the hour containing it is the first rebuilt "
            "(default: the project's earliest span)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            since = parse_datetime(options["since"])
            if since is None:
                raise CommandError("since: not an ISO 8601 date and time")
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
        projects = Project.objects.order_by("created_at")
        if options["project"]:
            try:
                projects = projects.filter(pk=UUID(options["project"]))
            except ValueError as error:
                raise CommandError("project: not a project id") from error
            if not projects.exists():
                raise CommandError("project: no such project")
        # Ingest accepts spans up to a day ahead of the clock.
        end = datetime.now(tz=UTC) + timedelta(days=1)
        for project_id in projects.values_list("pk", flat=True):
            start = since or _earliest(project_id)
            if start is None:
                continue
            rollups_rebuild(project_id=project_id, start=start, end=end)
            self.stdout.write(f"{project_id}: rebuilt from {start.isoformat()}")
