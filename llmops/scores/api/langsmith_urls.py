"""This context's LangSmith routes, under /langsmith/ (llmops/langsmith_urls.py): run ingestion
(runs carry feedback in multipart) and the run reads the client needs."""

from django.urls import URLPattern, path

from llmops.scores.api import langsmith

urlpatterns: list[URLPattern] = [
    path("runs", langsmith.LangSmithRunsView.as_view(), name="langsmith-runs"),
    path("runs/batch", langsmith.LangSmithRunBatchView.as_view(), name="langsmith-run-batch"),
    path(
        "runs/multipart",
        langsmith.LangSmithRunMultipartView.as_view(),
        name="langsmith-run-multipart",
    ),
    path("runs/query", langsmith.LangSmithRunQueryView.as_view(), name="langsmith-run-query"),
    path("runs/<str:run_id>", langsmith.LangSmithRunView.as_view(), name="langsmith-run"),
]
