"""Project scoping: every project-owned resource is reached through the request's project.

An API key acts for its own project. A signed-in user names the project in the ``X-Project-Id``
header and acts with the role of their membership in the project's organization. A project the
caller cannot see answers 404, exactly like one that does not exist, so ids of other tenants are
never confirmed.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from llmops.tenancy.authentication import ApiKeyPrincipal
from llmops.tenancy.models import Project, Role
from llmops.tenancy.selectors import project_for_user

PROJECT_HEADER = "X-Project-Id"

PROJECT_HEADER_PARAMETER = OpenApiParameter(
    name=PROJECT_HEADER,
    type=OpenApiTypes.UUID,
    location=OpenApiParameter.HEADER,
    required=False,
    description="With session (browser) authentication: the project to act in. "
    "Ignored with an API key, which always acts in its own project.",
)


def resolve_project(request: Request, *, required_role: str, allow_api_keys: bool) -> Project:
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        if not allow_api_keys:
            raise exceptions.PermissionDenied(
                "This operation needs a signed-in user; API keys cannot perform it."
            )
        return user.project
    raw = request.headers.get(PROJECT_HEADER, "")
    if not raw:
        raise exceptions.ValidationError({PROJECT_HEADER: ["This header is required."]})
    try:
        project_id = uuid.UUID(raw)
    except ValueError:
        raise exceptions.ValidationError({PROJECT_HEADER: ["Must be a UUID."]}) from None
    found = project_for_user(user=session_user(request), project_id=project_id)
    if found is None:
        raise exceptions.NotFound("Project not found.")
    project, membership = found
    if not membership.allows(required_role):
        raise exceptions.PermissionDenied(
            f"Your role '{membership.role}' cannot do this; it needs '{required_role}' or higher."
        )
    return project


class ProjectScopedView(APIView):
    """Base view for project-owned resources; sets ``self.project`` before the handler runs."""

    permission_classes = [permissions.IsAuthenticated]
    # Role a signed-in user needs: reads need viewer, writes need member, unless overridden.
    read_role: str = Role.VIEWER
    write_role: str = Role.MEMBER
    allow_api_keys: bool = True
    project: Project

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        required = self.read_role if request.method in permissions.SAFE_METHODS else self.write_role
        self.project = resolve_project(
            request, required_role=required, allow_api_keys=self.allow_api_keys
        )


class SessionOnly(permissions.BasePermission):
    """Organization-level operations belong to people, not to project keys."""

    message = "This operation needs a signed-in user; API keys cannot perform it."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and not isinstance(user, ApiKeyPrincipal))


def session_user(request: Request) -> User:
    """The signed-in person behind a request (views guarded by ``SessionOnly`` always have one)."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated("Sign in to do this.")
    return user
