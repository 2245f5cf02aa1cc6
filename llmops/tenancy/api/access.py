"""What each tenancy operation needs (see ``llmops.tenancy.access``)."""

from llmops.tenancy.access import Reach, action
from llmops.tenancy.models import KeyScope, Role

SIGNED_IN = action(
    "tenancy.signed-in",
    reach=Reach.PERSON,
    role=Role.VIEWER,
    key_scope=None,
    summary="Any signed-in person: sign out, list and create their organizations",
)
ORGANIZATION_READ = action(
    "tenancy.organization-read",
    reach=Reach.ORGANIZATION,
    role=Role.VIEWER,
    key_scope=None,
    summary="List an organization's projects and members",
)
MANAGE_PROJECTS = action(
    "tenancy.manage-projects",
    reach=Reach.ORGANIZATION,
    role=Role.ADMIN,
    key_scope=None,
    summary="Create projects in an organization",
)
MANAGE_MEMBERS = action(
    "tenancy.manage-members",
    reach=Reach.ORGANIZATION,
    role=Role.ADMIN,
    key_scope=None,
    summary="Add members and change roles (only an owner makes owners)",
)
PROJECT_READ = action(
    "tenancy.project-read",
    role=Role.VIEWER,
    key_scope=KeyScope.INGEST,
    summary="Read the project the credentials act in",
)
MANAGE_KEYS = action(
    "tenancy.manage-keys",
    role=Role.ADMIN,
    key_scope=None,
    summary="List, create and revoke API keys (an admin-scope key: owners only)",
)
