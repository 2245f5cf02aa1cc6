"""What each evaluation operation needs (see ``llmops.tenancy.access``)."""

from llmops.tenancy.access import action
from llmops.tenancy.models import KeyScope, Role

READ = action(
    "evaluation.read",
    role=Role.VIEWER,
    key_scope=KeyScope.MEMBER,
    summary="Read datasets, suites, runs, results, gates, promotions, schedules, rules, "
    "connections (never their keys)",
)
WRITE = action(
    "evaluation.write",
    role=Role.MEMBER,
    key_scope=KeyScope.MEMBER,
    summary="Change datasets, suites, schedules and online rules; start and cancel runs; "
    "ask for a promotion through a gate",
)
CONNECTIONS = action(
    "evaluation.connections",
    role=Role.ADMIN,
    key_scope=KeyScope.ADMIN,
    summary="Create and delete provider connections (they may reach private hosts)",
)
CONFIGURE_GATES = action(
    "evaluation.configure-gates",
    role=Role.ADMIN,
    key_scope=KeyScope.ADMIN,
    summary="Set the suites and thresholds that gate a prompt label",
)
