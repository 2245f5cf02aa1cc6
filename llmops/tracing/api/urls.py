from django.urls import path

from llmops.tracing.api import views

urlpatterns = [
    path("traces", views.TraceListView.as_view(), name="traces"),
    path("traces/<str:trace_id>", views.TraceDetailView.as_view(), name="trace-detail"),
    path("sessions", views.SessionListView.as_view(), name="sessions"),
    path("sessions/<str:session_id>", views.SessionDetailView.as_view(), name="session-detail"),
    path("metrics", views.MetricsView.as_view(), name="metrics"),
    path("retention", views.RetentionView.as_view(), name="retention"),
    path("model-prices", views.ModelPriceListCreateView.as_view(), name="model-prices"),
    path(
        "model-prices/<int:price_id>",
        views.ModelPriceDeleteView.as_view(),
        name="model-price-delete",
    ),
]
