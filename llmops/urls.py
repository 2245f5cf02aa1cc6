from django.urls import URLPattern, URLResolver, include, path, re_path

from llmops.evaluation.api.playground import PlaygroundView
from llmops.lineage.api.views import LineageBehindView
from llmops.mlflow_api import server_info
from llmops.prompts import selectors as prompt_selectors
from llmops.registry import selectors as registry_selectors
from llmops.system.views import SchemaDocsView, SchemaView, healthz
from llmops.system.web_ui import app_page
from llmops.tracing.api.receiver import export_traces

api_v1: list[URLPattern | URLResolver] = [
    path("", include("llmops.tenancy.api.urls")),
    path("", include("llmops.lineage.api.urls")),
    # Lineage sits below prompts and the registry: what their labels and aliases point at is
    # read through their selectors, passed in here.
    path(
        "lineage/behind",
        LineageBehindView.as_view(
            prompt_label=prompt_selectors.version_resolve,
            model_alias=registry_selectors.model_version_resolve,
        ),
        name="lineage-behind",
    ),
    path("", include("llmops.tracing.api.urls")),
    # Runs a prompt version on a provider connection (evaluation's); ahead of prompts' paths,
    # whose prompts/<name> would take it.
    path("prompts/<path:name>/playground", PlaygroundView.as_view(), name="prompt-playground"),
    path("", include("llmops.prompts.api.urls")),
    path("", include("llmops.scores.api.urls")),
    path("", include("llmops.evaluation.api.urls")),
    path("", include("llmops.registry.api.urls")),
    path("", include("llmops.webhooks.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("v1/traces", export_traces, name="otlp-traces"),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SchemaDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include(api_v1)),
    # MLflow's paths, so the official mlflow client works against this server unchanged.
    path("version", server_info.version, name="mlflow-version"),
    path("api/3.0/mlflow/server-info", server_info.server_info, name="mlflow-server-info"),
    path("api/2.0/mlflow/", include("llmops.mlflow_urls")),
    path("ajax-api/2.0/mlflow/", include("llmops.mlflow_urls")),
    # Langfuse's public API, so the Langfuse SDKs work against this server unchanged.
    path("api/public/", include("llmops.langfuse_urls")),
    # LangSmith's REST surface (LANGSMITH_ENDPOINT=<server>/langsmith).
    path("langsmith/", include("llmops.langsmith_urls")),
    path("api/2.0/mlflow-artifacts/", include("llmops.tracking.artifact_urls")),
    # Everything else is the web UI's: its routes live in the browser.
    path("", app_page, name="web-ui"),
    re_path(
        r"^(?!api/|ajax-api/|v1/|langsmith/|static/|assets/|healthz|version)(?P<route>.+)$",
        app_page,
    ),
]
