from django.apps import AppConfig


class ScoresConfig(AppConfig):
    name = "llmops.scores"
    default_auto_field = "django.db.models.BigAutoField"
