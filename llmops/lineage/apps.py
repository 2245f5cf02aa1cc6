from django.apps import AppConfig


class LineageConfig(AppConfig):
    name = "llmops.lineage"
    label = "lineage"

    def ready(self) -> None:
        # Trace groups join the graph as traces are ingested.
        from llmops.lineage import trace_groups  # noqa: F401
