"""The MLflow REST surface: tracking and the model registry, served under MLflow's paths.

Routing sits on top, beside llmops/urls.py; the adapter it routes to (llmops/mlflow_api: the
view base and MLflow's error shapes) sits below the contexts whose MLflow views build on it.
"""

from llmops.registry.mlflow_urls import urlpatterns as registry_patterns
from llmops.tracking.mlflow_urls import urlpatterns as tracking_patterns

urlpatterns = [*tracking_patterns, *registry_patterns]
