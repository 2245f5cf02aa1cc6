"""Reads of the tenancy context."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import User
from django.db.models import QuerySet

from llmops.tenancy.models import ApiKey, Membership, Organization, Project


def organizations_of_user(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("created_at")


def membership_of(*, user: User, organization_id: uuid.UUID) -> Membership | None:
    return (
        Membership.objects.select_related("organization")
        .filter(user=user, organization_id=organization_id)
        .first()
    )


def projects_of_organization(*, organization: Organization) -> QuerySet[Project]:
    return Project.objects.filter(organization=organization).order_by("created_at")


def api_keys_of_project(*, project: Project) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(project=project).order_by("-created_at")


def project_for_user(*, user: User, project_id: uuid.UUID) -> tuple[Project, Membership] | None:
    """The project with its membership, if ``user`` belongs to the project's organization."""
    project = Project.objects.select_related("organization").filter(pk=project_id).first()
    if project is None:
        return None
    membership = Membership.objects.filter(
        user=user, organization_id=project.organization_id
    ).first()
    if membership is None:
        return None
    return project, membership
