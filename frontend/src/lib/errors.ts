/** The text to show for anything thrown or rejected: an Error's message (an ApiError's is the
 * server's), otherwise the value as a string. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
