"""MLflow's artifact proxy (included under ``api/2.0/mlflow-artifacts/``)."""

from django.urls import URLPattern, path

from llmops.tracking import mlflow_views as v

urlpatterns: list[URLPattern] = [
    path("artifacts", v.ArtifactRoot.as_view(), name="mlflow-artifacts-root"),
    path("artifacts/", v.ArtifactRoot.as_view(), name="mlflow-artifacts-root-slash"),
    path("artifacts/<path:artifact_path>", v.ArtifactFile.as_view(), name="mlflow-artifact-file"),
]
