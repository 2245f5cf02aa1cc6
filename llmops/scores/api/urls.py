from django.urls import path

from llmops.scores.api import traces, views

urlpatterns = [
    path("scores", views.ScoreListCreateView.as_view(), name="scores"),
    path("scores/metrics", views.ScoreMetricsView.as_view(), name="score-metrics"),
    path("scores/<uuid:score_id>", views.ScoreDeleteView.as_view(), name="score-delete"),
    path("traces", traces.TraceListView.as_view(), name="traces"),
    path("traces/<str:trace_id>", traces.TraceDetailView.as_view(), name="trace-detail"),
    path("sessions/<str:session_id>", traces.SessionDetailView.as_view(), name="session-detail"),
]
