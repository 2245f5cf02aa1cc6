import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { ApiError } from "../../api/client";
import { promptsApi, type Promotion, type PromptLabel } from "../../api/prompts";
import { formatNumber } from "../../lib/format";
import { errorMessage } from "../../lib/errors";

type State =
  | { step: "idle" }
  | { step: "moving" }
  | { step: "moved"; label: string; unchanged: boolean }
  | { step: "gate"; promotion: Promotion }
  | { step: "failed"; message: string };

interface Props {
  name: string;
  version: number;
  labels: PromptLabel[];
  /** Called once a label points somewhere new, so the page reloads versions and labels. */
  onMoved: () => void;
  /** Called when a gate reaches its verdict, whichever it is. */
  onSettled?: () => void;
  pollMs?: number;
}

function progressOf(promotion: Promotion): { done: number; total: number } {
  return promotion.runs.reduce(
    (sum, run) => ({ done: sum.done + run.progress.done, total: sum.total + run.progress.total }),
    { done: 0, total: 0 },
  );
}

function GateResult({ promotion, from }: { promotion: Promotion; from: number | null }) {
  const { done, total } = progressOf(promotion);
  if (promotion.status === "pending") {
    return (
      <div role="status" className="gate-progress">
        <p>
          Release gate running for <strong>{promotion.label}</strong>:{" "}
          {total > 0 ? `${done} / ${total} items evaluated` : "starting the suites…"}
        </p>
        {total > 0 && <progress max={total} value={done} aria-label="Gate progress" />}
        <ul className="small">
          {promotion.runs.map((run) => (
            <li key={run.id}>
              <Link to={`/evaluations/runs/${run.id}`}>{run.suite}</Link>: {run.status} ({run.progress.done} / {run.progress.total})
            </li>
          ))}
        </ul>
      </div>
    );
  }
  if (promotion.status === "passed") {
    return (
      <p role="status" className="ok">
        Gate passed: {promotion.label} moved to v{promotion.version}.
      </p>
    );
  }
  return (
    <div role="alert" className="gate-refused">
      <p className="error">
        {promotion.status === "refused" ? "Gate refused" : "Gate errored"}: {promotion.label} did not move
        {from !== null ? ` (still v${from})` : ""}. {promotion.reason}
      </p>
      {promotion.failures.map((failure, index) => (
        <section key={index} className="gate-failure" aria-label={`Failed threshold ${index + 1}`}>
          <h4>
            {failure.threshold ?? "Run failed"} <span className="muted">in suite {failure.suite}</span>
          </h4>
          <p>
            {/* The server words the measurement: "0", "mean 0.6 vs baseline 0.8", or why a run failed. */}
            {failure.threshold ? `Measured: ${failure.message}.` : failure.message}{" "}
            <Link to={`/evaluations/runs/${failure.run}`}>Open the run</Link>
          </p>
          {failure.items.length > 0 && (
            <table className="table">
              <caption className="sr-only">Failing items</caption>
              <thead>
                <tr>
                  <th>Failing item</th>
                  <th className="num">Score</th>
                  <th>Reason or error</th>
                </tr>
              </thead>
              <tbody>
                {failure.items.map((item) => (
                  <tr key={item.item_key} className="row-regression">
                    <td>
                      <code>{item.item_key}</code>
                    </td>
                    <td className="num">{formatNumber(item.score)}</td>
                    <td>{item.error ?? item.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </div>
  );
}

/** Points a label at this version. A protected label only moves through its release gate:
 * the promotion runs the gate's suites on workers; this polls it to the verdict. */
export function PromotePanel({ name, version, labels, onMoved, onSettled, pollMs = 1000 }: Props) {
  const [label, setLabel] = useState("production");
  const [state, setState] = useState<State>({ step: "idle" });
  const [from, setFrom] = useState<number | null>(null);
  const pending = state.step === "gate" && state.promotion.status === "pending" ? state.promotion : null;

  useEffect(() => {
    if (!pending) return;
    let live = true;
    const timer = setTimeout(() => {
      promptsApi.promotion(pending.id).then(
        (promotion) => {
          if (!live) return;
          settle(promotion);
        },
        (e: unknown) => live && setState({ step: "failed", message: errorMessage(e) }),
      );
    }, pollMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one poll per pending answer; settle and the parent's callbacks, new each render, must not restart the timer
  }, [pending, pollMs]);

  async function gate(target: string) {
    settle(await promptsApi.startPromotion(name, target, version));
  }

  function settle(promotion: Promotion) {
    setState({ step: "gate", promotion });
    if (promotion.status !== "pending") onSettled?.();
    if (promotion.status === "passed") onMoved();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const target = label.trim();
    if (!target) return;
    const existing = labels.find((l) => l.name === target);
    setFrom(existing?.version ?? null);
    setState({ step: "moving" });
    try {
      if (existing?.protected) {
        await gate(target);
        return;
      }
      const result = await promptsApi.moveLabel(name, target, version);
      setState({ step: "moved", label: target, unchanged: !result.moved });
      if (result.moved) onMoved();
    } catch (e) {
      // Protected since the labels were read: the server refuses the plain move with 409.
      if (e instanceof ApiError && e.status === 409) {
        try {
          await gate(target);
        } catch (inner) {
          setState({ step: "failed", message: errorMessage(inner) });
        }
        return;
      }
      setState({ step: "failed", message: errorMessage(e) });
    }
  }

  const busy = state.step === "moving" || pending !== null;
  return (
    <form className="panel" onSubmit={submit} aria-label={`Promote version ${version}`}>
      <h3>Promote v{version}</h3>
      <div className="toolbar">
        <label htmlFor="promote-label">Label</label>
        <input
          id="promote-label"
          list="promote-label-options"
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          pattern="[a-z0-9][a-z0-9_.\-]{0,62}"
          title="Lower-case letters, digits, '_', '.', '-'"
        />
        <datalist id="promote-label-options">
          {labels.map((l) => (
            <option key={l.name} value={l.name}>
              {l.protected ? "protected" : `v${l.version}`}
            </option>
          ))}
        </datalist>
        <button type="submit" className="primary" disabled={busy}>
          Promote
        </button>
      </div>
      {labels.find((l) => l.name === label.trim())?.protected && (
        <p className="muted small">“{label.trim()}” is protected: promoting runs its release gate first.</p>
      )}
      {state.step === "moving" && <p role="status">Moving…</p>}
      {state.step === "moved" && (
        <p role="status" className="ok">
          {state.unchanged ? `${state.label} already points to v${version}.` : `Moved ${state.label} to v${version}.`}
        </p>
      )}
      {state.step === "gate" && <GateResult promotion={state.promotion} from={from} />}
      {state.step === "failed" && (
        <p role="alert" className="error">
          {state.message}
        </p>
      )}
    </form>
  );
}
