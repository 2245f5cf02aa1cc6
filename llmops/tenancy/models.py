"""Organizations, projects, memberships and project API keys."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


# Higher rank includes every right of the lower ones.
ROLE_RANK: dict[str, int] = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


class KeyScope(models.TextChoices):
    """What an API key may do; see ``llmops.tenancy.access`` for the ranks."""

    INGEST = "ingest"  # send traces and scores only
    MEMBER = "member"  # a member's rights in the key's project
    ADMIN = "admin"  # an admin's rights in the key's project (created by an owner, on purpose)


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")
        ]

    def allows(self, required: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[required]


class Project(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="project_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A key pair of a project. Only a SHA-256 digest of the secret is kept.

    The secret carries 256 bits of randomness, so a fast digest is enough (it is not a password
    that could be guessed); the digest is unique and indexed, so authentication is one lookup.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="api_keys")
    public_key = models.CharField(max_length=64, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the secret, so people can tell keys apart in a list.
    secret_hint = models.CharField(max_length=16)
    note = models.CharField(max_length=200, blank=True, default="")
    # db_default: keys issued before scopes existed keep the rights they were documented with.
    scope = models.CharField(
        max_length=16, choices=KeyScope.choices, default=KeyScope.MEMBER, db_default="member"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
