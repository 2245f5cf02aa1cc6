"""MLflow's tracking routes (included under ``api/2.0/mlflow/`` and ``ajax-api/2.0/mlflow/``)."""

from django.urls import URLPattern, path

from llmops.tracking import mlflow_views as v

urlpatterns: list[URLPattern] = [
    path("experiments/create", v.ExperimentCreate.as_view(), name="mlflow-experiments-create"),
    path("experiments/get", v.ExperimentGet.as_view(), name="mlflow-experiments-get"),
    path(
        "experiments/get-by-name",
        v.ExperimentGetByName.as_view(),
        name="mlflow-experiments-get-by-name",
    ),
    path("experiments/search", v.ExperimentSearch.as_view(), name="mlflow-experiments-search"),
    path("experiments/list", v.ExperimentSearch.as_view(), name="mlflow-experiments-list"),
    path("experiments/update", v.ExperimentUpdate.as_view(), name="mlflow-experiments-update"),
    path("experiments/delete", v.ExperimentDelete.as_view(), name="mlflow-experiments-delete"),
    path("experiments/restore", v.ExperimentRestore.as_view(), name="mlflow-experiments-restore"),
    path(
        "experiments/set-experiment-tag",
        v.ExperimentSetTag.as_view(),
        name="mlflow-experiments-set-tag",
    ),
    path(
        "experiments/delete-experiment-tag",
        v.ExperimentDeleteTag.as_view(),
        name="mlflow-experiments-delete-tag",
    ),
    path("runs/create", v.RunCreate.as_view(), name="mlflow-runs-create"),
    path("runs/update", v.RunUpdate.as_view(), name="mlflow-runs-update"),
    path("runs/get", v.RunGet.as_view(), name="mlflow-runs-get"),
    path("runs/delete", v.RunDelete.as_view(), name="mlflow-runs-delete"),
    path("runs/restore", v.RunRestore.as_view(), name="mlflow-runs-restore"),
    path("runs/set-tag", v.RunSetTag.as_view(), name="mlflow-runs-set-tag"),
    path("runs/delete-tag", v.RunDeleteTag.as_view(), name="mlflow-runs-delete-tag"),
    path("runs/log-metric", v.RunLogMetric.as_view(), name="mlflow-runs-log-metric"),
    path("runs/log-parameter", v.RunLogParameter.as_view(), name="mlflow-runs-log-parameter"),
    path("runs/log-batch", v.RunLogBatch.as_view(), name="mlflow-runs-log-batch"),
    path("runs/log-inputs", v.RunLogInputs.as_view(), name="mlflow-runs-log-inputs"),
    path("runs/outputs", v.RunLogOutputs.as_view(), name="mlflow-runs-outputs"),
    path("runs/log-model", v.RunLogModel.as_view(), name="mlflow-runs-log-model"),
    path("runs/search", v.RunSearch.as_view(), name="mlflow-runs-search"),
    path("metrics/get-history", v.MetricHistory.as_view(), name="mlflow-metrics-get-history"),
    path("artifacts/list", v.ArtifactList.as_view(), name="mlflow-artifacts-list"),
    path("logged-models", v.LoggedModelCreate.as_view(), name="mlflow-logged-models"),
    path("logged-models/search", v.LoggedModelSearch.as_view(), name="mlflow-logged-models-search"),
    path(
        "logged-models/<str:model_id>",
        v.LoggedModelDetail.as_view(),
        name="mlflow-logged-model-detail",
    ),
    path(
        "logged-models/<str:model_id>/tags",
        v.LoggedModelTags.as_view(),
        name="mlflow-logged-model-tags",
    ),
    path(
        "logged-models/<str:model_id>/tags/<str:tag_key>",
        v.LoggedModelTagDelete.as_view(),
        name="mlflow-logged-model-tag-delete",
    ),
    path(
        "logged-models/<str:model_id>/params",
        v.LoggedModelParams.as_view(),
        name="mlflow-logged-model-params",
    ),
]
