from django.apps import AppConfig


class LineageConfig(AppConfig):
    name = "llmops.lineage"
    label = "lineage"
