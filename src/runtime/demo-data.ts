// Demo mode: the workspace's demo data, written as the database owner (the domain schema's tables
// belong to the owner; handlers run as airlock_app with narrower rights). Only `start` and
// `airlock demo reset` call this; production (`serve`, DATABASE_URL without AIRLOCK_DEMO) never
// does.
import { StartupError } from "../errors/startup-error.ts";
import type { Log } from "../observe/logger.ts";
import { ownerClient } from "../store/database.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";

/** Seeds the demo data if the workspace has a seed; a no-op when already seeded. */
export async function seedDemoData(url: string, workspace: CompiledWorkspace, log: Log): Promise<void> {
  const seed = workspace.demo?.seed;
  if (!seed) return;
  const started = performance.now();
  const client = await ownerClient(url);
  try {
    await seed(client);
  } catch (error) {
    // A seed that refuses (e.g. to write over rows it did not make) says why in its message: the
    // person starting Airlock gets that one line, not a stack trace.
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("demo."))
      throw new StartupError(code, (error as Error).message);
    throw error;
  } finally {
    await client.end();
  }
  log.info({ ms: Math.round(performance.now() - started) }, "demo data ready");
}

/** Replaces the demo data with a fresh seed. */
export async function resetDemoData(url: string, workspace: CompiledWorkspace): Promise<boolean> {
  const reset = workspace.demo?.reset;
  if (!reset) return false;
  const client = await ownerClient(url);
  try {
    await reset(client);
  } finally {
    await client.end();
  }
  return true;
}

/** The demo's stand-ins for the systems its resources reach, if it has any (demo mode only). */
export async function startDemoServices(url: string, workspace: CompiledWorkspace, log: Log) {
  const start = workspace.demo?.services;
  if (!start) return null;
  return await start({ databaseUrl: url, log: (line) => log.info(line) });
}
