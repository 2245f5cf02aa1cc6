"""MLflow's model-registry paths, included under ``api/2.0/mlflow/`` and
``ajax-api/2.0/mlflow/``."""

from django.urls import path

from llmops.registry import mlflow_views as views

urlpatterns = [
    path(
        "registered-models/create",
        views.RegisteredModelCreateView.as_view(),
        name="mlflow-registered-model-create",
    ),
    path(
        "registered-models/get",
        views.RegisteredModelGetView.as_view(),
        name="mlflow-registered-model-get",
    ),
    path(
        "registered-models/rename",
        views.RegisteredModelRenameView.as_view(),
        name="mlflow-registered-model-rename",
    ),
    path(
        "registered-models/update",
        views.RegisteredModelUpdateView.as_view(),
        name="mlflow-registered-model-update",
    ),
    path(
        "registered-models/delete",
        views.RegisteredModelDeleteView.as_view(),
        name="mlflow-registered-model-delete",
    ),
    path(
        "registered-models/search",
        views.RegisteredModelSearchView.as_view(),
        name="mlflow-registered-model-search",
    ),
    path(
        "registered-models/get-latest-versions",
        views.LatestVersionsView.as_view(),
        name="mlflow-registered-model-latest-versions",
    ),
    path(
        "registered-models/set-tag",
        views.RegisteredModelSetTagView.as_view(),
        name="mlflow-registered-model-set-tag",
    ),
    path(
        "registered-models/delete-tag",
        views.RegisteredModelDeleteTagView.as_view(),
        name="mlflow-registered-model-delete-tag",
    ),
    path(
        "registered-models/alias", views.AliasView.as_view(), name="mlflow-registered-model-alias"
    ),
    path("model-versions/create", views.VersionCreateView.as_view(), name="mlflow-version-create"),
    path("model-versions/get", views.VersionGetView.as_view(), name="mlflow-version-get"),
    path("model-versions/update", views.VersionUpdateView.as_view(), name="mlflow-version-update"),
    path("model-versions/delete", views.VersionDeleteView.as_view(), name="mlflow-version-delete"),
    path("model-versions/search", views.VersionSearchView.as_view(), name="mlflow-version-search"),
    path(
        "model-versions/get-download-uri",
        views.DownloadUriView.as_view(),
        name="mlflow-version-download-uri",
    ),
    path(
        "model-versions/transition-stage",
        views.TransitionStageView.as_view(),
        name="mlflow-version-transition-stage",
    ),
    path(
        "model-versions/set-tag", views.VersionSetTagView.as_view(), name="mlflow-version-set-tag"
    ),
    path(
        "model-versions/delete-tag",
        views.VersionDeleteTagView.as_view(),
        name="mlflow-version-delete-tag",
    ),
]
