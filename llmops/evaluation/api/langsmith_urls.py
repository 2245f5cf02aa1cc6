"""This context's LangSmith routes, under /langsmith/ (llmops/langsmith_urls.py)."""

from django.urls import URLPattern, path

from llmops.evaluation.api import langsmith

urlpatterns: list[URLPattern] = [
    path("datasets", langsmith.LangSmithDatasetsView.as_view(), name="langsmith-datasets"),
    path(
        "datasets/<str:dataset_id>",
        langsmith.LangSmithDatasetView.as_view(),
        name="langsmith-dataset",
    ),
    path(
        "datasets/<str:dataset_id>/runs",
        langsmith.LangSmithDatasetRunsView.as_view(),
        name="langsmith-dataset-runs",
    ),
    path(
        "datasets/<str:dataset_id>/versions",
        langsmith.LangSmithDatasetVersionsView.as_view(),
        name="langsmith-dataset-versions",
    ),
    path(
        "datasets/<str:dataset_id>/version",
        langsmith.LangSmithDatasetVersionView.as_view(),
        name="langsmith-dataset-version",
    ),
    path(
        "datasets/<str:dataset_id>/splits",
        langsmith.LangSmithDatasetSplitsView.as_view(),
        name="langsmith-dataset-splits",
    ),
    path("examples", langsmith.LangSmithExamplesView.as_view(), name="langsmith-examples"),
    path(
        "examples/bulk",
        langsmith.LangSmithExamplesBulkView.as_view(),
        name="langsmith-examples-bulk",
    ),
    path(
        "examples/<str:example_id>",
        langsmith.LangSmithExampleView.as_view(),
        name="langsmith-example",
    ),
    path("sessions", langsmith.LangSmithSessionsView.as_view(), name="langsmith-sessions"),
    path(
        "sessions/<str:session_id>",
        langsmith.LangSmithSessionView.as_view(),
        name="langsmith-session",
    ),
    path("feedback", langsmith.LangSmithFeedbackView.as_view(), name="langsmith-feedback"),
    path(
        "feedback/<str:feedback_id>",
        langsmith.LangSmithFeedbackItemView.as_view(),
        name="langsmith-feedback-item",
    ),
]
