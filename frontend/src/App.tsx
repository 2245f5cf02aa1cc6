import { Navigate, Route, Routes } from "react-router-dom";
import { useAuth } from "./auth";
import { evaluationRoutes } from "./pages/evaluation/routes";
import { Layout } from "./pages/Layout";
import { ProjectPicker } from "./pages/ProjectPicker";
import { promptRoutes } from "./pages/prompts/routes";
import { SignInForm } from "./pages/SignIn";
import { traceRoutes } from "./pages/traces/routes";
import { trackingRoutes } from "./pages/tracking/routes";

export function App() {
  const { loading, session, project, projects, error, signIn, chooseProject } = useAuth();
  if (loading) return <p className="page">Loading…</p>;
  if (error && !session) return <p role="alert" className="page error">Cannot reach the server: {error}</p>;
  // Unauthenticated: every path shows the sign-in form; after signing in the same URL renders.
  if (!session?.authenticated) return <SignInForm onSignIn={signIn} />;
  if (!project) return <ProjectPicker projects={projects} onChoose={chooseProject} />;
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<Navigate to="/prompts" replace />} />
        {promptRoutes()}
        {traceRoutes()}
        {evaluationRoutes()}
        {trackingRoutes()}
        <Route
          path="*"
          element={
            <p className="empty">
              Page not found. <a href="/prompts">Go to prompts</a>
            </p>
          }
        />
      </Route>
    </Routes>
  );
}
