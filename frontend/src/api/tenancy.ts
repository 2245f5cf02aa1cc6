// Signing in and out, and the organizations and projects the signed-in user may choose from
// (llmops/tenancy/api). None of these calls is scoped to a project.
import { request } from "./client";
import type { Organization, Project, Session } from "./types";

export const tenancyApi = {
  session: () => request<Session>("/auth/session", { project: false }),
  login: (username: string, password: string) =>
    request<Session>("/auth/login", { method: "POST", body: { username, password }, project: false }),
  logout: () => request<void>("/auth/logout", { method: "POST", project: false }),
  organizations: () => request<Organization[]>("/organizations", { project: false }),
  projects: (organizationId: string) =>
    request<Project[]>(`/organizations/${encodeURIComponent(organizationId)}/projects`, { project: false }),
};
