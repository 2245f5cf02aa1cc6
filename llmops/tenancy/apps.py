from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "llmops.tenancy"
    label = "tenancy"
