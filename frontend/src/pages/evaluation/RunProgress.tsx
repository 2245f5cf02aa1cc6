import { isFinished, type RunLane } from "../../api/evaluation";
import type { Run } from "../../api/types";

function laneState(lane: RunLane, runFinished: boolean): string {
  if (lane.done) return "done";
  if (runFinished) return "stopped";
  return lane.heartbeat_at ? "working" : "waiting";
}

/** The run's lanes: which are done, which still work, and any that were resumed after a worker
 * stalled. */
export function LaneList({ lanes, runFinished }: { lanes: RunLane[]; runFinished: boolean }) {
  if (lanes.length < 2) return null;
  return (
    <ul className="lanes" aria-label="Lanes">
      {lanes.map((lane) => {
        const state = laneState(lane, runFinished);
        return (
          <li key={lane.lane} className={`lane lane-${state}`}>
            Lane {lane.lane + 1}: {state}, {lane.items} items
            {lane.attempts > 0 && <span className="badge">resumed {lane.attempts}×</span>}
          </li>
        );
      })}
    </ul>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`status status-${status} run-status`}>{status}</span>;
}

/** A run's status and how many of its items are done, with a cancel button while it works. */
export function RunProgress({ run, onCancel, cancelling }: { run: Run & { lanes?: RunLane[] }; onCancel?: () => void; cancelling?: boolean }) {
  const { done, total } = run.progress;
  const percent = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : isFinished(run) ? 100 : 0;
  const working = !isFinished(run);
  return (
    <section className="run-progress" aria-label="Progress">
      <div className="run-progress-line">
        <StatusBadge status={run.status} />
        <span className="progress-count">
          {done} / {total} items done
        </span>
        <span className="muted">{percent}%</span>
        {working && onCancel && (
          <button type="button" onClick={onCancel} disabled={cancelling}>
            {cancelling ? "Cancelling…" : "Cancel run"}
          </button>
        )}
      </div>
      <div
        className={`progress-track${working ? " working" : ""}`}
        role="progressbar"
        aria-label="Items done"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${done} of ${total} items done`}
      >
        <span className={`progress-fill progress-${run.status}`} style={{ width: `${percent}%` }} />
      </div>
      {run.lanes && <LaneList lanes={run.lanes} runFinished={!working} />}
      {run.status === "queued" && (
        <p className="muted small">Waiting for a worker. Runs wait for their baseline run to finish first, and need a Celery worker running.</p>
      )}
      {run.error && run.status !== "cancelled" && (
        <p role="alert" className="error">
          {run.error}
        </p>
      )}
    </section>
  );
}
