import type { Project } from "../api/types";

export function ProjectPicker({ projects, onChoose }: { projects: Project[]; onChoose: (id: string) => void }) {
  if (projects.length === 0) {
    return (
      <main className="page narrow">
        <h1>No project yet</h1>
        <p>You are not a member of any project. Ask an organization owner to add you, or create one through the API (POST /api/v1/organizations/&#123;id&#125;/projects).</p>
      </main>
    );
  }
  return (
    <main className="page narrow">
      <h1>Choose a project</h1>
      <ul className="picker">
        {projects.map((p) => (
          <li key={p.id}>
            <button type="button" onClick={() => onChoose(p.id)}>
              <strong>{p.name}</strong> <span className="muted">{p.organization.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}
