import { Route } from "react-router-dom";
import { TraceDetail } from "./TraceDetail";
import { TracesList } from "./TracesList";
import { Dashboard } from "./Dashboard";
import { SessionDetail } from "./SessionDetail";
import { SessionsList } from "./SessionsList";

/** Routes of the tracing area: traces, sessions and the dashboard. */
export function traceRoutes() {
  return (
    <>
      <Route path="traces" element={<TracesList />} />
      <Route path="traces/:traceId" element={<TraceDetail />} />
      <Route path="sessions" element={<SessionsList />} />
      <Route path="sessions/:sessionId" element={<SessionDetail />} />
      <Route path="dashboard" element={<Dashboard />} />
    </>
  );
}
