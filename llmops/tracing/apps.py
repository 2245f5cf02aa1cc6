from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "llmops.tracing"
    label = "tracing"

    def ready(self) -> None:
        # The traces calling each model join the lineage graph as they are ingested.
        from llmops.tracing import trace_groups  # noqa: F401
