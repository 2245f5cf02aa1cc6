import { Route } from "react-router-dom";
import { Evaluations } from "../Evaluations";
import { RunCompare } from "../RunCompare";

/** Routes of the evaluation area: datasets, suites, runs, comparisons and schedules. */
export function evaluationRoutes() {
  return (
    <>
      <Route path="evaluations" element={<Evaluations />} />
      <Route path="evaluations/compare/:a/:b" element={<RunCompare />} />
    </>
  );
}
