"""The deployment files stay true to the settings: every variable the settings read is
documented in .env.example, and docker-compose.yml sets only variables that exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _settings_variables() -> set[str]:
    source = (ROOT / "llmops" / "settings.py").read_text()
    return set(re.findall(r'env_[a-z]+\(\s*"([A-Z0-9_]+)"', source))


def test_env_example_documents_every_setting() -> None:
    documented = set(re.findall(r"^#? ?([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    variables = _settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "LLMOPS_DATA_DIR"} <= variables
    assert variables - documented == set()


def test_compose_services_and_environment() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "postgres-replica", "redis", "web", "worker", "beat", "migrate"} == set(
        services
    )
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert set(environment) <= _settings_variables(), name
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379")
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "healthcheck" in services["postgres"]
    assert "healthcheck" in services["redis"]
