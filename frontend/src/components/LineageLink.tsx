import type { ReactNode } from "react";
import { Link } from "react-router-dom";

export interface LineageLinkProps {
  kind: string;
  /** The node's ref in the lineage graph (React reserves the prop name `ref`). */
  nodeRef: string;
  children?: ReactNode;
}

export function lineageHref(kind: string, nodeRef: string): string {
  return `/lineage?${new URLSearchParams({ kind, ref: nodeRef })}`;
}

/** A link to the lineage view centred on one node: `<LineageLink kind="prompt_version" nodeRef="42" />`. */
export function LineageLink({ kind, nodeRef, children }: LineageLinkProps) {
  return <Link to={lineageHref(kind, nodeRef)}>{children ?? "Lineage"}</Link>;
}
