"""The permission model: actions, the minimum role and key scope each needs, and the one check.

Every view names the action each of its HTTP methods performs (``access = {"GET": ..., ...}``).
An action says who may perform it:

- a signed-in person needs at least ``role`` in the organization that owns the project (or the
  organization named in the URL); ``role=None`` means people cannot perform it;
- an API key needs at least ``key_scope``; ``key_scope=None`` means keys cannot perform it.

Key scopes rank ``ingest < member < admin``. An ``ingest`` key only sends traces and scores; a
``member`` key has a member's rights in its project; an ``admin`` key (created on purpose, by an
owner) has an admin's rights in its project, but managing keys, members and organizations stays
with people. The check (``authorize``) runs before any view code; a view without a declaration
is a configuration error, and the route matrix test walks every URL against these declarations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser, User

from llmops.tenancy import selectors
from llmops.tenancy.models import ROLE_RANK, ApiKey, KeyScope, Organization, Project

KEY_SCOPE_RANK: dict[str, int] = {KeyScope.INGEST: 0, KeyScope.MEMBER: 1, KeyScope.ADMIN: 2}


class Reach(StrEnum):
    """What a request acts on, which decides how the caller is resolved."""

    PUBLIC = "public"  # anyone, signed in or not
    PERSON = "person"  # any signed-in person, no project or organization
    ORGANIZATION = "organization"  # the organization in the URL (``organization_id``)
    PROJECT = "project"  # the key's project, or the X-Project-Id header's for people


@dataclass(frozen=True)
class Action:
    """One thing a caller can do, with the least role and key scope it needs."""

    name: str
    reach: Reach
    role: str | None
    key_scope: str | None
    summary: str

    def admits_key(self, scope: str) -> bool:
        return (
            self.key_scope is not None and KEY_SCOPE_RANK[scope] >= KEY_SCOPE_RANK[self.key_scope]
        )

    def admits_role(self, role: str) -> bool:
        return self.role is not None and ROLE_RANK[role] >= ROLE_RANK[self.role]


# Every action declared by any app, by name: the table docs/security.md shows and tests walk.
ACTIONS: dict[str, Action] = {}


def action(
    name: str,
    *,
    reach: Reach = Reach.PROJECT,
    role: str | None,
    key_scope: str | None,
    summary: str,
) -> Action:
    """Declare an action; each name is declared once, in its app's ``api/access.py``."""
    if name in ACTIONS:
        raise ValueError(f"action {name!r} is declared twice")
    if reach in (Reach.PUBLIC, Reach.PERSON, Reach.ORGANIZATION) and key_scope is not None:
        raise ValueError(f"action {name!r}: only project actions can admit API keys")
    declared = Action(name=name, reach=reach, role=role, key_scope=key_scope, summary=summary)
    ACTIONS[name] = declared
    return declared


PUBLIC = action(
    "public", reach=Reach.PUBLIC, role=None, key_scope=None, summary="Anyone, signed in or not"
)


# --- the check -----------------------------------------------------------------------------


class AccessError(Exception):
    """Base of the check's refusals; the REST layer maps each to its HTTP answer."""


class NotSignedIn(AccessError):
    """No credentials (401)."""


class Refused(AccessError):
    """The caller is known but may not do this (403)."""


class Missing(AccessError):
    """The project or organization is not the caller's (404, exactly like one that does not
    exist, so other tenants' ids are never confirmed)."""


class BadProjectHeader(AccessError):
    """The X-Project-Id header is absent or not a UUID (400)."""


@dataclass(frozen=True)
class Grant:
    """What the check resolved: the project or organization the request acts in, if any."""

    project: Project | None = None
    organization: Organization | None = None
    role: str | None = None
    api_key: ApiKey | None = None


def authorize_key(*, api_key: ApiKey, needed: Action) -> Grant:
    """Allow ``api_key`` to perform ``needed`` in its own project, or raise ``Refused``."""
    if needed.reach is Reach.PUBLIC:
        return Grant(api_key=api_key)
    if needed.key_scope is None:
        raise Refused("This operation needs a signed-in user; API keys cannot perform it.")
    if not needed.admits_key(api_key.scope):
        raise Refused(
            f"This API key's scope '{api_key.scope}' cannot do this; "
            f"it needs a key with scope '{needed.key_scope}' or higher."
        )
    return Grant(project=api_key.project, api_key=api_key)


def authorize_person(
    *,
    user: User | AnonymousUser,
    needed: Action,
    project_header: str = "",
    organization_id: uuid.UUID | None = None,
) -> Grant:
    """Allow a signed-in person to perform ``needed``, resolving what it acts on."""
    if needed.reach is Reach.PUBLIC:
        return Grant()
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotSignedIn("Authentication credentials were not provided.")
    if needed.role is None:
        raise Refused("This operation needs a project API key.")
    if needed.reach is Reach.PERSON:
        return Grant()
    if needed.reach is Reach.ORGANIZATION:
        if organization_id is None:
            raise Missing("Organization not found.")
        membership = selectors.membership_of(user=user, organization_id=organization_id)
        if membership is None:
            raise Missing("Organization not found.")
        _check_role(membership.role, needed)
        return Grant(organization=membership.organization, role=membership.role)
    if not project_header:
        raise BadProjectHeader("This header is required.")
    try:
        project_id = uuid.UUID(project_header)
    except ValueError:
        raise BadProjectHeader("Must be a UUID.") from None
    found = selectors.project_for_user(user=user, project_id=project_id)
    if found is None:
        raise Missing("Project not found.")
    project, membership = found
    _check_role(membership.role, needed)
    return Grant(project=project, organization=project.organization, role=membership.role)


def _check_role(role: str, needed: Action) -> None:
    if not needed.admits_role(role):
        raise Refused(f"Your role '{role}' cannot do this; it needs '{needed.role}' or higher.")
