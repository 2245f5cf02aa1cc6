from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from llmops.system.models import WorkerHeartbeat


def heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    now = timezone.now()
    heartbeat, created = WorkerHeartbeat.objects.get_or_create(
        hostname=hostname, defaults={"last_seen_at": now, "beats": 1}
    )
    if not created:
        # F() so two deliveries of the same beat never lose a count to a read-modify-write race.
        WorkerHeartbeat.objects.filter(pk=heartbeat.pk).update(
            last_seen_at=now, beats=F("beats") + 1
        )
        heartbeat.refresh_from_db()
    return heartbeat
