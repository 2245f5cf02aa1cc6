"""This context's Langfuse public API routes, under /api/public/ (llmops/langfuse_urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
