import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { StartupError } from "../errors/startup-error.ts";
import type { Workspace } from "../sdk/define-workspace.ts";
import { type CompiledWorkspace, compileWorkspace } from "../workspace/compile-workspace.ts";

/** Import `airlock.config.ts` (Node 24 strips its types) and check it. */
export async function loadWorkspace(path: string): Promise<CompiledWorkspace> {
  if (!existsSync(path)) {
    throw new StartupError(
      "config.workspace_missing",
      `No workspace file at ${path}. Create airlock.config.ts (see examples/) or set AIRLOCK_CONFIG.`,
    );
  }
  let module: { default?: Workspace };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: Workspace };
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new StartupError("config.workspace_import_failed", `Could not load ${path}: ${detail}`);
  }
  if (!module.default) {
    throw new StartupError(
      "config.invalid_workspace",
      `${path} has no default export; export default defineWorkspace({ ... }).`,
    );
  }
  return compileWorkspace(module.default, path);
}
