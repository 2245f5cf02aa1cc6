import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";

/** The `name` query parameter of a list page: what the list is narrowed to. */
export function useNameParam(): string {
  const [params] = useSearchParams();
  return params.get("name") ?? "";
}

/** A "name contains" search that keeps its text in the URL, so a narrowed list can be shared. */
export function NameSearch({ id }: { id: string }) {
  const [, setParams] = useSearchParams();
  const name = useNameParam();
  const [draft, setDraft] = useState(name);

  function search(e: FormEvent) {
    e.preventDefault();
    setParams(draft.trim() ? { name: draft.trim() } : {});
  }

  return (
    <form className="toolbar" onSubmit={search} role="search">
      <label htmlFor={id}>Name contains</label>
      <input id={id} value={draft} onChange={(e) => setDraft(e.target.value)} />
      <button type="submit">Search</button>
    </form>
  );
}
