// `airlock dev`'s hot reload, in the server process: the workspace's files are watched; on a save
// the workspace is imported afresh and compiled, a new Airlock instance is built on the same
// database, and the HTTP front swaps to it in one assignment, so every new request sees the new
// version while requests (and inline runs) already in the old one finish there. The old instance
// is then closed. Sessions live in PostgreSQL, so everyone stays signed in.
//
// Runs requested but not started when the workspace reloads (queued, or waiting for approval) run
// on the version they were requested against, never silently on the new one: the reloader keeps
// each superseded version of an action while a run not yet finished names it, and every instance
// looks versions up here (ControlDeps.heldVersion). Without that (a production deploy), such a
// run fails with `run.version_changed`, naming both versions.
//
// A workspace that fails to import or compile is not swapped in: the previous good version keeps
// serving, the terminal shows the error with its file and line, and every page of the UI shows
// it in a banner (cli/dev-banner.ts), which reloads the page once the workspace compiles again. A
// workspace broken when the server starts does not stop it: until a version compiles, pages show
// the banner on a page of their own and the API answers 503 `workspace.not_compiled`.
//
// Speed: of a reload's time, starting the job engine (pg-boss: its pool, LISTEN connection and
// loops) was the largest part that does not depend on the workspace (0.3–0.7 s of 0.6–1.3 s
// under load, measured 2026-12-03). The engine of the next reload is therefore started ahead, right
// after a reload, while the engineer types; the new instance takes it over. Unused for a while
// (`spareIdleMs`), it is stopped, freeing its connections; the next save then starts one as soon as
// the watcher sees the file, alongside the workspace's import.
//
// Fresh imports: Node caches modules by URL, so the workspace file is imported with a version in
// its query, and a resolve hook gives each file it imports from the workspace's folder the same
// version (its dependencies would otherwise be the cached old ones). Hooks are process-wide by
// Node's design; this one only touches URLs that carry the version query.
import { type FSWatcher, watch } from "node:fs";
import { registerHooks } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { importWorkspace } from "../config/load-workspace.ts";
import type { Engine } from "../engine/engine.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { StartupError } from "../errors/startup-error.ts";
import type { Log } from "../observe/logger.ts";
import { newRequestId } from "../observe/request-id.ts";
import type { Airlock, AirlockOptions } from "../runtime/airlock.ts";
import type { Workspace } from "../sdk/define-workspace.ts";
import {
  type CompiledAction,
  type CompiledWorkspace,
  compileWorkspace,
  WorkspaceProblemsError,
} from "../workspace/compile-workspace.ts";
import { runbookStepProblems } from "../workspace/runbook-rehearsal.ts";
import {
  DEV_SCRIPT_PATH,
  DEV_STATUS_PATH,
  devScriptResponse,
  waitingPage,
  withDevScript,
} from "./dev-banner.ts";
import { locationInStack, sourceOfProblem } from "./workspace-problems.ts";

export { DEV_STATUS_PATH } from "./dev-banner.ts";

const VERSION_PARAM = "airlock-reload";

export interface WorkspaceError {
  /** `file:line` relative to the working directory, when it could be located. */
  at: string | null;
  message: string;
}

export interface DevStatus {
  /** Counts good loads (0: none yet); a page that saw another number reloads itself. */
  version: number;
  error: WorkspaceError | null;
}

export interface DevReloader {
  /** The HTTP entry point: the current instance's app, plus the dev status and banner script. */
  fetch(request: Request, env?: unknown): Promise<Response>;
  /** The instance serving now; null while no version of the workspace has compiled. */
  current(): Airlock | null;
  status(): DevStatus;
  /** Reload now (the watcher calls this on a save); resolves when the attempt is over. */
  reload(): Promise<DevStatus>;
  close(): Promise<void>;
}

export interface DevReloadOptions {
  workspacePath: string;
  /**
   * Builds an instance for a compiled workspace (its migrations first), on `engine` when one was
   * started ahead (the instance then owns it, also when the build fails), executing runs of other
   * versions with `heldVersion` (pass it to createAirlock).
   */
  create(
    workspace: CompiledWorkspace,
    engine: Engine | undefined,
    heldVersion: NonNullable<AirlockOptions["heldVersion"]>,
  ): Promise<Airlock>;
  /** Starts a job engine for the next reload, ahead of it (see the header). */
  startEngine?: () => Promise<Engine>;
  log: Log;
  /** The terminal: one line on success, the located error on failure. */
  out(text: string): void;
  err(text: string): void;
  /** Watch the workspace's folder (off in tests that call `reload` themselves). */
  watch?: boolean;
  /** How long the engine started ahead may wait unused before it is stopped (default 10 min). */
  spareIdleMs?: number;
}

let hooked = false;
function installVersionHook(): void {
  if (hooked) return;
  hooked = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      const parent = context.parentURL;
      if (!parent?.includes(`${VERSION_PARAM}=`) || !resolved.url.startsWith("file:")) return resolved;
      const version = new URL(parent).searchParams.get(VERSION_PARAM);
      const root = new URL(parent).searchParams.get("root");
      const url = new URL(resolved.url);
      if (!version || !root || !url.pathname.startsWith(root) || url.pathname.includes("/node_modules/"))
        return resolved;
      url.search = `?${VERSION_PARAM}=${version}&root=${encodeURIComponent(root)}`;
      return { ...resolved, url: url.href };
    },
  });
}

