import { Navigate, Route, Routes } from "react-router-dom";
import { useAuth } from "./auth";
import { Evaluations } from "./pages/Evaluations";
import { Layout } from "./pages/Layout";
import { ProjectPicker } from "./pages/ProjectPicker";
import { PromptDetail } from "./pages/PromptDetail";
import { PromptsList } from "./pages/PromptsList";
import { RunCompare } from "./pages/RunCompare";
import { SignInForm } from "./pages/SignIn";
import { TraceDetail } from "./pages/TraceDetail";
import { TracesList } from "./pages/TracesList";

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
        <Route path="prompts" element={<PromptsList />} />
        <Route path="prompts/*" element={<PromptDetail />} />
        <Route path="traces" element={<TracesList />} />
        <Route path="traces/:traceId" element={<TraceDetail />} />
        <Route path="evaluations" element={<Evaluations />} />
        <Route path="evaluations/compare/:a/:b" element={<RunCompare />} />
        <Route path="*" element={<p>Page not found. <a href="/prompts">Go to prompts</a></p>} />
      </Route>
    </Routes>
  );
}
