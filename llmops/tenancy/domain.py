"""Writes of the tenancy context: organizations, memberships, projects and API keys."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from llmops.domain_errors import Invalid
from llmops.tenancy import keys
from llmops.tenancy.models import ApiKey, KeyScope, Membership, Organization, Project, Role

# last_used_at is written at most this often per key, so authenticated traffic does not turn
# every request into a row update.
LAST_USED_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedApiKey:
    """A freshly created key with its secret: the only moment the secret is known."""

    api_key: ApiKey
    secret_key: str


def organization_create(*, name: str, owner: User | None = None) -> Organization:
    with transaction.atomic():
        organization = Organization.objects.create(name=name)
        if owner is not None:
            Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    return organization


def membership_set(*, organization: Organization, user: User, role: str) -> Membership:
    """Give ``user`` the ``role`` in ``organization``, creating or changing the membership."""
    membership, _ = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    return membership


class ProjectNameTaken(Invalid):
    """The organization has a project of that name; a 400 naming ``name``, as it always was."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="name")


def project_create(*, organization: Organization, name: str) -> Project:
    try:
        # A savepoint, so a name clash leaves the caller's transaction usable.
        with transaction.atomic():
            return Project.objects.create(organization=organization, name=name)
    except IntegrityError:
        raise ProjectNameTaken(
            f"a project named {name!r} already exists in the organization"
        ) from None


def api_key_create(
    *,
    project: Project,
    note: str = "",
    scope: str = KeyScope.MEMBER,
    created_by: User | None = None,
) -> IssuedApiKey:
    secret = keys.new_secret_key()
    api_key = ApiKey.objects.create(
        project=project,
        public_key=keys.new_public_key(),
        secret_hash=keys.digest_secret(secret),
        secret_hint=keys.secret_hint(secret),
        note=note,
        scope=scope,
        created_by=created_by,
    )
    return IssuedApiKey(api_key=api_key, secret_key=secret)


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke the key; revoking twice keeps the first revocation time."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_key_authenticate(*, secret: str, public_key: str | None = None) -> ApiKey | None:
    """Return the active key whose secret is ``secret`` (and whose public key matches, if given).

    Records the time of use, at most once per ``LAST_USED_RESOLUTION``.
    """
    api_key = (
        ApiKey.objects.select_related("project", "project__organization")
        .filter(secret_hash=keys.digest_secret(secret), revoked_at__isnull=True)
        .first()
    )
    if api_key is None:
        return None
    if public_key is not None and not hmac.compare_digest(api_key.public_key, public_key):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional update: concurrent requests race harmlessly, one of them writes.
        ApiKey.objects.filter(pk=api_key.pk).exclude(
            last_used_at__gt=now - LAST_USED_RESOLUTION
        ).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
