"""Settings come only from the environment and a bad value stops start-up, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from llmops.config.env import database_from_url, env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


def test_required_variable_missing_names_it() -> None:
    with pytest.raises(
        ImproperlyConfigured, match="^SECRET_KEY: this environment variable is required$"
    ):
        env_str("SECRET_KEY", environ={})


def test_secret_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-file\n")
    assert env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(secret)}) == "from-file"


def test_value_and_file_together_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="set either SECRET_KEY or SECRET_KEY_FILE"):
        env_str("SECRET_KEY", environ={"SECRET_KEY": "a", "SECRET_KEY_FILE": "b"})


def test_unreadable_file_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="^SECRET_KEY_FILE: cannot read"):
        env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(tmp_path / "missing")})


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), ("ON", True)])
def test_booleans(raw: str, expected: bool) -> None:
    assert env_bool("DEBUG", False, environ={"DEBUG": raw}) is expected


def test_bad_boolean_names_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="^DEBUG: expected a boolean"):
        env_bool("DEBUG", False, environ={"DEBUG": "maybe"})


def test_bad_integer_and_minimum_name_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="^N: expected an integer, got 'ten'$"):
        env_int("N", 1, environ={"N": "ten"})
    with pytest.raises(ImproperlyConfigured, match="^N: must be at least 5, got 2$"):
        env_int("N", 10, minimum=5, environ={"N": "2"})


def test_list_with_an_empty_item_is_refused() -> None:
    assert env_list("ALLOWED_HOSTS", [], environ={"ALLOWED_HOSTS": "a.example, b"}) == [
        "a.example",
        "b",
    ]
    with pytest.raises(ImproperlyConfigured, match="^ALLOWED_HOSTS: empty item"):
        env_list("ALLOWED_HOSTS", [], environ={"ALLOWED_HOSTS": "a,,b"})


def test_postgres_url_is_parsed() -> None:
    db = database_from_url("postgres://u%40x:p%2Fw@db.internal:6543/llm?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "u@x",
        "p/w",
        "db.internal",
        "6543",
        "llm",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_sqlite_url_is_parsed() -> None:
    db = database_from_url("sqlite:////var/lib/llmops/db.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == "/var/lib/llmops/db.sqlite3"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x/y", "DATABASE_URL: unsupported scheme 'mysql'"),
        ("postgres://host/", "DATABASE_URL: PostgreSQL URL needs a database name"),
        ("sqlite://", "DATABASE_URL: sqlite URL needs a file path"),
    ],
)
def test_bad_database_urls_name_the_variable(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="^" + message):
        database_from_url(url)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL: unsupported scheme 'mysql'"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL: expected one of"),
        ("LLMOPS_MAX_REQUEST_BYTES", "12", "LLMOPS_MAX_REQUEST_BYTES: must be at least 1024"),
        ("SECRET_KEY", "", "SECRET_KEY: this environment variable is required"),
    ],
)
def test_start_up_stops_on_a_bad_setting(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    env = {**os.environ, "LLMOPS_DATA_DIR": str(tmp_path), variable: value}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr
