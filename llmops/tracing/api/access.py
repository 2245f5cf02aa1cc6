"""What each tracing operation needs (see ``llmops.tenancy.access``)."""

from llmops.tenancy.access import action
from llmops.tenancy.models import KeyScope, Role

INGEST = action(
    "tracing.ingest",
    role=None,
    key_scope=KeyScope.INGEST,
    summary="Send spans to the OTLP receiver (API keys only)",
)
READ = action(
    "tracing.read",
    role=Role.VIEWER,
    key_scope=KeyScope.MEMBER,
    summary="Read traces, sessions, metrics, prices and the retention setting",
)
PRICES = action(
    "tracing.prices",
    role=Role.MEMBER,
    key_scope=KeyScope.MEMBER,
    summary="Add and remove the project's model prices",
)
RETENTION = action(
    "tracing.retention",
    role=Role.ADMIN,
    key_scope=KeyScope.ADMIN,
    summary="Change how long traces are kept",
)
