// Where a workspace's mistake is: the file and line of a failed import (a syntax error, a throw at
// load) or of the definition a compile problem is about. Shared by `airlock check` and the dev
// server's error overlay.
import { resolve } from "node:path";
import type { Workspace } from "../sdk/define-workspace.ts";
import { definitionSource } from "../sdk/definition-source.ts";

/** `actions[3] (name): …` is about the fourth action; anything else about the workspace itself. */
export function sourceOfProblem(workspace: Workspace, problem: string) {
  const index = /^actions\[(\d+)\]/.exec(problem)?.[1];
  const action = index === undefined ? undefined : workspace.actions?.[Number(index)];
  return definitionSource(action) ?? definitionSource(workspace);
}

/**
 * The first place in the user's own files (not a dependency) an import error's stack names, as
 * `file:line` (a cache-busting query on the module URL is left out).
 */
export function locationInStack(error: unknown, configPath: string): string | null {
  if (!(error instanceof Error)) return null;
  const text = `${error.message}\n${error.stack ?? ""}`;
  const dir = resolve(configPath, "..");
  for (const match of text.matchAll(/(?:file:\/\/)?(\/[^\s():?]+\.[cm]?[tj]s)(?:\?[^\s():]*)?:(\d+)/g)) {
    const file = match[1]!;
    if (file.startsWith(dir) && !file.includes("/node_modules/")) return `${file}:${match[2]}`;
  }
  return null;
}
