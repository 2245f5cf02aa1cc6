"""The one access check, as every view applies it before its handler runs.

Each view declares ``access``: the action (``llmops.tenancy.access.Action``) each HTTP method
performs. ``DeclaredAccess`` is the default permission class of every DRF view: it resolves the
caller (an API key with its scope, or a signed-in person with their organization role), checks
the action's minimum, and records what the request acts on as ``view.grant``. A view without a
declaration for the method answers 500 and fails the route matrix test.

Kept apart from the view base classes: DRF reads ``DEFAULT_PERMISSION_CLASSES`` while importing
its own views module, so this module must not import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions, permissions
from rest_framework.request import Request

from llmops.tenancy.access import (
    Action,
    BadProjectHeader,
    Grant,
    Missing,
    NotSignedIn,
    Refused,
    authorize_key,
    authorize_person,
)
from llmops.tenancy.authentication import ApiKeyPrincipal

if TYPE_CHECKING:
    from rest_framework.views import APIView

PROJECT_HEADER = "X-Project-Id"

Access = Mapping[str, Action]


def declared_action(view: object, method: str) -> Action:
    """The action ``view`` declares for ``method``; HEAD and OPTIONS read like GET."""
    access: Access | None = getattr(view, "access", None)
    if not access:
        raise ImproperlyConfigured(f"{type(view).__name__} declares no access")
    found: Action | None
    if method in ("HEAD", "OPTIONS"):
        found = access.get("GET") or next(iter(access.values()))
    else:
        found = access.get(method)
    if found is None:
        raise ImproperlyConfigured(f"{type(view).__name__} declares no access for {method}")
    return found


def authorize_request(request: Request, needed: Action, organization_id: Any = None) -> Grant:
    """Resolve the caller of ``request`` and check ``needed``; raise DRF's answer if refused."""
    user = request.user
    try:
        if isinstance(user, ApiKeyPrincipal):
            return authorize_key(api_key=user.api_key, needed=needed)
        return authorize_person(
            user=user if isinstance(user, User) else AnonymousUser(),
            needed=needed,
            project_header=request.headers.get(PROJECT_HEADER, ""),
            organization_id=organization_id,
        )
    except NotSignedIn as exc:
        raise exceptions.NotAuthenticated(str(exc)) from None
    except Refused as exc:
        raise exceptions.PermissionDenied(str(exc)) from None
    except Missing as exc:
        raise exceptions.NotFound(str(exc)) from None
    except BadProjectHeader as exc:
        raise exceptions.ValidationError({PROJECT_HEADER: [str(exc)]}) from None


class DeclaredAccess(permissions.BasePermission):
    """Runs the access check for the view's declared action before the handler."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        method = request.method or "GET"
        if method.lower() not in view.http_method_names or not hasattr(view, method.lower()):
            # A method the view does not handle at all is the client's mistake (405), not an
            # undeclared one (a configuration error, 500).
            raise exceptions.MethodNotAllowed(method)
        needed = declared_action(view, method)
        view.grant = authorize_request(  # type: ignore[attr-defined]
            request, needed, organization_id=view.kwargs.get("organization_id")
        )
        return True


_View = TypeVar("_View", bound=Callable[..., Any])


def declare_access(access: Access) -> Callable[[_View], _View]:
    """Declare the actions of a plain Django view (not DRF), for the route matrix test.

    The view itself must enforce them (``authorize_key``) unless they are public.
    """

    def mark(view: _View) -> _View:
        view.access = access  # type: ignore[attr-defined]
        return view

    return mark
