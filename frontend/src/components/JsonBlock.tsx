import type { Json } from "../api/types";

export function JsonBlock({ value }: { value: Json | undefined }) {
  return <pre className="json">{JSON.stringify(value ?? null, null, 2)}</pre>;
}
