from django.urls import path

from llmops.lineage.api import views

urlpatterns = [
    path("lineage/graph", views.LineageGraphView.as_view(), name="lineage-graph"),
    path("lineage/nodes", views.LineageNodeListView.as_view(), name="lineage-nodes"),
    path("lineage/edges", views.LineageEdgeCreateView.as_view(), name="lineage-edges"),
    path("lineage/impact", views.LineageImpactView.as_view(), name="lineage-impact"),
    # lineage/behind is routed in llmops/urls.py, which passes in the readers of labels and
    # aliases (LineageBehindView).
]
