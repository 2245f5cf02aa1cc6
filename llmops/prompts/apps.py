from django.apps import AppConfig


class PromptsConfig(AppConfig):
    name = "llmops.prompts"
    label = "prompts"
