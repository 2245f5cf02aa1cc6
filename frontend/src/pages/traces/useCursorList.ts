import { ApiError } from "../../api/client";
import { usePaged } from "../../lib/usePaged";
import { errorMessage } from "../../lib/errors";

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
  return errorMessage(e);
}

/**
 * A server-paged list: the first page whenever `key` changes, then further pages appended by
 * `loadMore`; a refused filter is described naming its parameter.
 */
export function useCursorList<T>(fetchPage: (cursor: string | undefined) => Promise<CursorPage<T>>, key: string) {
  const paged = usePaged<T>(fetchPage, [key], describeError);
  return {
    items: paged.items,
    loading: paged.loading,
    error: paged.error,
    hasMore: paged.next !== null && !paged.loading,
    loadMore: () => void paged.loadMore(),
  };
}