/**
 * Loads the workspace and serves it, reloading on save. A workspace that does not compile at start
 * does not throw: the reloader serves the located error until a save fixes it.
 */
export async function startDevReload(options: DevReloadOptions): Promise<DevReloader> {
  installVersionHook();
  const path = resolve(options.workspacePath);
  const root = `${dirname(path)}/`;
  const shown = (file: string) => relative(process.cwd(), file) || file;
  let current: Airlock | null = null;
  let status: DevStatus = { version: 0, error: null };
  let attempt = 0;
  let running: Promise<DevStatus> | null = null;
  let again = false;
  let spare: Promise<Engine | undefined> | null = null;
  let spareTimer: NodeJS.Timeout | null = null;
  const retiring = new Set<Promise<void>>();
  const inFlight = new Map<Airlock, number>();
  // Superseded versions, by `name@version`, with the instance they came from: kept while that
  // instance may still be creating runs, then while a run not yet finished names them.
  const held = new Map<string, { action: CompiledAction; from: Airlock }>();
  const draining = new Set<Airlock>();
  const heldVersion = (name: string, version: string): CompiledAction | undefined => {
    // The serving version too: an instance being retired may still take a new run's job.
    const serving = current?.workspace.actions.get(name);
    if (serving?.version === version) return serving;
    return held.get(`${name}@${version}`)?.action;
  };

  function startSpare(): void {
    if (!options.startEngine || spare) return;
    spare = options.startEngine().catch((error: Error) => {
      options.log.warn(
        { err: error },
        "starting the next reload's job engine; the reload will start its own",
      );
      return undefined;
    });
    spareTimer = setTimeout(() => void stopSpare(), options.spareIdleMs ?? 600_000);
    spareTimer.unref();
  }

  /** Takes the engine started ahead, if any (the caller owns it from here). */
  function takeSpare(): Promise<Engine | undefined> | null {
    if (spareTimer) clearTimeout(spareTimer);
    spareTimer = null;
    const taken = spare;
    spare = null;
    return taken;
  }

  async function stopSpare(): Promise<void> {
    const engine = await takeSpare();
    if (!engine) return;
    await engine
      .stop()
      .catch((error: Error) => options.log.warn({ err: error }, "stopping the unused job engine"));
    options.log.info("stopped the job engine started ahead (unused); the next save starts one");
  }

  async function load(): Promise<CompiledWorkspace | WorkspaceError> {
    attempt++;
    let workspace: Workspace;
    try {
      workspace = await importWorkspace(path, {
        query: `${VERSION_PARAM}=${attempt}&root=${encodeURIComponent(root)}`,
      });
    } catch (error) {
      if (!(error instanceof StartupError)) throw error;
      const at = locationInStack((error as { cause?: unknown }).cause, path);
      return { at: at ? shown(at) : null, message: error.message };
    }
    try {
      const compiled = compileWorkspace(workspace, shown(path));
      // As at start (config/load-workspace.ts): runbooks' step names are found by a rehearsal.
      const problems = await runbookStepProblems(compiled.runbooks.values());
      if (problems.length > 0) throw new WorkspaceProblemsError(shown(path), problems);
      return compiled;
    } catch (error) {
      if (error instanceof WorkspaceProblemsError) {
        const first = error.problems[0] ?? "the workspace does not compile";
        const source = sourceOfProblem(workspace, first);
        return {
          at: source ? `${shown(source.file)}:${source.line}` : null,
          message: error.problems.join("\n"),
        };
      }
      if (error instanceof StartupError) return { at: null, message: error.message };
      throw error;
    }
  }

  function failed(error: WorkspaceError): DevStatus {
    status = { version: status.version, error };
    options.err(overlayText(error, current !== null));
    options.log.warn(
      { at: error.at },
      current
        ? "workspace does not compile; the previous version keeps serving"
        : "workspace does not compile",
    );
    return status;
  }

  async function attemptReload(): Promise<DevStatus> {
    const started = performance.now();
    let loaded: CompiledWorkspace | WorkspaceError;
    try {
      loaded = await load();
    } catch (error) {
      loaded = { at: locationInStack(error, path), message: (error as Error).message };
    }
    if (!("actions" in loaded)) return failed(loaded);
    const taken = takeSpare();
    const engine = taken ? await taken : undefined;
    let next: Airlock;
    try {
      next = await options.create(loaded, engine, heldVersion);
    } catch (error) {
      startSpare();
      return failed({ at: null, message: (error as Error).message });
    }
    const old = current;
    if (old)
      for (const action of old.workspace.actions.values())
        if (next.workspace.actions.get(action.name)?.version !== action.version)
          held.set(`${action.name}@${action.version}`, { action, from: old });
    current = next;
    status = { version: status.version + 1, error: null };
    const ms = Math.round(performance.now() - started);
    if (old) {
      options.out(`  ✓ workspace reloaded in ${ms} ms (${next.workspace.actions.size} actions)`);
      options.log.info({ ms, actions: next.workspace.actions.size }, "workspace reloaded");
      const retired = retire(old);
      retiring.add(retired);
      void retired.finally(() => retiring.delete(retired));
    } else if (attempt > 1) {
      options.out(`  ✓ the workspace compiles now; serving it (${next.workspace.actions.size} actions)`);
    }
    startSpare();
    return status;
  }

  /** Closes an instance once the requests it was answering are done (its runs under way finish in close). */
  async function retire(old: Airlock): Promise<void> {
    draining.add(old);
    // A live-updates stream is a request that never finishes: ended now, its browser reconnects
    // (with Last-Event-ID, losing nothing) to the new instance, rather than waiting out the 30 s
    // below on this one and then finding its database pool closed.
    old.endLiveStreams();
    const deadline = Date.now() + 30_000;
    while ((inFlight.get(old) ?? 0) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    inFlight.delete(old);
    draining.delete(old);
    await old
      .close()
      .catch((error: Error) => options.log.warn({ err: error }, "closing the previous instance"));
    await forgetFinished().catch((error: Error) =>
      options.log.warn({ err: error }, "listing the runs that still need a superseded version"),
    );
  }

  /** Drops the superseded versions no unfinished run names (none can be requested any more). */
  async function forgetFinished(): Promise<void> {
    const pool = current?.database.pool;
    if (!pool || held.size === 0) return;
    const { rows } = await pool.query<{ action: string; action_version: string }>(
      `SELECT DISTINCT action, action_version FROM airlock.runs
        WHERE status IN ('pending_approval', 'approved', 'queued', 'running')`,
    );
    const needed = new Set(rows.map((r) => `${r.action}@${r.action_version}`));
    for (const [key, kept] of held) if (!draining.has(kept.from) && !needed.has(key)) held.delete(key);
  }

  function reload(): Promise<DevStatus> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let result = await attemptReload();
        while (again) {
          again = false;
          result = await attemptReload();
        }
        return result;
      } finally {
        running = null;
      }
    })();
    return running;
  }

  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  if (options.watch !== false) {
    watcher = watch(root, { recursive: true }, (_event, file) => {
      if (!file || !/\.[cm]?[tj]s$/.test(file) || /(^|\/)(node_modules|\.airlock|dist)\//.test(file)) return;
      // Editors write a file in several steps: one reload for the burst. The engine (stopped when
      // idle) starts now, while the burst settles and the workspace is imported.
      if (!running) startSpare();
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void reload(), 40);
    });
  }
  // The first version: a failure is shown like a failed reload, and the server starts anyway.
  await reload();

  return {
    async fetch(request, env) {
      const url = new URL(request.url);
      if (url.pathname === DEV_STATUS_PATH)
        return Response.json(status, { headers: { "cache-control": "no-store" } });
      if (url.pathname === DEV_SCRIPT_PATH) return devScriptResponse();
      const instance = current;
      if (!instance) return notCompiled(request, url, status.error);
      inFlight.set(instance, (inFlight.get(instance) ?? 0) + 1);
      try {
        const response = await instance.app.fetch(request, env);
        return withDevScript(response);
      } finally {
        inFlight.set(instance, (inFlight.get(instance) ?? 1) - 1);
      }
    },
    current: () => current,
    status: () => status,
    reload,
    async close() {
      watcher?.close();
      if (timer) clearTimeout(timer);
      await running;
      await Promise.all(retiring);
      await current?.close();
      await (await takeSpare())?.stop();
    },
  };
}

