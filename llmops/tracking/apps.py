from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "llmops.tracking"
    default_auto_field = "django.db.models.BigAutoField"
