"""Provider connections: where evaluation calls go, with the key kept encrypted."""

from __future__ import annotations

from typing import Any

from llmops_evals.provider import ProviderConfig

from llmops.evaluation import secrets
from llmops.evaluation.errors import ConnectionNotFound, EvaluationNotFound
from llmops.evaluation.models import ProviderConnection
from llmops.tenancy.models import Project


def connection_save(
    *,
    project: Project,
    name: str,
    base_url: str,
    model_names: list[str],
    api_key: str | None,
    concurrency: int,
    timeout_seconds: float,
) -> ProviderConnection:
    """Create or update by name; ``api_key`` None keeps the stored key."""
    values: dict[str, Any] = {
        "base_url": base_url.rstrip("/"),
        "model_names": model_names,
        "concurrency": concurrency,
        "timeout_seconds": timeout_seconds,
    }
    if api_key is not None:
        values["api_key_encrypted"] = secrets.encrypt(api_key)
    connection, _ = ProviderConnection.objects.update_or_create(
        project=project, name=name, defaults=values
    )
    return connection


def provider_config(
    connection: ProviderConnection, *, concurrency: int | None = None
) -> ProviderConfig:
    return ProviderConfig(
        base_url=connection.base_url,
        api_key=secrets.decrypt(connection.api_key_encrypted),
        concurrency=concurrency or connection.concurrency,
        timeout_seconds=connection.timeout_seconds,
    )


def connection_get(*, project: Project, name: str, field: str) -> ProviderConnection:
    found = ProviderConnection.objects.filter(project=project, name=name).first()
    if found is None:
        raise ConnectionNotFound(f"no provider connection named {name!r}", field=field)
    return found


def connection_delete(*, project: Project, name: str) -> None:
    """Remove a connection; suites naming it fail to start until it is saved again."""
    deleted, _ = ProviderConnection.objects.filter(project=project, name=name).delete()
    if not deleted:
        raise EvaluationNotFound("Connection not found.", field="connection")
