"""``manage.py createproject ORGANIZATION PROJECT [--json]``: a project with a fresh key pair."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from llmops.tenancy import domain
from llmops.tenancy.models import KeyScope, Organization, Project


class Command(BaseCommand):
    help = (
        "Create a project (and its organization if there is none of that name) with a new API "
        "key pair, and print the keys. The secret key is shown only here."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organization", help="organization name (created if missing)")
        parser.add_argument("project", help="project name (must be new in the organization)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--scope",
            choices=[scope.value for scope in KeyScope],
            default=KeyScope.MEMBER.value,
            help="what the key may do (default: member; admin adds webhooks, retention, "
            "label protection, gates and connections)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        org_name: str = options["organization"].strip()
        project_name: str = options["project"].strip()
        if not org_name:
            raise CommandError("organization: must not be empty")
        if not project_name:
            raise CommandError("project: must not be empty")
        with transaction.atomic():
            organization = Organization.objects.filter(name=org_name).order_by("created_at").first()
            if organization is None:
                organization = domain.organization_create(name=org_name)
            if Project.objects.filter(organization=organization, name=project_name).exists():
                raise CommandError(
                    f"project: {project_name!r} already exists in organization {org_name!r}"
                )
            project = domain.project_create(organization=organization, name=project_name)
            issued = domain.api_key_create(
                project=project, note="createproject", scope=options["scope"]
            )
        result = {
            "organization": {"id": str(organization.pk), "name": organization.name},
            "project": {"id": str(project.pk), "name": project.name},
            "public_key": issued.api_key.public_key,
            "secret_key": issued.secret_key,
            "scope": issued.api_key.scope,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(f"organization: {organization.name} ({organization.pk})")
        self.stdout.write(f"project:      {project.name} ({project.pk})")
        self.stdout.write(f"public key:   {issued.api_key.public_key}")
        self.stdout.write(f"secret key:   {issued.secret_key}   (shown once; store it now)")
        self.stdout.write(f"key scope:    {issued.api_key.scope}")
