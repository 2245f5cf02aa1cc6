import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";
import { errorMessage } from "./errors";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Paged<T> {
  items: T[];
  next: string | null;
  loading: boolean;
  error: string | null;
  loadMore: () => Promise<void>;
  reload: () => void;
}

/** Cursor pagination: the first page when `deps` change, more pages appended on demand. Answers
 * to a superseded request (deps changed meanwhile) are dropped. Only the pages asked for are
 * held, never the whole collection. `describe` turns a failure into the sentence shown. */
export function usePaged<T>(
  load: (cursor?: string) => Promise<Page<T>>,
  deps: DependencyList,
  describe: (e: unknown) => string = errorMessage,
): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const mine = ++generation.current;
    setLoading(true);
    setError(null);
    loadRef.current().then(
      (page) => {
        if (mine !== generation.current) return;
        setItems(page.items);
        setNext(page.next_cursor);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(describe(e));
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps say when to load again (as with useEffect); load is read from the latest render through loadRef
  }, [...deps, tick]);

  const loadMore = useCallback(async () => {
    if (!next) return;
    const mine = generation.current;
    setLoading(true);
    try {
      const page = await loadRef.current(next);
      if (mine !== generation.current) return;
      setItems((old) => [...old, ...page.items]);
      setNext(page.next_cursor);
    } catch (e) {
      if (mine === generation.current) setError(describe(e));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [next, describe]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { items, next, loading, error, loadMore, reload };
}
