from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "llmops.registry"
    default_auto_field = "django.db.models.BigAutoField"
