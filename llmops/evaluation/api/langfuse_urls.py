"""This context's Langfuse public API routes, under /api/public/ (llmops/langfuse_urls.py)."""

from django.urls import URLPattern, path

from llmops.evaluation.api import langfuse

urlpatterns: list[URLPattern] = [
    path("v2/datasets", langfuse.LangfuseDatasetsView.as_view(), name="langfuse-datasets"),
    # Names may hold "/" (the SDKs send it encoded; the path arrives decoded).
    path(
        "v2/datasets/<path:name>", langfuse.LangfuseDatasetView.as_view(), name="langfuse-dataset"
    ),
    path(
        "dataset-items", langfuse.LangfuseDatasetItemsView.as_view(), name="langfuse-dataset-items"
    ),
    path(
        "dataset-items/<path:item_id>",
        langfuse.LangfuseDatasetItemView.as_view(),
        name="langfuse-dataset-item",
    ),
    path(
        "dataset-run-items",
        langfuse.LangfuseDatasetRunItemsView.as_view(),
        name="langfuse-dataset-run-items",
    ),
]
