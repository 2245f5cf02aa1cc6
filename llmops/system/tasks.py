from __future__ import annotations

import socket

from celery import current_task

from llmops.system.domain import heartbeat_record
from llmops.tasking import platform_task


@platform_task("system.heartbeat", soft_time_limit=30)
def heartbeat() -> None:
    # The worker's node name (celery@host, or what -n set), so several workers on one host
    # each show up.
    hostname = getattr(current_task.request, "hostname", None) or socket.gethostname()
    heartbeat_record(hostname=hostname)
