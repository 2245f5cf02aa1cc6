import { NavLink, Outlet } from "react-router-dom";
import { useAuth } from "../auth";

export function Layout() {
  const { session, project, projects, chooseProject, signOut } = useAuth();
  return (
    <>
      <header className="topbar">
        <span className="brand">LLMOps</span>
        <nav aria-label="Main">
          <NavLink to="/prompts">Prompts</NavLink>
          <NavLink to="/traces">Traces</NavLink>
          <NavLink to="/sessions">Sessions</NavLink>
          <NavLink to="/dashboard">Dashboard</NavLink>
          <NavLink to="/evaluations">Evaluations</NavLink>
          <NavLink to="/experiments">Experiments</NavLink>
          <NavLink to="/models">Models</NavLink>
          <NavLink to="/lineage">Lineage</NavLink>
        </nav>
        <span className="spacer" />
        {projects.length > 1 && (
          <label className="project-select">
            <span className="sr-only">Project</span>
            <select value={project?.id ?? ""} onChange={(e) => chooseProject(e.target.value || null)}>
              {projects.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.organization.name} / {p.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {projects.length <= 1 && project && <span className="muted">Project: {project.name}</span>}
        <span className="user">Signed in as {session?.username}</span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main className="page" key={project?.id}>
        <Outlet />
      </main>
    </>
  );
}
