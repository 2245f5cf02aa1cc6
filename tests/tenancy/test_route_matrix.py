"""The route matrix: every URL by every kind of caller, answered as the declared table says.

Walks the URL configuration (REST, MLflow, OTLP, the web UI) instead of a hand-made list, so a
new view is in the matrix the moment it is routed, and a view that declares no action for one
of its methods fails ``test_every_route_declares_an_action_for_each_method``.

"Allowed" means the permission layer let the request through: the answer is neither 401 nor 403
(the view then answers 400 for the empty body, 404 for the made-up ids, or 200).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from llmops.prompts.api.views import PromptListCreateView
from llmops.tenancy.access import ACTIONS, Action, Reach
from llmops.tenancy.api.access_check import DeclaredAccess
from llmops.tenancy.models import KeyScope, Role
from tests.conftest import MakeUser, Tenant, make_tenant

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    pattern: str
    callback: Callable[..., Any]

    @property
    def view_class(self) -> type[APIView] | None:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    def methods(self) -> list[str]:
        cls = self.view_class
        if cls is not None:
            return [m.upper() for m in METHODS if hasattr(cls, m)]
        return list(getattr(self.callback, "access", {}) or ["GET"])

    def declared(self, method: str) -> Action | None:
        holder = self.view_class or self.callback
        access = getattr(holder, "access", None) or {}
        found: Action | None = access.get(method)
        return found

    def path(self, organization_id: uuid.UUID) -> str:
        """The route with made-up values (or the caller's organization) in its parameters."""
        fills = {
            "uuid": str(uuid.UUID(int=7)),
            "int": "987654",
            "str": "no-such-thing",
            "path": "no/such/thing",
        }
        if self.pattern.startswith("^"):  # the web UI's catch-all regex
            return "/some/page/of/the/app"

        def fill(match: re.Match[str]) -> str:
            converter, name = match.group(1) or "str", match.group(2)
            return str(organization_id) if name == "organization_id" else fills[converter]

        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, self.pattern)


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Route(prefix + str(entry.pattern), entry.callback)


def routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def undeclared() -> list[str]:
    """Every (route, method) without an action, and every DRF view that opts out of the check."""
    missing = []
    for route in routes():
        for method in route.methods():
            if route.declared(method) is None:
                missing.append(f"{method} /{route.pattern}")
        cls = route.view_class
        if cls is not None and DeclaredAccess not in cls.permission_classes:
            missing.append(f"/{route.pattern}: permission_classes skip DeclaredAccess")
    return missing


def test_every_route_declares_an_action_for_each_method() -> None:
    assert len(routes()) > 150  # the walk really reaches the REST and MLflow routes
    assert undeclared() == []


def test_a_view_without_a_declaration_is_caught_and_refused(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PromptListCreateView, "access", {"GET": ACTIONS["prompts.read"]})
    assert undeclared() == ["POST /api/v1/prompts"]
    # And the check refuses to run the handler: a configuration error, never an open door.
    client = tenant.client("admin")
    client.raise_request_exception = False
    response = client.post("/api/v1/prompts", {"name": "x", "template": "t"}, format="json")
    assert response.status_code == 500


# --- the matrix ------------------------------------------------------------------------------


@dataclass
class Caller:
    name: str
    client: Callable[[], APIClient]
    role: str | None = None  # a signed-in person's role
    key_scope: str | None = None  # an API key's scope


def _expected_allowed(caller: Caller, action: Action) -> bool | None:
    """True: let through; False: refused (403); None: anonymous, refused with 401."""
    if action.reach is Reach.PUBLIC:
        return True
    if caller.role is None and caller.key_scope is None:
        return None
    if caller.key_scope is not None:
        return action.reach is Reach.PROJECT and action.admits_key(caller.key_scope)
    assert caller.role is not None
    return action.admits_role(caller.role)


@pytest.fixture
def callers(tenant: Tenant, make_user: MakeUser) -> list[Caller]:
    other = make_tenant("Initech", "elsewhere")

    def person(role: str) -> Caller:
        user = make_user(f"matrix-{role}", tenant.organization, role)

        def client() -> APIClient:
            signed_in = APIClient()
            signed_in.force_login(user)
            signed_in.credentials(HTTP_X_PROJECT_ID=str(tenant.project.pk))
            return signed_in

        return Caller(f"session:{role}", client, role=role)

    def key(owner: Tenant, scope: str, name: str) -> Caller:
        secret = owner.key(scope)

        def client() -> APIClient:
            keyed = APIClient()
            keyed.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
            return keyed

        return Caller(name, client, key_scope=scope)

    return [
        Caller("anonymous", APIClient),
        *(person(role) for role in (Role.VIEWER, Role.MEMBER, Role.ADMIN, Role.OWNER)),
        *(key(tenant, scope, f"key:{scope}") for scope in KeyScope),
        # Another project's strongest key: its scope passes, the project boundary is what stops
        # it (tests/tenancy/test_isolation.py walks that boundary with real objects).
        key(other, KeyScope.ADMIN, "other-project-key:admin"),
    ]


def test_every_route_answers_every_caller_as_declared(
    tenant: Tenant, callers: list[Caller]
) -> None:
    wrong = []
    checked = 0
    for route in routes():
        for method in route.methods():
            action = route.declared(method)
            assert action is not None
            for caller in callers:
                client = caller.client()
                client.raise_request_exception = False
                path = route.path(tenant.organization.pk)
                response = getattr(client, method.lower())(path, {}, format="json")
                expected = _expected_allowed(caller, action)
                status = response.status_code
                if (
                    path.startswith("/langsmith/")
                    and caller.key_scope is None
                    and action.reach is not Reach.PUBLIC
                ):
                    # LangSmith's routes take API keys only: a session is no credential there.
                    ok = status == 401
                elif expected is None:
                    ok = status == 401
                elif expected:
                    ok = status not in (401, 403)
                elif action.role is None and caller.key_scope is None:
                    # A key-only endpoint (OTLP) takes no session: the person has presented
                    # no credentials it accepts.
                    ok = status == 401
                else:
                    ok = status == 403
                checked += 1
                if not ok:
                    wrong.append(f"{method} {path} as {caller.name} ({action.name}): {status}")
    assert checked > 1500
    assert wrong == []
