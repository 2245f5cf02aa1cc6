from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "llmops.evaluation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Online evaluation listens to trace ingestion.
        from llmops.evaluation.domain import online  # noqa: F401
