"""This context's Langfuse public API routes, under /api/public/ (llmops/langfuse_urls.py)."""

from django.urls import URLPattern, path

from llmops.evaluation.api import langfuse

urlpatterns: list[URLPattern] = [
    path("v2/datasets", langfuse.DatasetsView.as_view(), name="langfuse-datasets"),
    # Names may hold "/" (the SDKs send it encoded; the path arrives decoded).
    path("v2/datasets/<path:name>", langfuse.DatasetView.as_view(), name="langfuse-dataset"),
    path("dataset-items", langfuse.DatasetItemsView.as_view(), name="langfuse-dataset-items"),
    path(
        "dataset-items/<path:item_id>",
        langfuse.DatasetItemView.as_view(),
        name="langfuse-dataset-item",
    ),
    path(
        "dataset-run-items",
        langfuse.DatasetRunItemsView.as_view(),
        name="langfuse-dataset-run-items",
    ),
]
