from django.urls import path

from llmops.webhooks.api import views

urlpatterns = [
    path("webhooks", views.WebhookListCreateView.as_view(), name="webhooks"),
    path("webhooks/<int:webhook_id>", views.WebhookDeleteView.as_view(), name="webhook-delete"),
    path(
        "webhooks/<int:webhook_id>/deliveries",
        views.WebhookDeliveriesView.as_view(),
        name="webhook-deliveries",
    ),
]
