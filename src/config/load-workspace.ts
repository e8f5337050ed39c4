import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { StartupError } from "../errors/startup-error.ts";
import type { Workspace } from "../sdk/define-workspace.ts";
import {
  type CompiledWorkspace,
  compileWorkspace,
  WorkspaceProblemsError,
} from "../workspace/compile-workspace.ts";
import { runbookStepProblems } from "../workspace/runbook-rehearsal.ts";

/** Import `airlock.config.ts` (Node 24 strips its types) and check it. */
export async function loadWorkspace(path: string): Promise<CompiledWorkspace> {
  const compiled = compileWorkspace(await importWorkspace(path), path);
  // Runbooks' step names are found by a rehearsal, which is asynchronous (compiling is not).
  const problems = await runbookStepProblems(compiled.runbooks.values());
  if (problems.length > 0) throw new WorkspaceProblemsError(path, problems);
  return compiled;
}

/**
 * Import `airlock.config.ts` without checking it. A failed import's StartupError keeps the
 * original error as its `cause` (its stack locates the mistake).
 */
export async function importWorkspace(path: string, options: { query?: string } = {}): Promise<Workspace> {
  if (!existsSync(path)) {
    throw new StartupError(
      "config.workspace_missing",
      `No workspace file at ${path}. Create one with \`npx airlock init\`, or set AIRLOCK_CONFIG.`,
    );
  }
  let module: { default?: Workspace };
  try {
    // A query makes a new module instance (the dev server's reload; see cli/dev-reload.ts).
    const url = `${pathToFileURL(path).href}${options.query ? `?${options.query}` : ""}`;
    module = (await import(url)) as { default?: Workspace };
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw Object.assign(
      new StartupError("config.workspace_import_failed", `Could not load ${path}: ${detail}`),
      { cause: error },
    );
  }
  if (!module.default) {
    throw new StartupError(
      "config.invalid_workspace",
      `${path} has no default export; export default defineWorkspace({ ... }).`,
    );
  }
  return module.default;
}
