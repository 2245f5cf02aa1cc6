import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { evaluationApi, type Schedule } from "../../api/evaluation";
import { formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { Alert, FormError } from "../../components/FormErrors";
import { StatusBadge } from "./RunProgress";
import { useManagedList } from "./useManagedList";

export function cadence(schedule: Pick<Schedule, "cron" | "every_seconds">): string {
  if (schedule.cron) return `cron ${schedule.cron}`;
  const s = schedule.every_seconds ?? 0;
  if (s % 86400 === 0) return `every ${s / 86400} d`;
  if (s % 3600 === 0) return `every ${s / 3600} h`;
  if (s % 60 === 0) return `every ${s / 60} min`;
  return `every ${s} s`;
}

export function Schedules() {
  const { list: schedules, reload, remove, deleteError } = useManagedList(() => evaluationApi.schedules());
  const suites = useAsync(() => evaluationApi.suites(), []);
  const [suite, setSuite] = useState("");
  const [label, setLabel] = useState("production");
  const [mode, setMode] = useState<"cron" | "interval">("cron");
  const [cron, setCron] = useState("0 * * * *");
  const [every, setEvery] = useState("3600");
  const [problem, setProblem] = useState<unknown>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    try {
      await evaluationApi.createSchedule(
        mode === "cron" ? { suite, label, cron } : { suite, label, every_seconds: Number(every) },
      );
      reload();
    } catch (err) {
      setProblem(err);
    }
  }

  return (
    <>
      <h1>Schedules</h1>
      <p className="muted">A schedule runs a suite on the version behind a label; a failing run marks the label unhealthy.</p>
      <form className="inline-form" onSubmit={(e) => void create(e)} aria-label="Create a schedule">
        <label>
          Suite
          <select value={suite} onChange={(e) => setSuite(e.target.value)} required>
            <option value="">choose…</option>
            {suites.data?.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Label
          <input value={label} onChange={(e) => setLabel(e.target.value)} />
        </label>
        <label>
          When
          <select value={mode} onChange={(e) => setMode(e.target.value as "cron" | "interval")}>
            <option value="cron">cron expression</option>
            <option value="interval">every N seconds</option>
          </select>
        </label>
        {mode === "cron" ? (
          <label>
            Cron
            <input value={cron} onChange={(e) => setCron(e.target.value)} placeholder="0 * * * *" />
          </label>
        ) : (
          <label>
            Every (seconds)
            <input type="number" min={60} value={every} onChange={(e) => setEvery(e.target.value)} />
          </label>
        )}
        <button type="submit" className="primary" disabled={!suite}>
          Create schedule
        </button>
      </form>
      <FormError error={problem} />
      <Alert message={deleteError} />
      <Alert message={schedules.error} />
      {schedules.data && schedules.data.length === 0 && (
        <p className="empty">No schedules yet. Create one above or POST /api/v1/schedules to run a suite regularly.</p>
      )}
      {schedules.data && schedules.data.length > 0 && (
        <table className="table schedules">
          <thead>
            <tr>
              <th>Suite</th>
              <th>Label</th>
              <th>When</th>
              <th>Enabled</th>
              <th>Last run</th>
              <th>Finished</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {schedules.data.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link to={`/evaluations/suites/${encodeURIComponent(s.suite)}`}>{s.suite}</Link>
                </td>
                <td>
                  <span className="tag label">{s.label}</span>
                </td>
                <td>
                  <code>{cadence(s)}</code>
                </td>
                <td>{s.enabled ? "yes" : "no"}</td>
                <td>
                  {s.last_run ? (
                    <Link to={`/evaluations/runs/${s.last_run.id}`} aria-label={`Last run: ${s.last_run.status}`}>
                      <StatusBadge status={s.last_run.status} />
                    </Link>
                  ) : (
                    <span className="muted">not run yet</span>
                  )}
                </td>
                <td>{s.last_run?.finished_at ? formatTime(s.last_run.finished_at) : "–"}</td>
                <td>
                  <button type="button" onClick={() => void remove("Delete this schedule?", () => evaluationApi.deleteSchedule(s.id))} aria-label={`Delete schedule of ${s.suite} on ${s.label}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
