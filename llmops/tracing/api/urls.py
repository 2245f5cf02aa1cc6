from django.urls import path

from llmops.tracing.api import views

urlpatterns = [
    # traces, traces/<trace_id> and sessions/<session_id> show scores: llmops.scores.api.traces
    path("sessions", views.SessionListView.as_view(), name="sessions"),
    path("metrics", views.MetricsView.as_view(), name="metrics"),
    path("retention", views.RetentionView.as_view(), name="retention"),
    path("model-prices", views.ModelPriceListCreateView.as_view(), name="model-prices"),
    path(
        "model-prices/<int:price_id>",
        views.ModelPriceDeleteView.as_view(),
        name="model-price-delete",
    ),
]
