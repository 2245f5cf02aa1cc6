import { NavLink, Outlet, Route, useLocation } from "react-router-dom";
import "../../styles/evaluation.css";
import { Evaluations } from "./Evaluations";
import { RunCompare } from "./RunCompare";
import { Connections } from "./Connections";
import { DatasetDetail } from "./DatasetDetail";
import { Datasets } from "./Datasets";
import { OnlineRules } from "./OnlineRules";
import { RunDetail } from "./RunDetail";
import { Schedules } from "./Schedules";
import { SuiteDetail } from "./SuiteDetail";
import { Suites } from "./Suites";

function EvaluationLayout() {
  const { pathname } = useLocation();
  // A run's page and a comparison belong to the Runs tab.
  const onRuns = pathname === "/evaluations" || /^\/evaluations\/(runs|compare)\//.test(pathname);
  return (
    <>
      <nav aria-label="Evaluation" className="subnav">
        <NavLink to="/evaluations" end className={onRuns ? "active" : undefined} aria-current={onRuns ? "page" : undefined}>
          Runs
        </NavLink>
        <NavLink to="/evaluations/datasets">Datasets</NavLink>
        <NavLink to="/evaluations/suites">Suites</NavLink>
        <NavLink to="/evaluations/schedules">Schedules</NavLink>
        <NavLink to="/evaluations/connections">Connections</NavLink>
        <NavLink to="/evaluations/online-rules">Online rules</NavLink>
      </nav>
      <Outlet />
    </>
  );
}

/** Routes of the evaluation area: datasets, suites, runs, comparisons and schedules. */
export function evaluationRoutes() {
  return (
    <Route path="evaluations" element={<EvaluationLayout />}>
      <Route index element={<Evaluations />} />
      <Route path="runs/:id" element={<RunDetail />} />
      <Route path="compare/:a/:b" element={<RunCompare />} />
      <Route path="datasets" element={<Datasets />} />
      <Route path="datasets/:name" element={<DatasetDetail />} />
      <Route path="suites" element={<Suites />} />
      <Route path="suites/:name" element={<SuiteDetail />} />
      <Route path="schedules" element={<Schedules />} />
      <Route path="connections" element={<Connections />} />
      <Route path="online-rules" element={<OnlineRules />} />
    </Route>
  );
}
