from django.apps import AppConfig


class PromptsConfig(AppConfig):
    name = "llmops.prompts"
    label = "prompts"

    def ready(self) -> None:
        # The traces that ran each version join the lineage graph as they are ingested.
        from llmops.prompts import trace_groups  # noqa: F401
