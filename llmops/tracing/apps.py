from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "llmops.tracing"
    label = "tracing"
