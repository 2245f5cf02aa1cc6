"""REST authentication with project API keys: ``Bearer <secret>`` or Basic ``public:secret``."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from llmops.tenancy.domain import api_key_authenticate
from llmops.tenancy.models import ApiKey, Project


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """``request.user`` of a request authenticated by an API key: the key's project acts."""

    api_key: ApiKey

    is_authenticated = True
    is_anonymous = False
    is_active = True

    @property
    def project(self) -> Project:
        return self.api_key.project

    def __str__(self) -> str:
        return f"api-key:{self.api_key.public_key}"


def credentials_from_header(header: str) -> tuple[str, str | None] | None:
    """Parse an Authorization header into ``(secret, public_key or None)``.

    Returns None when the scheme is not ours (so session authentication may still apply) and
    raises AuthenticationFailed when it is ours but malformed.
    """
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme == "bearer":
        if not value:
            raise exceptions.AuthenticationFailed("Authorization: empty bearer token.")
        return value, None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise exceptions.AuthenticationFailed(
                "Authorization: Basic credentials are not valid base64."
            ) from None
        public_key, sep, secret = decoded.partition(":")
        if not sep or not public_key or not secret:
            raise exceptions.AuthenticationFailed(
                "Authorization: Basic credentials must be 'public_key:secret_key'."
            )
        return secret, public_key
    return None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        credentials = credentials_from_header(header)
        if credentials is None:
            return None
        secret, public_key = credentials
        api_key = api_key_authenticate(secret=secret, public_key=public_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing.
        return 'Bearer realm="llmops"'


class HeaderApiKeyAuthentication(authentication.BaseAuthentication):
    """A project secret key in the ``X-Api-Key`` header, as LangSmith's clients send it; used
    only by the LangSmith-compatible views (the platform's own API reads Authorization)."""

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        secret = request.META.get("HTTP_X_API_KEY", "").strip()
        if not secret:
            return None
        api_key = api_key_authenticate(secret=secret, public_key=None)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'ApiKey realm="llmops", header="X-Api-Key"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "llmops.tenancy.authentication.ApiKeyAuthentication"
    name = ["bearerAuth", "basicAuth"]

    def get_security_definition(self, auto_schema: object) -> list[dict[str, str]]:
        return [
            {"type": "http", "scheme": "bearer", "description": "Project secret key"},
            {"type": "http", "scheme": "basic", "description": "public_key:secret_key"},
        ]
