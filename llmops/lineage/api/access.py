"""What each lineage operation needs (see ``llmops.tenancy.access``)."""

from llmops.tenancy.access import action
from llmops.tenancy.models import KeyScope, Role

READ = action(
    "lineage.read",
    role=Role.VIEWER,
    key_scope=KeyScope.MEMBER,
    summary="Read the lineage graph",
)
WRITE = action(
    "lineage.write",
    role=Role.MEMBER,
    key_scope=KeyScope.MEMBER,
    summary="Record lineage edges",
)
