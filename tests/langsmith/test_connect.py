"""What the client asks before anything else: ``/info``, and a key it does not know."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.langsmith.clients import LangSmithClient

INFO = """
    import json
    from langsmith import Client
    info = Client().info
    print(json.dumps({"version": info.version, "config": info.batch_ingest_config,
                      "flags": info.instance_flags}))
"""


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_info_and_chooses_plain_multipart(langsmith: LangSmithClient) -> None:
    info = langsmith.run(INFO)
    assert info["version"]
    assert info["config"]["use_multipart_endpoint"] is True
    assert info["flags"]["zstd_compression_enabled"] is False


@pytest.mark.django_db
def test_an_unserved_path_answers_langsmith_json_404() -> None:
    response = APIClient().get("/langsmith/annotation-queues")
    assert response.status_code == 404
    assert "annotation-queues" in response.json()["detail"]
