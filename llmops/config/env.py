"""Typed readers for environment variables.

Settings come only from the environment. Each reader fails loudly, naming the variable, so a
typo in a deployment stops start-up instead of running with a silently wrong value. A secret
may also be given as ``<NAME>_FILE`` pointing at a file that holds it (Docker secrets).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str]) -> str | None:
    value = environ.get(name)
    file_name = environ.get(f"{name}_FILE")
    if value is not None and file_name is not None:
        raise ImproperlyConfigured(f"{name}: set either {name} or {name}_FILE, not both")
    if file_name is not None:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name!r}: {exc}") from exc
    return value


def env_str(
    name: str, default: str | None = None, *, environ: Mapping[str, str] = os.environ
) -> str:
    value = _raw(name, environ)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"{name}: this environment variable is required")
        return default
    return value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] = os.environ) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}: expected a boolean (true/false/1/0), got {value!r}")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] = os.environ,
) -> int:
    value = _raw(name, environ)
    if value is None or value.strip() == "":
        return default
    try:
        parsed = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected an integer, got {value!r}") from None
    if minimum is not None and parsed < minimum:
        raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {parsed}")
    return parsed


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] = os.environ
) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    if value.strip() == "":
        return []
    items = [item.strip() for item in value.split(",")]
    if any(item == "" for item in items):
        raise ImproperlyConfigured(f"{name}: empty item in comma-separated list {value!r}")
    return items


def env_networks(
    name: str, *, environ: Mapping[str, str] = os.environ
) -> tuple[IPv4Network | IPv6Network, ...]:
    """Comma-separated CIDRs (``10.0.0.0/8,fd00::/8``; a bare address means that one host).

    Host bits must be zero: ``10.0.0.1/8`` is refused, since a typo must not open more than meant.
    """
    networks: list[IPv4Network | IPv6Network] = []
    for item in env_list(name, [], environ=environ):
        try:
            networks.append(ip_network(item))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{name}: expected comma-separated CIDRs such as 10.0.0.0/8, got {item!r} ({exc})"
            ) from None
    return tuple(networks)


def env_choice(
    name: str, default: str, choices: set[str], *, environ: Mapping[str, str] = os.environ
) -> str:
    value = env_str(name, default, environ=environ).upper()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}: expected one of {sorted(choices)}, got {value!r}")
    return value


def env_path(name: str, default: Path, *, environ: Mapping[str, str] = os.environ) -> Path:
    value = _raw(name, environ)
    path = Path(value).expanduser() if value else default
    return path.resolve()


def database_from_url(url: str, *, name: str = "DATABASE_URL") -> dict[str, Any]:
    """Turn ``postgres://user:pass@host:port/db?opt=v`` or ``sqlite:///path`` into a DATABASES
    entry."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "sqlite":
        # As is customary: sqlite:///relative/path and sqlite:////absolute/path.
        path = unquote(parts.path)[1:]
        if not path:
            raise ImproperlyConfigured(f"{name}: sqlite URL needs a file path, got {url!r}")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                # The web server, the worker and beat write to the same file: WAL lets readers
                # proceed beside a writer, and IMMEDIATE transactions take the write lock up front
                # so concurrent writers wait (busy timeout) instead of failing mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        db_name = unquote(parts.path.lstrip("/"))
        if not db_name:
            raise ImproperlyConfigured(f"{name}: PostgreSQL URL needs a database name, got {url!r}")
        options: dict[str, Any] = dict(parse_qsl(parts.query))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db_name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(
        f"{name}: unsupported scheme {scheme!r}; use postgres://… or sqlite:///…"
    )


def cache_from_url(url: str, *, folder: Path, name: str = "LLMOPS_CACHE_URL") -> dict[str, Any]:
    """Turn ``redis://host:port/db`` (or ``rediss://``), ``locmem://`` or an empty string into
    a CACHES entry. Empty means a folder on this machine, which its processes share."""
    scheme = urlsplit(url).scheme if url else ""
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        # One process only: for tests, never for a server with several workers.
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if url == "":
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(folder),
            # The default of 300 entries would let a burst of sign-in failures under many
            # usernames evict the counters of the others.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    raise ImproperlyConfigured(
        f"{name}: unsupported scheme {scheme!r}; use redis://…, rediss://… or leave it empty"
    )
