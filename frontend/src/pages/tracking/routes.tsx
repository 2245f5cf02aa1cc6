import { Route } from "react-router-dom";

function NotYet({ what }: { what: string }) {
  return <p className="empty">{what} will be listed here.</p>;
}

/** Routes of experiment tracking, the model registry and the lineage view. */
export function trackingRoutes() {
  return (
    <>
      <Route path="experiments" element={<NotYet what="Experiments" />} />
      <Route path="models" element={<NotYet what="Registered models" />} />
      <Route path="lineage" element={<NotYet what="The lineage graph" />} />
    </>
  );
}
