"""This context's Langfuse public API routes, under /api/public/ (llmops/langfuse_urls.py)."""

from django.urls import URLPattern, path

from llmops.scores.api import langfuse

urlpatterns: list[URLPattern] = [
    path("scores", langfuse.LangfuseScoresView.as_view(), name="langfuse-scores"),
    path("ingestion", langfuse.LangfuseIngestionView.as_view(), name="langfuse-ingestion"),
    path("v2/scores", langfuse.LangfuseScoreListView.as_view(), name="langfuse-score-list"),
    path("v2/scores/<path:score_id>", langfuse.LangfuseScoreView.as_view(), name="langfuse-score"),
]
