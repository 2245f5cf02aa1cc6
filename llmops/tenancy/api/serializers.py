from __future__ import annotations

from typing import Any

from rest_framework import serializers

from llmops.restapi.strict import StrictInputSerializer
from llmops.tenancy.models import KeyScope, Role


class OrganizationOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()


class OrganizationCreateInput(StrictInputSerializer):
    name = serializers.CharField(max_length=200)


class ProjectOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()
    organization = OrganizationOutput()
    created_at = serializers.DateTimeField()


class ProjectCreateInput(StrictInputSerializer):
    name = serializers.CharField(max_length=200)


class MemberOutput(serializers.Serializer[Any]):
    user_id = serializers.IntegerField(source="user.id")
    username = serializers.CharField(source="user.username")
    role = serializers.ChoiceField(choices=Role.choices)
    created_at = serializers.DateTimeField()


class MemberSetInput(StrictInputSerializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)


class ApiKeyOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    public_key = serializers.CharField()
    secret_hint = serializers.CharField(help_text="The first characters of the secret key.")
    note = serializers.CharField()
    scope = serializers.ChoiceField(
        choices=KeyScope.choices,
        help_text="ingest: send traces and scores only; member: a member's rights in the "
        "project; admin: an admin's rights in the project (keys, members and organizations "
        "stay with people).",
    )
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class ApiKeyCreatedOutput(ApiKeyOutput):
    secret_key = serializers.CharField(help_text="Shown once; only a digest is stored.")


class ApiKeyCreateInput(StrictInputSerializer):
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    scope = serializers.ChoiceField(
        choices=KeyScope.choices,
        required=False,
        default=KeyScope.MEMBER,
        help_text="What the key may do; 'admin' only by an owner.",
    )


class LoginInput(StrictInputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class SessionMembershipOutput(serializers.Serializer[Any]):
    organization = OrganizationOutput()
    role = serializers.CharField()


class SessionOutput(serializers.Serializer[Any]):
    authenticated = serializers.BooleanField()
    username = serializers.CharField(allow_null=True)
    memberships = SessionMembershipOutput(many=True)
