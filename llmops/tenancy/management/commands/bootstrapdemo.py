"""``manage.py bootstrapdemo``: the demo organization, project, user and keys of a first start.

Idempotent: later runs print the credentials saved by the first one (in the data folder, readable
only by its owner) instead of creating new ones.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from llmops.tenancy import domain
from llmops.tenancy.models import ApiKey, Role

DEMO_ORGANIZATION = "Demo"
DEMO_PROJECT = "demo"
DEMO_USER = "demo"


def credentials_path() -> Path:
    return Path(settings.DATA_DIR) / "demo-credentials.json"


class Command(BaseCommand):
    help = "Create the demo organization, project, user and API keys once, and print them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="URL to print")

    def handle(self, *args: Any, **options: Any) -> None:
        path = credentials_path()
        saved = self._load(path)
        if saved is None:
            saved = self._create()
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(saved, handle, indent=2)
        url = options["url"].rstrip("/")
        self.stdout.write("")
        self.stdout.write(f"  LLMOps platform: {url}")
        self.stdout.write(f"  API docs:        {url}/api/docs/")
        self.stdout.write(
            f"  organization:    {saved['organization']}   project: {saved['project']}"
        )
        self.stdout.write(f"  sign in:         {saved['username']} / {saved['password']}")
        self.stdout.write(f"  public key:      {saved['public_key']}")
        self.stdout.write(f"  secret key:      {saved['secret_key']}")
        self.stdout.write(f"  (saved in {path})")
        self.stdout.write("")

    def _load(self, path: Path) -> dict[str, str] | None:
        if not path.exists():
            return None
        saved: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        # The file may outlive a reset database; only trust it if its key is still valid.
        if not ApiKey.objects.filter(
            public_key=saved.get("public_key", ""), revoked_at__isnull=True
        ).exists():
            return None
        return saved

    def _create(self) -> dict[str, str]:
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user = User.objects.filter(username=DEMO_USER).first()
            if user is None:
                user = User.objects.create_user(username=DEMO_USER, password=password)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            organization = domain.organization_create(name=DEMO_ORGANIZATION)
            domain.membership_set(organization=organization, user=user, role=Role.OWNER)
            project = domain.project_create(organization=organization, name=DEMO_PROJECT)
            issued = domain.api_key_create(project=project, note="demo", created_by=user)
        return {
            "organization": organization.name,
            "organization_id": str(organization.pk),
            "project": project.name,
            "project_id": str(project.pk),
            "username": DEMO_USER,
            "password": password,
            "public_key": issued.api_key.public_key,
            "secret_key": issued.secret_key,
        }
