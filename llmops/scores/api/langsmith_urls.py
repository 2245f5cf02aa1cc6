"""This context's LangSmith routes, under /langsmith/ (llmops/langsmith_urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
