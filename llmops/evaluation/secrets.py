"""Provider API keys at rest: encrypted with a key derived from LLMOPS_ENCRYPTION_KEY (or,
when it is not set, SECRET_KEY), never returned by the API."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    material = settings.LLMOPS_ENCRYPTION_KEY or settings.SECRET_KEY
    # A fixed derivation: the same setting must decrypt what an earlier process encrypted.
    digest = hashlib.sha256(b"llmops-provider-keys:" + material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


class UndecryptableKey(RuntimeError):
    pass


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableKey(
            "the provider key cannot be decrypted: LLMOPS_ENCRYPTION_KEY (or SECRET_KEY) "
            "changed since it was stored; store the key again"
        ) from None
