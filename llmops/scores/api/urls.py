from django.urls import path

from llmops.scores.api import views

urlpatterns = [
    path("scores", views.ScoreListCreateView.as_view(), name="scores"),
    path("scores/metrics", views.ScoreMetricsView.as_view(), name="score-metrics"),
    path("scores/<uuid:score_id>", views.ScoreDeleteView.as_view(), name="score-delete"),
]
