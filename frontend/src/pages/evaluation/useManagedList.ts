import { useState } from "react";
import { useAsync } from "../../lib/useAsync";
import { errorMessage } from "../../lib/errors";

/** A small collection page: the list, a way to reload it after a change, and deleting with a
 * confirmation whose failure is kept to show. */
export function useManagedList<T>(load: () => Promise<T[]>) {
  const [generation, setGeneration] = useState(0);
  const list = useAsync(load, [generation]);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const reload = () => setGeneration((g) => g + 1);

  async function remove(question: string, del: () => Promise<void>) {
    if (!window.confirm(question)) return;
    setDeleteError(null);
    try {
      await del();
      reload();
    } catch (err) {
      setDeleteError(errorMessage(err));
    }
  }

  return { list, reload, remove, deleteError };
}
