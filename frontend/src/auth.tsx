import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiError, getProjectId, setProjectId } from "./api/client";
import { tenancyApi } from "./api/tenancy";
import type { Project, Session } from "./api/types";
import { errorMessage } from "./lib/errors";

interface AuthState {
  loading: boolean;
  session: Session | null;
  projects: Project[];
  project: Project | null;
  error: string | null;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  chooseProject: (id: string | null) => void;
}

const AuthContext = createContext<AuthState | null>(null);

async function loadProjects(): Promise<Project[]> {
  const organizations = await tenancyApi.organizations();
  const lists = await Promise.all(organizations.map((o) => tenancyApi.projects(o.id)));
  return lists.flat();
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [loading, setLoading] = useState(true);
  const [session, setSession] = useState<Session | null>(null);
  const [projects, setProjects] = useState<Project[]>([]);
  const [projectId, setProjectIdState] = useState<string | null>(getProjectId());
  const [error, setError] = useState<string | null>(null);

  const chooseProject = useCallback((id: string | null) => {
    setProjectId(id);
    setProjectIdState(id);
  }, []);

  const afterSignIn = useCallback(
    async (current: Session) => {
      setSession(current);
      if (!current.authenticated) return;
      const list = await loadProjects();
      setProjects(list);
      const stored = getProjectId();
      if (stored && list.some((p) => p.id === stored)) chooseProject(stored);
      else if (list.length === 1 && list[0]) chooseProject(list[0].id);
      else chooseProject(null);
    },
    [chooseProject],
  );

  useEffect(() => {
    let live = true;
    tenancyApi
      .session()
      .then((s) => (live ? afterSignIn(s) : undefined))
      .catch((e: unknown) => {
        if (!live) return;
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
          setSession({ authenticated: false, username: null, memberships: [] });
        } else {
          setError(errorMessage(e));
        }
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [afterSignIn]);

  const signIn = useCallback(
    async (username: string, password: string) => {
      const s = await tenancyApi.login(username, password);
      // Django rotates the CSRF token at login; fetch the session again to get the new cookie.
      let current = s;
      try {
        current = await tenancyApi.session();
      } catch {
        // keep the login answer
      }
      await afterSignIn(current.authenticated ? current : s);
    },
    [afterSignIn],
  );

  const signOut = useCallback(async () => {
    try {
      await tenancyApi.logout();
    } finally {
      setSession({ authenticated: false, username: null, memberships: [] });
      setProjects([]);
      try {
        await tenancyApi.session(); // a fresh csrftoken cookie for the next sign-in
      } catch {
        // ignore
      }
    }
  }, []);

  const project = projects.find((p) => p.id === projectId) ?? null;
  const value = useMemo<AuthState>(
    () => ({ loading, session, projects, project, error, signIn, signOut, chooseProject }),
    [loading, session, projects, project, error, signIn, signOut, chooseProject],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}
