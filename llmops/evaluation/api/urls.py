from django.urls import path

from llmops.evaluation.api import views

urlpatterns = [
    path("datasets", views.DatasetListCreateView.as_view(), name="datasets"),
    path("datasets/<str:dataset>", views.DatasetDetailView.as_view(), name="dataset-versions"),
    path("datasets/<str:dataset>/items", views.DatasetItemsView.as_view(), name="dataset-items"),
    path("datasets/<str:dataset>/import", views.DatasetImportView.as_view(), name="dataset-import"),
    path(
        "datasets/<str:dataset>/from-traces",
        views.DatasetFromTracesView.as_view(),
        name="dataset-from-traces",
    ),
    path("datasets/<str:dataset>/export", views.DatasetExportView.as_view(), name="dataset-export"),
    path("connections", views.ConnectionListCreateView.as_view(), name="connections"),
    path(
        "connections/<str:connection>",
        views.ConnectionDetailView.as_view(),
        name="connection-detail",
    ),
    path("suites", views.SuiteListCreateView.as_view(), name="suites"),
    path("suites/<str:suite>", views.SuiteDetailView.as_view(), name="suite-detail"),
    path("runs", views.RunListCreateView.as_view(), name="runs"),
    path("runs/<uuid:run_id>", views.RunDetailView.as_view(), name="run-detail"),
    path("runs/<uuid:run_id>/cancel", views.RunCancelView.as_view(), name="run-cancel"),
    path("runs/<uuid:run_id>/results", views.RunResultsView.as_view(), name="run-results"),
    path(
        "runs/<uuid:run_id>/compare/<uuid:other_run_id>",
        views.RunCompareView.as_view(),
        name="run-compare",
    ),
    path("gates", views.GateView.as_view(), name="gates"),
    path("promotions", views.PromotionListCreateView.as_view(), name="promotions"),
    path(
        "promotions/<uuid:promotion_id>",
        views.PromotionDetailView.as_view(),
        name="promotion-detail",
    ),
    path("schedules", views.ScheduleListCreateView.as_view(), name="schedules"),
    path("schedules/<int:schedule_id>", views.ScheduleDetailView.as_view(), name="schedule-detail"),
    path("online-rules", views.RuleListCreateView.as_view(), name="online-rules"),
    path("online-rules/<str:rule>", views.RuleDetailView.as_view(), name="online-rule-detail"),
]
