from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from llmops.restapi.scoping import (
    PROJECT_HEADER_PARAMETER,
    ProjectScopedView,
    SessionOnly,
    session_user,
)
from llmops.tenancy import domain, selectors
from llmops.tenancy.api.serializers import (
    ApiKeyCreatedOutput,
    ApiKeyCreateInput,
    ApiKeyOutput,
    LoginInput,
    MemberOutput,
    MemberSetInput,
    OrganizationCreateInput,
    OrganizationOutput,
    ProjectCreateInput,
    ProjectOutput,
    SessionOutput,
)
from llmops.tenancy.models import ApiKey, Membership, Organization, Role


def _organization_for(
    request: Request, organization_id: uuid.UUID, required_role: str
) -> Organization:
    membership = selectors.membership_of(
        user=session_user(request), organization_id=organization_id
    )
    if membership is None:
        raise exceptions.NotFound("Organization not found.")
    if not membership.allows(required_role):
        raise exceptions.PermissionDenied(
            f"Your role '{membership.role}' cannot do this; it needs '{required_role}' or higher."
        )
    return membership.organization


# --- session (browser) ---------------------------------------------------------------------


class SessionView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(operation_id="auth_session", responses=SessionOutput, summary="Who is signed in")
    @method_decorator(ensure_csrf_cookie)
    def get(self, request: Request) -> Response:
        user = request.user if isinstance(request.user, User) else None
        signed_in = user is not None and user.is_authenticated
        memberships: list[Membership] = (
            list(Membership.objects.filter(user=user).select_related("organization"))
            if user is not None and signed_in
            else []
        )
        return Response(
            SessionOutput(
                {
                    "authenticated": signed_in,
                    "username": user.get_username() if user is not None and signed_in else None,
                    "memberships": memberships,
                }
            ).data
        )


class LoginView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []

    def get_authenticate_header(self, request: Request) -> str:
        # Wrong credentials are a 401, which HTTP requires to carry a challenge.
        return 'Session realm="llmops"'

    @extend_schema(operation_id="auth_login", request=LoginInput, responses=SessionOutput)
    def post(self, request: Request) -> Response:
        # DRF exempts its views from Django's CSRF middleware and only checks CSRF for an
        # already-authenticated session; a login form must be protected too (login CSRF).
        SessionAuthentication().enforce_csrf(request)
        body = LoginInput(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=body.validated_data["username"],
            password=body.validated_data["password"],
        )
        if user is None:
            raise exceptions.AuthenticationFailed("Wrong username or password.")
        login(request._request, user)
        memberships = list(Membership.objects.filter(user=user).select_related("organization"))
        return Response(
            SessionOutput(
                {"authenticated": True, "username": user.get_username(), "memberships": memberships}
            ).data
        )


