import { useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError } from "../../api/client";
import { evaluationApi, isFinished, type RunDetail as LiveRun } from "../../api/evaluation";
import { LineageLink } from "../../components/LineageLink";
import type { Run } from "../../api/types";
import { formatTime } from "../../lib/format";
import { Alert } from "../../components/FormErrors";
import { errorMessage } from "../../lib/errors";
import { ResultsPanel } from "./ResultsPanel";
import { RunProgress } from "./RunProgress";
import { RunSummary } from "./RunSummary";

export const POLL_MS = 1000;

/** The run, re-fetched every POLL_MS while it is queued or running. */
export function useLiveRun(id: string): { run: LiveRun | null; error: string | null; setRun: (run: LiveRun) => void } {
  const [run, setRun] = useState<LiveRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setRun(null);
    setError(null);
    const poll = () => {
      evaluationApi.run(id).then(
        (found) => {
          if (!live) return;
          setRun(found);
          setError(null);
          if (!isFinished(found)) timer = setTimeout(poll, POLL_MS);
        },
        (e: unknown) => {
          if (!live) return;
          setError(errorMessage(e));
          // A blip (a restart, a dropped connection) must not freeze the page; a 404 will not heal.
          if (!(e instanceof ApiError && e.status === 404)) {
            timer = setTimeout(poll, POLL_MS * 3);
          }
        },
      );
    };
    poll();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [id]);
  return { run, error, setRun };
}

function evaluatorNames(run: Run): string[] {
  const fromSummary = run.summary.evaluators;
  if (fromSummary && typeof fromSummary === "object" && !Array.isArray(fromSummary)) return Object.keys(fromSummary);
  return [];
}

export function RunDetail() {
  const { id = "" } = useParams();
  const { run, error, setRun } = useLiveRun(id);
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);

  async function cancel() {
    setCancelling(true);
    setCancelError(null);
    try {
      const cancelled = await evaluationApi.cancelRun(id);
      setRun({ ...cancelled, lanes: run?.lanes ?? [] });
    } catch (e) {
      setCancelError(errorMessage(e));
    } finally {
      setCancelling(false);
    }
  }

  return (
    <>
      <p className="crumbs">
        <Link to="/evaluations">Runs</Link> / <code>{id.slice(0, 8)}</code>
      </p>
      {error && !run && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!run && !error && <p>Loading…</p>}
      {run && (
        <>
          <h1>
            Run of <Link to={`/evaluations/suites/${encodeURIComponent(run.suite)}`}>{run.suite}</Link>
            {run.prompt_version && (
              <span className="muted">
                {" "}
                on {run.prompt_version.prompt} v{run.prompt_version.version}
              </span>
            )}
          </h1>
          <dl className="facts run-facts">
            <dt>Run</dt>
            <dd>
              <code>{run.id}</code>
            </dd>
            <dt>Prompt</dt>
            <dd>
              {run.prompt_version ? (
                <Link to={`/prompts/${run.prompt_version.prompt}`}>
                  {run.prompt_version.prompt} v{run.prompt_version.version}
                </Link>
              ) : (
                "outputs sent by the client"
              )}
            </dd>
            <dt>Dataset</dt>
            <dd>version {run.dataset_version}</dd>
            <dt>Lineage</dt>
            <dd>
              <LineageLink kind="eval_run" nodeRef={run.id}>
                What this run used and gated
              </LineageLink>
            </dd>
            <dt>Trigger</dt>
            <dd>
              {run.trigger} by {run.created_by || "–"}
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(run.created_at)}</dd>
            {run.finished_at && (
              <>
                <dt>Finished</dt>
                <dd>{formatTime(run.finished_at)}</dd>
              </>
            )}
            <dt>Baseline</dt>
            <dd>
              {run.baseline_run ? (
                <>
                  <Link to={`/evaluations/runs/${run.baseline_run}`}>baseline run</Link> ·{" "}
                  <Link to={`/evaluations/compare/${run.baseline_run}/${run.id}`}>compare with baseline</Link>
                </>
              ) : (
                "none"
              )}
            </dd>
          </dl>
          <RunProgress run={run} onCancel={() => void cancel()} cancelling={cancelling} />
          <Alert message={cancelError} />
          {error && <p className="muted small">Refreshing failed ({error}); retrying.</p>}
          <h2>Summary</h2>
          {run.status === "passed" && <p className="verdict-banner pos-bg">Passed: every threshold holds.</p>}
          {run.status === "failed" && <p className="verdict-banner neg-bg">Failed: at least one threshold does not hold.</p>}
          <RunSummary run={run} />
          <ResultsPanel runId={run.id} evaluators={evaluatorNames(run)} refreshKey={`${run.status}:${run.progress.done}`} />
        </>
      )}
    </>
  );
}
