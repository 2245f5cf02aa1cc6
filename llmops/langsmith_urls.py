"""The LangSmith REST surface, served under ``/langsmith/`` (``LANGSMITH_ENDPOINT`` is
``<server>/langsmith``), so the ``langsmith`` client and LangChain's tracer work against this
server unchanged (docs/langsmith.md).

Routing sits on top, beside llmops/urls.py; the adapter the views build on
(llmops/langsmith_api: the view base, LangSmith's error shapes) sits below the contexts whose
LangSmith views use it. Every route runs the contexts' own domain code: no second storage.
"""

from django.urls import URLPattern, URLResolver, path, re_path

from llmops.evaluation.api.langsmith_urls import urlpatterns as evaluation_patterns
from llmops.langsmith_api.views import info
from llmops.scores.api.langsmith_urls import urlpatterns as score_patterns
from llmops.system.views import langsmith_not_found

urlpatterns: list[URLPattern | URLResolver] = [
    path("info", info, name="langsmith-info"),
    *score_patterns,
    *evaluation_patterns,
    # Last: whatever else the client asks for answers LangSmith's JSON 404.
    re_path(r"^(?P<path>.*)$", langsmith_not_found, name="langsmith-not-found"),
]
