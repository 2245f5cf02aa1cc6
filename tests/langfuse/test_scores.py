"""Scores sent by the real Langfuse SDKs (3.15 by batched ingestion events, 5.2 by the scores
endpoint) are stored as the platform's scores: numeric, categorical and boolean, on a trace or
one of its spans, with comment and metadata, and a resend with the same id updates."""

from __future__ import annotations

import pytest

from llmops.scores.api.langfuse import score_uuid
from llmops.scores.models import Score
from tests.conftest import Tenant
from tests.langfuse.clients import LangfuseClient

SCORE = """
    import json
    from langfuse import Langfuse
    client = Langfuse()
    with client.start_as_current_observation(name="answer") as span:
        span.update(output="42")
        client.score_current_span(name="relevance", value=0.75, comment="on topic")
        client.score_current_trace(
            name="tone", value="friendly", data_type="CATEGORICAL", metadata={"rater": "bot"}
        )
        trace_id = client.get_current_trace_id()
        span_id = client.get_current_observation_id()
    client.create_score(
        name="correct", value=1, data_type="BOOLEAN", trace_id=trace_id, score_id="fixed-id-1"
    )
    # The same id again: a correction, not a second score.
    client.create_score(
        name="correct", value=0, data_type="BOOLEAN", trace_id=trace_id, score_id="fixed-id-1",
        comment="re-rated",
    )
    client.flush()
    read = None
    if hasattr(client.api, "score_v_2"):  # 3.x reads scores back from the v2 list
        page = client.api.score_v_2.get(trace_id=trace_id)
        read = sorted(
            [score.name, score.data_type, getattr(score, "string_value", None), score.value]
            for score in page.data
        )
        one = client.api.score_v_2.get_by_id("fixed-id-1")
        read.append([one.id, one.comment])
    client.shutdown()
    print(json.dumps({"trace_id": trace_id, "span_id": span_id, "read": read}))
"""


@pytest.mark.django_db(transaction=True)
def test_sdk_scores_are_stored(langfuse: LangfuseClient, tenant: Tenant) -> None:
    sent = langfuse.run(SCORE)
    scores = {score.name: score for score in Score.objects.filter(project=tenant.project)}
    assert set(scores) == {"relevance", "tone", "correct"}

    relevance = scores["relevance"]
    assert (relevance.trace_id, relevance.span_id) == (sent["trace_id"], sent["span_id"])
    assert (relevance.data_type, relevance.value, relevance.comment) == (
        "numeric",
        0.75,
        "on topic",
    )

    tone = scores["tone"]
    assert (tone.trace_id, tone.span_id) == (sent["trace_id"], "")
    assert (tone.data_type, tone.string_value) == ("categorical", "friendly")
    assert tone.metadata["rater"] == "bot"

    correct = scores["correct"]
    assert correct.id == score_uuid("fixed-id-1")
    assert correct.metadata["langfuse.id"] == "fixed-id-1"
    assert (correct.data_type, correct.value, correct.string_value) == ("boolean", 0.0, "false")
    assert correct.comment == "re-rated"

    if langfuse.release.startswith("3."):
        # The SDK's own models parse the v2 list and the score read by its Langfuse id.
        assert sent["read"] == [
            ["correct", "BOOLEAN", "False", 0.0],
            ["relevance", "NUMERIC", None, 0.75],
            ["tone", "CATEGORICAL", "friendly", 0.0],
            ["fixed-id-1", "re-rated"],
        ]
