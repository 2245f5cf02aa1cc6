"""The Langfuse public API surface, served under ``/api/public/``, so the Langfuse SDKs work
against this server unchanged (docs/langfuse.md).

Routing sits on top, beside llmops/urls.py; the adapter the views build on (llmops/langfuse_api:
the view base, Langfuse's error shapes) sits below the contexts whose Langfuse views use it.
Every route runs the contexts' own domain code: there is no second storage.
"""

from django.urls import URLPattern, URLResolver, path, re_path

from llmops.evaluation.api.langfuse_urls import urlpatterns as evaluation_patterns
from llmops.langfuse_api.views import ProjectsView
from llmops.prompts.api.langfuse_urls import urlpatterns as prompt_patterns
from llmops.scores.api.langfuse_urls import urlpatterns as score_patterns
from llmops.system.views import langfuse_health, langfuse_not_found
from llmops.tracing.api.receiver import export_traces

urlpatterns: list[URLPattern | URLResolver] = [
    path("health", langfuse_health, name="langfuse-health"),
    path("projects", ProjectsView.as_view(), name="langfuse-projects"),
    # The Langfuse SDKs' OTLP exporter: the platform's one receiver.
    path("otel/v1/traces", export_traces, name="langfuse-otlp-traces"),
    *prompt_patterns,
    *score_patterns,
    *evaluation_patterns,
    # Last: whatever else an SDK asks for answers Langfuse's JSON 404.
    re_path(r"^(?P<path>.*)$", langfuse_not_found, name="langfuse-not-found"),
]
