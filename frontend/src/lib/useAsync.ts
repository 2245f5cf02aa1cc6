import { useEffect, useState, type DependencyList } from "react";
import { errorMessage } from "./errors";

export interface AsyncState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

/** Runs `load` whenever deps change; ignores answers that arrive after a newer request. */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList): AsyncState<T> & {
  setData: (data: T) => void;
} {
  const [state, setState] = useState<AsyncState<T>>({ data: null, error: null, loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (e: unknown) =>
        live && setState({ data: null, error: errorMessage(e), loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps say when to load again (as with useEffect), including reload counters load does not read
  }, deps);
  return { ...state, setData: (data: T) => setState({ data, error: null, loading: false }) };
}