/**
 * Before any version compiled: liveness answers (so `airlock dev` and probes see the process up),
 * a page shows the banner, and the API refuses with the located error.
 */
function notCompiled(request: Request, url: URL, error: WorkspaceError | null): Response {
  if (url.pathname === "/healthz") return Response.json({ status: "ok" });
  const api =
    url.pathname.startsWith("/api/") || url.pathname.startsWith("/auth/") || url.pathname === "/readyz";
  if (!api && request.method === "GET" && (request.headers.get("accept") ?? "").includes("text/html"))
    return waitingPage();
  const requestId = newRequestId();
  const refusal = new AirlockError(
    "workspace.not_compiled",
    error?.at ? `The workspace does not compile (${error.at}); fix it and save.` : undefined,
  );
  return Response.json(
    { error: { code: refusal.code, message: refusal.message, requestId } },
    { status: refusal.status, headers: { "x-request-id": requestId, "cache-control": "no-store" } },
  );
}

/** The error as the terminal shows it: a framed block naming file and line. */
export function overlayText(error: WorkspaceError, serving = true): string {
  const lines = [
    "",
    serving
      ? "  ✗ The workspace does not compile; the previous version keeps serving."
      : "  ✗ The workspace does not compile; the server waits for a fix (pages show this error).",
    ...(error.at ? [`    at ${error.at}`] : []),
    ...error.message.split("\n").map((line) => `    ${line}`),
    "",
  ];
  return lines.join("\n");
}
