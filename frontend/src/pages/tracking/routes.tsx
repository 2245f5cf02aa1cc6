import { Route } from "react-router-dom";
import "../../styles/tracking.css";
import { ExperimentDetail } from "./ExperimentDetail";
import { ExperimentsList } from "./ExperimentsList";
import { LineagePage } from "./LineagePage";
import { ModelDetail } from "./ModelDetail";
import { ModelsList } from "./ModelsList";
import { RunDetail } from "./RunDetail";
import { RunsCompare } from "./RunsCompare";

/** Routes of experiment tracking, the model registry and the lineage view. */
export function trackingRoutes() {
  return (
    <>
      <Route path="experiments" element={<ExperimentsList />} />
      <Route path="experiments/runs/:runId" element={<RunDetail />} />
      <Route path="experiments/:experimentId" element={<ExperimentDetail />} />
      <Route path="experiments/:experimentId/compare" element={<RunsCompare />} />
      <Route path="models" element={<ModelsList />} />
      <Route path="models/*" element={<ModelDetail />} />
      <Route path="lineage" element={<LineagePage />} />
    </>
  );
}
