"""The platform's local OpenAI-compatible server, for the tests of this Django-free library.

Importing ``llmops`` (the package holding the server) names its Django settings in
``DJANGO_SETTINGS_MODULE`` for Celery, which makes pytest-django set Django up. When these tests
run on their own (``cd evals && pytest``) nothing needs Django, so the variable is put back as it
was; in the repository's whole suite it was already set and stays untouched.
"""

from __future__ import annotations

import os

_settings_before = os.environ.get("DJANGO_SETTINGS_MODULE")

from llmops.local_llm.server import LocalLLM  # noqa: E402 — must follow the snapshot above

if _settings_before is None:
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)

__all__ = ["LocalLLM"]
