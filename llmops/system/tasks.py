from __future__ import annotations

import socket

from llmops.system.domain import heartbeat_record
from llmops.tasking import platform_task


@platform_task("system.heartbeat", soft_time_limit=30)
def heartbeat() -> None:
    heartbeat_record(hostname=socket.gethostname())
