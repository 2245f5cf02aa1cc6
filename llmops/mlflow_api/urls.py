"""The MLflow REST surface: tracking and the model registry, served under MLflow's paths."""

from llmops.registry.mlflow_urls import urlpatterns as registry_patterns
from llmops.tracking.mlflow_urls import urlpatterns as tracking_patterns

urlpatterns = [*tracking_patterns, *registry_patterns]
