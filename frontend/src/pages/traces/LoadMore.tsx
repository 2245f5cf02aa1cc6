/** The foot of a server-paged list: a loading note, or the button that fetches the next page. */
export function LoadMore({ loading, hasMore, onLoadMore }: { loading: boolean; hasMore: boolean; onLoadMore: () => void }) {
  if (loading) return <p>Loading…</p>;
  if (!hasMore) return null;
  return (
    <button type="button" onClick={onLoadMore}>
      Load more
    </button>
  );
}
