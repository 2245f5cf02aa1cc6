from __future__ import annotations

import uuid

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.tenancy import domain, selectors
from llmops.tenancy.access import PUBLIC
from llmops.tenancy.api import access as actions
from llmops.tenancy.api.scoping import (
    PROJECT_HEADER_PARAMETER,
    DeclaredView,
    OrganizationScopedView,
    ProjectScopedView,
    session_user,
)
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
from llmops.tenancy.models import ApiKey, KeyScope, Membership, Role
from llmops.tenancy.signin import SignInGuard

# --- session (browser) ---------------------------------------------------------------------


class SessionView(DeclaredView):
    access = {"GET": PUBLIC}

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


class LoginView(DeclaredView):
    access = {"POST": PUBLIC}
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
        guard = SignInGuard.for_attempt(
            request=request._request, username=body.validated_data["username"]
        )
        # Before authenticate(): a locked-out attempt must cost no password hashing.
        guard.check()
        user = authenticate(
            request._request,
            username=body.validated_data["username"],
            password=body.validated_data["password"],
        )
        if user is None:
            guard.failed()
            raise exceptions.AuthenticationFailed("Wrong username or password.")
        guard.succeeded()
        login(request._request, user)
        memberships = list(Membership.objects.filter(user=user).select_related("organization"))
        return Response(
            SessionOutput(
                {"authenticated": True, "username": user.get_username(), "memberships": memberships}
            ).data
        )


class LogoutView(DeclaredView):
    access = {"POST": actions.SIGNED_IN}

    @extend_schema(operation_id="auth_logout", request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- organizations ---------------------------------------------------------------------------


class OrganizationListCreateView(DeclaredView):
    access = {"GET": actions.SIGNED_IN, "POST": actions.SIGNED_IN}

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


class OrganizationProjectsView(OrganizationScopedView):
    access = {"GET": actions.ORGANIZATION_READ, "POST": actions.MANAGE_PROJECTS}

    @extend_schema(operation_id="organization_projects_list", responses=ProjectOutput(many=True))
    def get(self, request: Request, organization_id: uuid.UUID) -> Response:
        organization = self.organization
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
        organization = self.organization
        body = ProjectCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        project = domain.project_create(organization=organization, name=body.validated_data["name"])
        return Response(ProjectOutput(project).data, status=status.HTTP_201_CREATED)


class OrganizationMembersView(OrganizationScopedView):
    access = {"GET": actions.ORGANIZATION_READ, "POST": actions.MANAGE_MEMBERS}

    @extend_schema(operation_id="organization_members_list", responses=MemberOutput(many=True))
    def get(self, request: Request, organization_id: uuid.UUID) -> Response:
        organization = self.organization
        members = Membership.objects.filter(organization=organization).select_related("user")
        return Response(MemberOutput(members.order_by("created_at"), many=True).data)

    @extend_schema(
        operation_id="organization_members_set",
        request=MemberSetInput,
        responses=MemberOutput,
        summary="Add a user to the organization or change their role",
    )
    def post(self, request: Request, organization_id: uuid.UUID) -> Response:
        organization = self.organization
        body = MemberSetInput(data=request.data)
        body.is_valid(raise_exception=True)
        role = body.validated_data["role"]
        if role == Role.OWNER and self.grant.role != Role.OWNER:
            raise exceptions.PermissionDenied("Only an owner can make someone an owner.")
        user = User.objects.filter(username=body.validated_data["username"]).first()
        if user is None:
            raise exceptions.ValidationError({"username": ["No user with this username."]})
        membership = domain.membership_set(organization=organization, user=user, role=role)
        return Response(MemberOutput(membership).data)


# --- the request's project and its API keys ------------------------------------------------


class CurrentProjectView(ProjectScopedView):
    access = {"GET": actions.PROJECT_READ}

    @extend_schema(
        operation_id="project_current",
        responses=ProjectOutput,
        parameters=[PROJECT_HEADER_PARAMETER],
        summary="The project the credentials act in",
    )
    def get(self, request: Request) -> Response:
        return Response(ProjectOutput(self.project).data)


class ApiKeyListCreateView(ProjectScopedView):
    access = {"GET": actions.MANAGE_KEYS, "POST": actions.MANAGE_KEYS}

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
        scope = body.validated_data["scope"]
        if scope == KeyScope.ADMIN and self.grant.role != Role.OWNER:
            # An admin-scope key outlives its creator's session: only owners issue one.
            raise exceptions.PermissionDenied("Only an owner can create a key with scope 'admin'.")
        issued = domain.api_key_create(
            project=self.project,
            note=body.validated_data["note"],
            scope=scope,
            created_by=session_user(request),
        )
        data = dict(ApiKeyOutput(issued.api_key).data)
        data["secret_key"] = issued.secret_key
        return Response(data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeView(ProjectScopedView):
    access = {"POST": actions.MANAGE_KEYS}

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
