"""What each registry operation needs, REST and MLflow alike (see ``llmops.tenancy.access``)."""

from llmops.tenancy.access import action
from llmops.tenancy.models import KeyScope, Role

READ = action(
    "registry.read",
    role=Role.VIEWER,
    key_scope=KeyScope.MEMBER,
    summary="Read registered models, versions, aliases, stages and gates",
)
WRITE = action(
    "registry.write",
    role=Role.MEMBER,
    key_scope=KeyScope.MEMBER,
    summary="Register models and versions, set tags, move aliases and stages (through gates)",
)
CONFIGURE_GATES = action(
    "registry.configure-gates",
    role=Role.ADMIN,
    key_scope=KeyScope.ADMIN,
    summary="Set the gates on a model's aliases and stages",
)
