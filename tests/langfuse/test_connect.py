"""The three environment variables are all a Langfuse user changes: the SDK's auth check, the
health endpoint and the OTLP path answer as Langfuse does."""

from __future__ import annotations

import pytest

from tests.langfuse.clients import LangfuseClient

AUTH_CHECK = """
    import json
    from langfuse import Langfuse
    client = Langfuse()
    try:
        outcome = {"ok": client.auth_check()}
    except Exception as exc:  # the SDK raises its generated UnauthorizedError on a 401
        status = getattr(exc, "status_code", None)
        outcome = {"ok": False, "error": type(exc).__name__, "status": status}
    client.shutdown()
    print(json.dumps(outcome))
"""


@pytest.mark.django_db(transaction=True)
def test_auth_check_passes_with_the_project_key_pair(langfuse: LangfuseClient) -> None:
    assert langfuse.run(AUTH_CHECK) == {"ok": True}


@pytest.mark.django_db(transaction=True)
def test_auth_check_fails_with_a_wrong_secret(langfuse: LangfuseClient) -> None:
    outcome = langfuse.run(AUTH_CHECK, LANGFUSE_SECRET_KEY="sk-lf-wrong")
    assert outcome["ok"] is False
    assert outcome["status"] == 401
    assert outcome["error"] == "UnauthorizedError"
