from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "llmops.evaluation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Online evaluation listens to trace ingestion; the experiments of external clients
        # to ingestion and to scores.
        from llmops.evaluation.domain import experiments, online  # noqa: F401
        from llmops.evaluation.selectors import SuiteEvidence
        from llmops.registry.gates import suite_evidence_register

        # The registry's model gates name suites; evaluation answers for them.
        suite_evidence_register(SuiteEvidence())