class LogoutView(APIView):
    permission_classes = [SessionOnly]

    @extend_schema(operation_id="auth_logout", request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- organizations ---------------------------------------------------------------------------


class OrganizationListCreateView(APIView):
    permission_classes = [SessionOnly]

    @extend_schema(operation_id="organizations_list", responses=OrganizationOutput(many=True))
    def get(self, request: Request) -> Response:
        organizations = selectors.organizations_of_user(user=session_user(request))
        return Response(OrganizationOutput(organizations, many=True).data)

    @extend_schema(
        operation_id="organizations_create",
        request=OrganizationCreateInput,
        responses={201: OrganizationOutput},
        summary="Create an organization; the caller becomes its owner",
    )
    def post(self, request: Request) -> Response:
        body = OrganizationCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        organization = domain.organization_create(
            name=body.validated_data["name"], owner=session_user(request)
        )
        return Response(OrganizationOutput(organization).data, status=status.HTTP_201_CREATED)


class OrganizationProjectsView(APIView):
    permission_classes = [SessionOnly]

    @extend_schema(operation_id="organization_projects_list", responses=ProjectOutput(many=True))
    def get(self, request: Request, organization_id: uuid.UUID) -> Response:
        organization = _organization_for(request, organization_id, Role.VIEWER)
        projects = selectors.projects_of_organization(organization=organization).select_related(
            "organization"
        )
        return Response(ProjectOutput(projects, many=True).data)

    @extend_schema(
        operation_id="organization_projects_create",
        request=ProjectCreateInput,
        responses={201: ProjectOutput},
    )
    def post(self, request: Request, organization_id: uuid.UUID) -> Response:
        organization = _organization_for(request, organization_id, Role.ADMIN)
        body = ProjectCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            project = domain.project_create(
                organization=organization, name=body.validated_data["name"]
            )
        except domain.ProjectNameTaken as exc:
            raise exceptions.ValidationError({"name": [str(exc)]}) from None
        return Response(ProjectOutput(project).data, status=status.HTTP_201_CREATED)


class OrganizationMembersView(APIView):
    permission_classes = [SessionOnly]

    @extend_schema(operation_id="organization_members_list", responses=MemberOutput(many=True))
    def get(self, request: Request, organization_id: uuid.UUID) -> Response:
        organization = _organization_for(request, organization_id, Role.VIEWER)
        members = Membership.objects.filter(organization=organization).select_related("user")
        return Response(MemberOutput(members.order_by("created_at"), many=True).data)

    @extend_schema(
        operation_id="organization_members_set",
        request=MemberSetInput,
        responses=MemberOutput,
        summary="Add a user to the organization or change their role",
    )
    def post(self, request: Request, organization_id: uuid.UUID) -> Response:
        organization = _organization_for(request, organization_id, Role.ADMIN)
        body = MemberSetInput(data=request.data)
        body.is_valid(raise_exception=True)
        role = body.validated_data["role"]
        caller = selectors.membership_of(
            user=session_user(request), organization_id=organization.pk
        )
        if role == Role.OWNER and (caller is None or caller.role != Role.OWNER):
            raise exceptions.PermissionDenied("Only an owner can make someone an owner.")
        user = User.objects.filter(username=body.validated_data["username"]).first()
        if user is None:
            raise exceptions.ValidationError({"username": ["No user with this username."]})
        membership = domain.membership_set(organization=organization, user=user, role=role)
        return Response(MemberOutput(membership).data)


# --- the request's project and its API keys ------------------------------------------------


class CurrentProjectView(ProjectScopedView):
    @extend_schema(
        operation_id="project_current",
        responses=ProjectOutput,
        parameters=[PROJECT_HEADER_PARAMETER],
        summary="The project the credentials act in",
    )
    def get(self, request: Request) -> Response:
        return Response(ProjectOutput(self.project).data)


class ApiKeyListCreateView(ProjectScopedView):
    read_role = Role.ADMIN
    write_role = Role.ADMIN

    def get_permissions(self) -> Sequence[Any]:
        if self.request.method == "POST":
            return [SessionOnly()]
        return super().get_permissions()

    @extend_schema(
        operation_id="api_keys_list",
        responses=ApiKeyOutput(many=True),
        parameters=[PROJECT_HEADER_PARAMETER],
    )
    def get(self, request: Request) -> Response:
        return Response(
            ApiKeyOutput(selectors.api_keys_of_project(project=self.project), many=True).data
        )

    @extend_schema(
        operation_id="api_keys_create",
        request=ApiKeyCreateInput,
        responses={201: ApiKeyCreatedOutput},
        parameters=[PROJECT_HEADER_PARAMETER],
        summary="Create a key pair; the secret key is in this response only",
    )
    def post(self, request: Request) -> Response:
        body = ApiKeyCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        issued = domain.api_key_create(
            project=self.project, note=body.validated_data["note"], created_by=session_user(request)
        )
        data = dict(ApiKeyOutput(issued.api_key).data)
        data["secret_key"] = issued.secret_key
        return Response(data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeView(ProjectScopedView):
    write_role = Role.ADMIN
    permission_classes = [SessionOnly]

    @extend_schema(
        operation_id="api_keys_revoke",
        request=None,
        responses=ApiKeyOutput,
        parameters=[PROJECT_HEADER_PARAMETER],
    )
    def post(self, request: Request, key_id: uuid.UUID) -> Response:
        api_key = ApiKey.objects.filter(project=self.project, pk=key_id).first()
        if api_key is None:
            raise exceptions.NotFound("API key not found.")
        return Response(ApiKeyOutput(domain.api_key_revoke(api_key=api_key)).data)
