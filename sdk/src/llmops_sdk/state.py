"""The SDK's process-wide client. Until ``init`` runs (or without a key) it is a no-op client."""

from __future__ import annotations

from llmops_sdk.client import Client
from llmops_sdk.config import Settings, from_environment

_client: Client | None = None


def client() -> Client:
    global _client
    if _client is None:
        # Configured from the environment on first use, so setting LLMOPS_* variables is enough.
        _client = Client(from_environment())
    return _client


def settings() -> Settings:
    return client().settings


def replace(new: Client) -> Client:
    global _client
    old, _client = _client, new
    if old is not None:
        old.shutdown()
    return new
