from django.apps import AppConfig


class SystemConfig(AppConfig):
    name = "llmops.system"
    label = "system"
