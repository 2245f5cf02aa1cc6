import type { Prompt } from "../../api/types";

export interface Folder {
  name: string;
  path: string;
  count: number;
}

/** The app path of a prompt's page; each part of the name is encoded, "/" kept. */
export const promptPath = (name: string) => `/prompts/${name.split("/").map(encodeURIComponent).join("/")}`;

/** One level of the tree of names inside `folder`: its subfolders (with how many prompts are
 * below each) and the prompts directly in it. */
export function folderView(prompts: Prompt[], folder: string): { folders: Folder[]; prompts: Prompt[] } {
  const prefix = folder ? `${folder}/` : "";
  const folders = new Map<string, number>();
  const direct: Prompt[] = [];
  for (const prompt of prompts) {
    if (!prompt.name.startsWith(prefix)) continue;
    const rest = prompt.name.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash < 0) direct.push(prompt);
    else {
      const name = rest.slice(0, slash);
      folders.set(name, (folders.get(name) ?? 0) + 1);
    }
  }
  return {
    folders: Array.from(folders, ([name, count]) => ({ name, path: prefix + name, count })).sort((a, b) =>
      a.name.localeCompare(b.name),
    ),
    prompts: direct,
  };
}
