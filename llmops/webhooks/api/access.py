"""What each webhook operation needs (see ``llmops.tenancy.access``)."""

from llmops.tenancy.access import action
from llmops.tenancy.models import KeyScope, Role

MANAGE = action(
    "webhooks.manage",
    role=Role.ADMIN,
    key_scope=KeyScope.ADMIN,
    summary="List, create and delete webhooks and read their deliveries",
)
