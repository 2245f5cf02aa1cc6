"""Key material: how public and secret keys look and how secrets are digested."""

from __future__ import annotations

import hashlib
import secrets

PUBLIC_PREFIX = "pk-lo-"
SECRET_PREFIX = "sk-lo-"  # noqa: S105 — a prefix, not a secret
_HINT_LENGTH = len(SECRET_PREFIX) + 4


def new_public_key() -> str:
    return PUBLIC_PREFIX + secrets.token_hex(16)


def new_secret_key() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def digest_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_hint(secret: str) -> str:
    return secret[:_HINT_LENGTH]
