from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "llmops.webhooks"
    label = "webhooks"
