"""The view base classes: every view declares its access; project and organization views get
what the check resolved (``llmops.tenancy.api.access_check``).

A project (or organization) the caller cannot see answers 404, exactly like one that does not
exist, so ids of other tenants are never confirmed.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from llmops.restapi.json_limits import LimitedJSONParser
from llmops.tenancy.access import Grant
from llmops.tenancy.api.access_check import PROJECT_HEADER, Access, DeclaredAccess
from llmops.tenancy.models import Organization, Project

PROJECT_HEADER_PARAMETER = OpenApiParameter(
    name=PROJECT_HEADER,
    type=OpenApiTypes.UUID,
    location=OpenApiParameter.HEADER,
    required=False,
    description="With session (browser) authentication: the project to act in. "
    "Ignored with an API key, which always acts in its own project.",
)


class DeclaredView(APIView):
    """Base of every platform view: ``access`` maps each HTTP method to its action."""

    permission_classes = [DeclaredAccess]
    access: Access = {}
    grant: Grant


class LenientJSONParser(LimitedJSONParser):
    """Other products' clients send JSON bodies, sometimes without a JSON content type."""

    media_type = "*/*"


class ProjectScopedView(DeclaredView):
    """Base view for project-owned resources: ``self.project`` is the request's project."""

    @property
    def project(self) -> Project:
        project = self.grant.project
        if project is None:
            raise ImproperlyConfigured(f"{type(self).__name__} declares a non-project action")
        return project


class ForeignProtocolView(ProjectScopedView):
    """Base of the views that speak another product's API (MLflow, Langfuse, LangSmith) so its
    clients work unchanged: project-scoped by the key like every endpoint, outside the
    platform's OpenAPI document, JSON read whatever the content type says, and errors in that
    product's shape (``answer_error``, the adapter's; None leaves the error to DRF)."""

    schema = None
    parser_classes = [LenientJSONParser]
    # WWW-Authenticate of a 401 (DRF adds its own; the body stays the product's).
    challenge = 'Bearer realm="llmops"'

    @staticmethod
    def answer_error(exc: Exception) -> Response | None:
        return None

    def handle_exception(self, exc: Exception) -> Response:
        response = self.answer_error(exc)
        if response is None:
            return super().handle_exception(exc)
        if response.status_code == 401:
            response["WWW-Authenticate"] = self.challenge
        return response


class OrganizationScopedView(DeclaredView):
    """Base view for ``organizations/<organization_id>/…``: ``self.organization`` is checked."""

    @property
    def organization(self) -> Organization:
        organization = self.grant.organization
        if organization is None:
            raise ImproperlyConfigured(f"{type(self).__name__} declares a non-organization action")
        return organization


def session_user(request: Request) -> User:
    """The signed-in person behind a request whose action admits only people."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated("Sign in to do this.")
    return user
