"""What each experiment-tracking operation needs (see ``llmops.tenancy.access``)."""

from llmops.tenancy.access import action
from llmops.tenancy.models import KeyScope, Role

READ = action(
    "tracking.read",
    role=Role.VIEWER,
    key_scope=KeyScope.MEMBER,
    summary="Read and search experiments, runs, metrics, logged models and artifacts",
)
WRITE = action(
    "tracking.write",
    role=Role.MEMBER,
    key_scope=KeyScope.MEMBER,
    summary="Create and change experiments, runs, logged models and artifacts",
)
