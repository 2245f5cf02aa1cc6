"""What each score operation needs (see ``llmops.tenancy.access``)."""

from llmops.tenancy.access import action
from llmops.tenancy.models import KeyScope, Role

READ = action(
    "scores.read",
    role=Role.VIEWER,
    key_scope=KeyScope.MEMBER,
    summary="Read scores and their metrics",
)
SEND = action(
    "scores.send",
    role=Role.MEMBER,
    key_scope=KeyScope.INGEST,
    summary="Send scores (ingest keys may)",
)
DELETE = action(
    "scores.delete",
    role=Role.MEMBER,
    key_scope=KeyScope.MEMBER,
    summary="Delete a score",
)
