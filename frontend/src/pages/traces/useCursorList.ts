import { useEffect, useState } from "react";
import { ApiError } from "../../api/client";

export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

/** An error as a sentence, naming each rejected parameter (a filter the API refused). */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    const fields = Object.entries(e.fields).map(([field, messages]) => `${field}: ${messages.join(" ")}`);
    return fields.length > 0 ? `${e.message} ${fields.join("; ")}` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * A server-paged list: the first page whenever `key` changes, then further pages appended by
 * `loadMore`. Only the pages asked for are ever held, never the whole collection.
 */
export function useCursorList<T>(fetchPage: (cursor: string | undefined) => Promise<CursorPage<T>>, key: string) {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  async function load(from: string | null) {
    setLoading(true);
    setError(null);
    try {
      const page = await fetchPage(from ?? undefined);
      setItems((old) => (from ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    setItems([]);
    void load(null);
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps

  return { items, loading, error, hasMore: cursor !== null && !loading, loadMore: () => void load(cursor) };
}
