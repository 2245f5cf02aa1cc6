import { Route } from "react-router-dom";
import { PromptDetail } from "./PromptDetail";
import { PromptsList } from "./PromptsList";

/** Routes of the prompts area: the list and a prompt's page (names may contain "/"). */
export function promptRoutes() {
  return (
    <>
      <Route path="prompts" element={<PromptsList />} />
      <Route path="prompts/*" element={<PromptDetail />} />
    </>
  );
}
