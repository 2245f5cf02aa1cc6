from django.urls import path

from llmops.registry.api import views

urlpatterns = [
    path("models", views.ModelListView.as_view(), name="registry-models"),
    path("models/<str:model>", views.ModelDetailView.as_view(), name="registry-model-detail"),
    path("models/<str:model>/gates", views.ModelGateView.as_view(), name="registry-model-gates"),
]
