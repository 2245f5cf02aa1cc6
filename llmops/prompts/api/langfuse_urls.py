"""This context's Langfuse public API routes, under /api/public/ (llmops/langfuse_urls.py).

Prompt names may contain "/" (folders; the SDKs send them as %2F, which arrives decoded), so
they are matched with the path converter as in the platform's own routes (urls.py); a name's
last segment is never "versions" (domain.RESERVED_SEGMENTS), so the version route is unambiguous.
"""

from django.urls import URLPattern, path

from llmops.prompts.api import langfuse

urlpatterns: list[URLPattern] = [
    path("v2/prompts", langfuse.PromptsView.as_view(), name="langfuse-prompts"),
    path(
        "v2/prompts/<path:name>/versions/<str:version>",
        langfuse.PromptVersionView.as_view(),
        name="langfuse-prompt-version",
    ),
    path("v2/prompts/<path:name>", langfuse.PromptView.as_view(), name="langfuse-prompt"),
]
