import { useEffect, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { promptsApi } from "../../api/prompts";
import { LineageLink } from "../../components/LineageLink";
import type { PromptDiff, PromptVersion } from "../../api/types";
import { DiffView } from "../../components/DiffView";
import { JsonBlock } from "../../components/JsonBlock";
import { TemplateHighlight } from "../../components/TemplateHighlight";
import { VersionEditor } from "../../components/VersionEditor";
import { formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { ChatTemplateView } from "./ChatTemplateView";
import { LabelsPanel } from "./LabelsPanel";
import { Playground } from "./Playground";
import { PromotePanel } from "./PromotePanel";
import { PromotionsPanel } from "./PromotionsPanel";
import { UsagePanel } from "./UsagePanel";
import "../../styles/prompts.css";
import { errorMessage } from "../../lib/errors";

function VersionBody({ version }: { version: PromptVersion }) {
  return (
    <div>
      {typeof version.template === "string" ? (
        <TemplateHighlight text={version.template} />
      ) : (
        <ChatTemplateView messages={version.template} />
      )}
      {Object.keys(version.config).length > 0 && (
        <>
          <h4>Config</h4>
          <JsonBlock value={version.config} />
        </>
      )}
    </div>
  );
}

type Tool = "promote" | "playground" | null;

const PAGE = 50;

export function PromptDetail() {
  const name = useParams()["*"] ?? "";
  const [reload, setReload] = useState(0);
  const versions = useAsync(() => promptsApi.versions(name, PAGE), [name, reload]);
  // Older versions are read a page at a time, never the whole history at once.
  const [older, setOlder] = useState<PromptVersion[]>([]);
  const [olderError, setOlderError] = useState<string | null>(null);
  useEffect(() => setOlder([]), [versions.data]);
  const labels = useAsync(() => promptsApi.labels(name), [name, reload]);
  const gates = useAsync(() => promptsApi.gates(name).catch(() => []), [name, reload]);
  // A playground run adds a trace to the version's usage, without reloading the rest.
  const [ran, setRan] = useState(0);
  const usage = useAsync(() => promptsApi.usage(name), [name, reload, ran]);
  const [settled, setSettled] = useState(0);
  const promotions = useAsync(
    () => promptsApi.promotions(name, 10).then((page) => page.items, () => []),
    [name, reload, settled],
  );
  const list = [...(versions.data ?? []), ...older];
  // Versions are numbered from 1 and never deleted: anything above 1 has older ones.
  const hasOlder = (list[list.length - 1]?.number ?? 1) > 1;
  const [params, setParams] = useSearchParams();
  const selected = Number(params.get("version")) || null;
  const setSelected = (number: number) => setParams({ version: String(number) }, { replace: true });
  // A link to a version not among those loaded reads that one version.
  const linked = useAsync(
    () =>
      selected !== null && versions.data && !list.some((v) => v.number === selected)
        ? promptsApi.version(name, selected)
        : Promise.resolve(null),
    [name, selected, versions.data],
  );
  const [base, setBase] = useState<number | null>(null);
  const [target, setTarget] = useState<number | null>(null);
  const [diff, setDiff] = useState<PromptDiff | null>(null);
  const [diffError, setDiffError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [tool, setTool] = useState<Tool>(null);

  async function loadOlder() {
    const oldest = list[list.length - 1];
    if (!oldest) return;
    setOlderError(null);
    try {
      const page = await promptsApi.versions(name, PAGE, oldest.number);
      setOlder((o) => [...o, ...page]);
    } catch (e) {
      setOlderError(errorMessage(e));
    }
  }

  useEffect(() => {
    const newest = list[0];
    if (!newest) return;
    setTarget((t) => t ?? newest.number);
    setBase((b) => b ?? (list[1] ?? newest).number);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the defaults come from the first page; older pages (list) must not move them
  }, [versions.data]);

  async function showDiff() {
    if (base === null || target === null) return;
    setDiffError(null);
    try {
      setDiff(await promptsApi.diff(name, base, target));
    } catch (e) {
      setDiff(null);
      setDiffError(errorMessage(e));
    }
  }

  const current =
    list.find((v) => v.number === selected) ?? (linked.data?.number === selected ? linked.data : null) ?? list[0];
  const newest = list[0];
  const toggle = (next: Tool) => setTool((t) => (t === next ? null : next));

  return (
    <>
      <p className="crumbs">
        <Link to="/prompts">Prompts</Link> / {name}
      </p>
      <h1>{name}</h1>
      {versions.loading && !versions.data && <p>Loading…</p>}
      {versions.error && (
        <p role="alert" className="error">
          {versions.error} <Link to="/prompts">Back to the prompts</Link>
        </p>
      )}
      {newest && (
        <div className="split">
          <section aria-label="Versions" className="versions">
            <h2>Versions</h2>
            <ul className="version-list">
              {list.map((v) => (
                <li key={v.number}>
                  <button type="button" aria-pressed={v.number === current?.number} onClick={() => setSelected(v.number)}>
                    <strong>v{v.number}</strong> {(v.labels ?? []).map((l) => <span key={l} className="tag label">{l}</span>)}
                    <div className="small">{v.commit_message || <span className="muted">no message</span>}</div>
                    <div className="small muted">
                      {v.author} · {formatTime(v.created_at)}
                    </div>
                  </button>
                </li>
              ))}
            </ul>
            {hasOlder && (
              <button type="button" onClick={() => void loadOlder()}>
                Load older versions
              </button>
            )}
            {olderError && <p role="alert" className="error">{olderError}</p>}
            {linked.error && <p role="alert" className="error">{linked.error}</p>}
          </section>
          <section className="grow">
            {current && (
              <>
                <h2>
                  Version {current.number} {(current.labels ?? []).map((l) => <span key={l} className="tag label">{l}</span>)}
                </h2>
                {current.variables.length > 0 && (
                  <p>
                    Variables: {current.variables.map((v) => <code key={v} className="tpl-variable">{v}</code>)}
                  </p>
                )}
                <VersionBody version={current} />
                <div className="toolbar version-tools">
                  <button type="button" aria-expanded={tool === "promote"} onClick={() => toggle("promote")}>
                    Promote v{current.number}
                  </button>
                  <button type="button" aria-expanded={tool === "playground"} onClick={() => toggle("playground")}>
                    Playground
                  </button>
                  {current.lineage_ref && (
                    <LineageLink kind="prompt_version" nodeRef={current.lineage_ref}>
                      Lineage of v{current.number}
                    </LineageLink>
                  )}
                </div>
                {tool === "promote" && (
                  <PromotePanel
                    key={current.number}
                    name={name}
                    version={current.number}
                    labels={labels.data ?? []}
                    onMoved={() => setReload((r) => r + 1)}
                    onSettled={() => setSettled((n) => n + 1)}
                  />
                )}
                {tool === "playground" && <Playground key={current.number} name={name} version={current} onRan={() => setRan((r) => r + 1)} />}
              </>
            )}
            <div className="block">
              <button type="button" aria-expanded={editing} onClick={() => setEditing((e) => !e)}>
                {editing ? "Close editor" : "New version"}
              </button>
              {editing && (
                <VersionEditor
                  key={newest.number}
                  initial={newest.template}
                  initialConfig={newest.config}
                  onSave={(input) => promptsApi.createVersion(name, input)}
                  onSaved={(saved) => {
                    if (saved.created) {
                      setSelected(saved.version.number);
                      setTarget(saved.version.number);
                      setBase(newest.number);
                      setReload((r) => r + 1);
                    }
                  }}
                />
              )}
            </div>
            <div className="block">
              <h2>Compare versions</h2>
              <div className="toolbar">
                <label htmlFor="diff-base">Base</label>
                <select id="diff-base" value={base ?? ""} onChange={(e) => setBase(Number(e.target.value))}>
                  {list.map((v) => <option key={v.number} value={v.number}>v{v.number}</option>)}
                </select>
                <label htmlFor="diff-target">Target</label>
                <select id="diff-target" value={target ?? ""} onChange={(e) => setTarget(Number(e.target.value))}>
                  {list.map((v) => <option key={v.number} value={v.number}>v{v.number}</option>)}
                </select>
                <button type="button" onClick={() => void showDiff()}>Show diff</button>
              </div>
              {diffError && <p role="alert" className="error">{diffError}</p>}
              {diff && <DiffView diff={diff} />}
            </div>
            <section className="block" aria-label="Labels">
              <h2>Labels</h2>
              {labels.error && <p role="alert" className="error">{labels.error}</p>}
              {labels.data && <LabelsPanel name={name} labels={labels.data} gates={gates.data ?? []} />}
              <PromotionsPanel promotions={promotions.data ?? []} />
            </section>
            <section className="block" aria-label="Usage">
              <h2>Usage by version</h2>
              {usage.error && <p role="alert" className="error">{usage.error}</p>}
              {usage.data && <UsagePanel rows={usage.data} />}
            </section>
          </section>
        </div>
      )}
    </>
  );
}
