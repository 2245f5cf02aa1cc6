from django.urls import path

from llmops.tenancy.api import views

urlpatterns = [
    path("auth/session", views.SessionView.as_view(), name="auth-session"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("organizations", views.OrganizationListCreateView.as_view(), name="organizations"),
    path(
        "organizations/<uuid:organization_id>/projects",
        views.OrganizationProjectsView.as_view(),
        name="organization-projects",
    ),
    path(
        "organizations/<uuid:organization_id>/members",
        views.OrganizationMembersView.as_view(),
        name="organization-members",
    ),
    path("project", views.CurrentProjectView.as_view(), name="project-current"),
    path("api-keys", views.ApiKeyListCreateView.as_view(), name="api-keys"),
    path("api-keys/<uuid:key_id>/revoke", views.ApiKeyRevokeView.as_view(), name="api-key-revoke"),
]
