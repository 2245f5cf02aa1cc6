import { Route } from "react-router-dom";
import { TraceDetail } from "../TraceDetail";
import { TracesList } from "../TracesList";

/** Routes of the tracing area: traces, sessions and the dashboard. */
export function traceRoutes() {
  return (
    <>
      <Route path="traces" element={<TracesList />} />
      <Route path="traces/:traceId" element={<TraceDetail />} />
    </>
  );
}
