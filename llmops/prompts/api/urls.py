from django.urls import path

from llmops.prompts.api import views

# Prompt names may contain "/", so they are matched with the path converter; the fixed
# suffixes after them are reserved as the last segment of a name (see domain.RESERVED_SEGMENTS).
urlpatterns = [
    path("prompts", views.PromptListCreateView.as_view(), name="prompts"),
    path(
        "prompts/<path:name>/versions",
        views.VersionListCreateView.as_view(),
        name="prompt-versions",
    ),
    path(
        "prompts/<path:name>/versions/<int:number>",
        views.VersionDetailView.as_view(),
        name="prompt-version-detail",
    ),
    path("prompts/<path:name>/labels", views.LabelListView.as_view(), name="prompt-labels"),
    path(
        "prompts/<path:name>/labels/<str:label>/protection",
        views.LabelProtectView.as_view(),
        name="prompt-label-protect",
    ),
    path(
        "prompts/<path:name>/labels/<str:label>/history",
        views.LabelHistoryView.as_view(),
        name="prompt-label-history",
    ),
    path(
        "prompts/<path:name>/labels/<str:label>",
        views.LabelMoveView.as_view(),
        name="prompt-label-move",
    ),
    path("prompts/<path:name>/render", views.RenderView.as_view(), name="prompt-render"),
    # prompts/<name>/playground runs a version on a provider connection, which is evaluation's:
    # llmops/urls.py routes it to llmops.evaluation.api.playground, ahead of these.
    path("prompts/<path:name>/diff", views.DiffView.as_view(), name="prompt-diff"),
    path("prompts/<path:name>/usage", views.UsageView.as_view(), name="prompt-usage"),
    path("prompts/<path:name>", views.PromptFetchView.as_view(), name="prompt-fetch"),
]
