import { useState } from "react";

/**
 * Page-token paging: MLflow answers a next_page_token and knows no "previous", so the tokens
 * of the pages already seen are kept to go back.
 */
export function usePageTokens(resetKey: string) {
  const [state, setState] = useState<{ key: string; tokens: (string | undefined)[] }>({
    key: resetKey,
    tokens: [undefined],
  });
  const tokens = state.key === resetKey ? state.tokens : [undefined];
  return {
    token: tokens[tokens.length - 1],
    page: tokens.length,
    next: (token: string) => setState({ key: resetKey, tokens: [...tokens, token] }),
    previous: () => setState({ key: resetKey, tokens: tokens.slice(0, -1) }),
  };
}

export function Pager({
  page,
  nextToken,
  onNext,
  onPrevious,
  what,
}: {
  page: number;
  nextToken: string | undefined;
  onNext: (token: string) => void;
  onPrevious: () => void;
  what: string;
}) {
  if (page === 1 && !nextToken) return null;
  return (
    <nav className="toolbar" aria-label={`${what} pages`}>
      <button type="button" onClick={onPrevious} disabled={page === 1}>
        Previous page
      </button>
      <span className="muted">Page {page}</span>
      <button type="button" onClick={() => nextToken && onNext(nextToken)} disabled={!nextToken}>
        Next page
      </button>
    </nav>
  );
}
