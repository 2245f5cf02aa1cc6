"""Shared fixtures: tenants, keys and clients that act as them."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Protocol

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from llmops.tenancy import domain
from llmops.tenancy.models import Organization, Project, Role


@dataclass
class Tenant:
    organization: Organization
    project: Project
    public_key: str
    secret_key: str

    def client(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.secret_key}")
        return client

    def basic_client(self) -> APIClient:
        token = base64.b64encode(f"{self.public_key}:{self.secret_key}".encode()).decode()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
        return client


def make_tenant(org_name: str, project_name: str) -> Tenant:
    organization = domain.organization_create(name=org_name)
    project = domain.project_create(organization=organization, name=project_name)
    issued = domain.api_key_create(project=project, note="test")
    return Tenant(organization, project, issued.api_key.public_key, issued.secret_key)


@pytest.fixture
def tenant(db: None) -> Tenant:
    return make_tenant("Acme", "support-bot")


@pytest.fixture
def other_tenant(db: None) -> Tenant:
    return make_tenant("Globex", "search")


class MakeUser(Protocol):
    def __call__(
        self, username: str, organization: Organization | None = ..., role: str = ...
    ) -> User: ...


@pytest.fixture
def make_user(db: None) -> MakeUser:
    def make(
        username: str, organization: Organization | None = None, role: str = Role.MEMBER
    ) -> User:
        user = User.objects.create_user(username=username, password="correct horse battery")
        if organization is not None:
            domain.membership_set(organization=organization, user=user, role=role)
        return user

    return make


def session_client(user: User, project: Project | None = None) -> APIClient:
    """A browser-like client: signed in with a session, CSRF enforced like in a browser."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    if project is not None:
        client.credentials(HTTP_X_PROJECT_ID=str(project.pk))
    return client
