"""The README's quick start for app developers, run as written against the live platform and
the local OpenAI-compatible server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from llmops.local_llm.server import LocalLLM
from llmops.scores.models import Score
from llmops.tracing.models import Span, Trace
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db(transaction=True)
README = Path(__file__).resolve().parents[2] / "README.md"


def quick_start_program() -> str:
    text = README.read_text()
    section = text[text.index("## Instrumenting your app") :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README lost its quick start"
    return match.group(1)


def test_the_readme_quick_start_works_as_written(
    live_server: Any, tenant: Tenant, llm: LocalLLM
) -> None:
    environment = {
        **os.environ,
        "LLMOPS_HOST": live_server.url,
        "LLMOPS_SECRET_KEY": tenant.secret_key,
        "OPENAI_BASE_URL": llm.base_url,
        "OPENAI_API_KEY": "local",
    }
    result = subprocess.run(
        [sys.executable, "-c", quick_start_program()],
        env=environment,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.strip(), "the app printed no answer"
    assert b"internal error" not in result.stderr

    trace = Trace.objects.get(project=tenant.project, name="answer")
    assert (trace.user_id, trace.session_id, trace.tags) == ("user-42", "chat-1", ["docs"])
    spans = {s.name: s for s in Span.objects.filter(project=tenant.project)}
    assert spans["answer"].kind == "agent"
    assert spans["vector search"].kind == "retriever"
    assert spans["vector search"].parent_span_id == spans["answer"].span_id
    documents = spans["vector search"].documents
    assert documents is not None
    assert documents[0]["id"] == "faq-7"
    llm_span = next(s for s in spans.values() if s.kind == "llm")
    assert llm_span.parent_span_id == spans["answer"].span_id
    assert llm_span.model_requested == "gpt-4o-mini"
    assert llm_span.input_tokens > 0
    assert llm_span.output_tokens > 0
    assert llm_span.cost_total is not None
    assert llm_span.cost_total > 0
    assert trace.total_tokens == llm_span.total_tokens
    score = Score.objects.get(project=tenant.project, name="grounded")
    assert (score.trace_id, score.span_id) == (trace.trace_id, spans["answer"].span_id)
    assert score.data_type == "boolean"
