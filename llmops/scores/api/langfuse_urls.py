"""This context's Langfuse public API routes, under /api/public/ (llmops/langfuse_urls.py)."""

from django.urls import URLPattern, path

from llmops.scores.api import langfuse

urlpatterns: list[URLPattern] = [
    path("scores", langfuse.ScoresView.as_view(), name="langfuse-scores"),
    path("ingestion", langfuse.IngestionView.as_view(), name="langfuse-ingestion"),
]
