// `airlock dev`'s hot reload, in the server process: the workspace's files are watched; on a save
// the workspace is imported afresh and compiled, a new Airlock instance is built on the same
// database, and the HTTP front swaps to it in one assignment, so every new request sees the new
// version while requests (and inline runs) already in the old one finish there. The old instance
// is then closed, which lets its workers finish their queued runs on the old version. Sessions live
// in PostgreSQL, so everyone stays signed in.
//
// A workspace that fails to import or compile is not swapped in: the previous good version keeps
// serving, the terminal shows the error with its file and line, and every page of the UI shows
// it in a banner (`/__airlock/dev.js`, added to each HTML page, polls `/__airlock/dev`), which
// reloads the page once the workspace compiles again.
//
// Fresh imports: Node caches modules by URL, so the workspace file is imported with a version in
// its query, and a resolve hook gives each file it imports from the workspace's folder the same
// version (its dependencies would otherwise be the cached old ones). Hooks are process-wide by
// Node's design; this one only touches URLs that carry the version query.
import { type FSWatcher, watch } from "node:fs";
import { registerHooks } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { importWorkspace } from "../config/load-workspace.ts";
import { StartupError } from "../errors/startup-error.ts";
import type { Log } from "../observe/logger.ts";
import type { Airlock } from "../runtime/airlock.ts";
import type { Workspace } from "../sdk/define-workspace.ts";
import {
  type CompiledWorkspace,
  compileWorkspace,
  WorkspaceProblemsError,
} from "../workspace/compile-workspace.ts";
import { locationInStack, sourceOfProblem } from "./workspace-problems.ts";

const VERSION_PARAM = "airlock-reload";
export const DEV_STATUS_PATH = "/__airlock/dev";
const DEV_SCRIPT_PATH = "/__airlock/dev.js";

export interface WorkspaceError {
  /** `file:line` relative to the working directory, when it could be located. */
  at: string | null;
  message: string;
}

export interface DevStatus {
  /** Counts good reloads; a page that saw another number reloads itself. */
  version: number;
  error: WorkspaceError | null;
}

export interface DevReloader {
  /** The HTTP entry point: the current instance's app, plus the dev status and banner script. */
  fetch(request: Request, env?: unknown): Promise<Response>;
  current(): Airlock;
  status(): DevStatus;
  /** Reload now (the watcher calls this on a save); resolves when the attempt is over. */
  reload(): Promise<DevStatus>;
  close(): Promise<void>;
}

export interface DevReloadOptions {
  workspacePath: string;
  first: Airlock;
  /** Builds an instance for a new workspace (after its migrations). */
  create(workspace: CompiledWorkspace): Promise<Airlock>;
  log: Log;
  /** The terminal: one line on success, the located error on failure. */
  out(text: string): void;
  err(text: string): void;
  /** Watch the workspace's folder (off in tests that call `reload` themselves). */
  watch?: boolean;
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

export function startDevReload(options: DevReloadOptions): DevReloader {
  installVersionHook();
  const path = resolve(options.workspacePath);
  const root = `${dirname(path)}/`;
  const shown = (file: string) => relative(process.cwd(), file) || file;
  let current = options.first;
  let status: DevStatus = { version: 1, error: null };
  let attempt = 0;
  let running: Promise<DevStatus> | null = null;
  let again = false;
  const retiring = new Set<Promise<void>>();
  const inFlight = new Map<Airlock, number>();

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
      return compileWorkspace(workspace, shown(path));
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

  async function attemptReload(): Promise<DevStatus> {
    const started = performance.now();
    let loaded: CompiledWorkspace | WorkspaceError;
    try {
      loaded = await load();
    } catch (error) {
      loaded = { at: locationInStack(error, path), message: (error as Error).message };
    }
    if (!("actions" in loaded)) {
      status = { version: status.version, error: loaded };
      options.err(overlayText(loaded));
      options.log.warn({ at: loaded.at }, "workspace does not compile; the previous version keeps serving");
      return status;
    }
    let next: Airlock;
    try {
      next = await options.create(loaded);
    } catch (error) {
      const failure = { at: null, message: (error as Error).message };
      status = { version: status.version, error: failure };
      options.err(overlayText(failure));
      return status;
    }
    const old = current;
    current = next;
    status = { version: status.version + 1, error: null };
    const ms = Math.round(performance.now() - started);
    options.out(`  ✓ workspace reloaded in ${ms} ms (${next.workspace.actions.size} actions)`);
    options.log.info({ ms, actions: next.workspace.actions.size }, "workspace reloaded");
    const retired = retire(old);
    retiring.add(retired);
    void retired.finally(() => retiring.delete(retired));
    return status;
  }

  /** Closes an instance once the requests it was answering are done (queued runs finish in close). */
  async function retire(old: Airlock): Promise<void> {
    const deadline = Date.now() + 30_000;
    while ((inFlight.get(old) ?? 0) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    inFlight.delete(old);
    await old
      .close()
      .catch((error: Error) => options.log.warn({ err: error }, "closing the previous instance"));
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
      // Editors write a file in several steps: one reload for the burst.
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void reload(), 40);
    });
  }

  return {
    async fetch(request, env) {
      const url = new URL(request.url);
      if (url.pathname === DEV_STATUS_PATH)
        return Response.json(status, { headers: { "cache-control": "no-store" } });
      if (url.pathname === DEV_SCRIPT_PATH)
        return new Response(DEV_SCRIPT, {
          headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" },
        });
      const instance = current;
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
      await current.close();
    },
  };
}

/** The error as the terminal shows it: a framed block naming file and line. */
export function overlayText(error: WorkspaceError): string {
  const lines = [
    "",
    "  ✗ The workspace does not compile; the previous version keeps serving.",
    ...(error.at ? [`    at ${error.at}`] : []),
    ...error.message.split("\n").map((line) => `    ${line}`),
    "",
  ];
  return lines.join("\n");
}

/** Each HTML page gets the banner script (same origin: the CSP's script-src 'self' allows it). */
async function withDevScript(response: Response): Promise<Response> {
  if (!response.headers.get("content-type")?.startsWith("text/html")) return response;
  const html = await response.text();
  const tag = `<script src="${DEV_SCRIPT_PATH}"></script>`;
  const body = html.includes("</body>") ? html.replace("</body>", `${tag}</body>`) : `${html}${tag}`;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

// The banner: polls the dev status; shows the located error while the workspace does not compile;
// reloads the page when a new version is serving. Styles set through the CSSOM (no inline style).
const DEV_SCRIPT = `(() => {
  let seen = null;
  const show = (error) => {
    let box = document.getElementById("airlock-dev-overlay");
    if (!error) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "airlock-dev-overlay";
      box.setAttribute("role", "alert");
      Object.assign(box.style, { position: "fixed", top: "0", left: "0", right: "0", zIndex: "2147483647",
        background: "#5c0011", color: "#fff", font: "13px/1.5 ui-monospace, monospace", padding: "12px 16px",
        whiteSpace: "pre-wrap", maxHeight: "50vh", overflow: "auto", boxShadow: "0 2px 8px rgba(0,0,0,.4)" });
      document.body.appendChild(box);
    }
    box.textContent = "The workspace does not compile; the previous version keeps serving.\\n" +
      (error.at ? "at " + error.at + "\\n" : "") + error.message;
  };
  const poll = async () => {
    try {
      const status = await (await fetch("${DEV_STATUS_PATH}", { cache: "no-store" })).json();
      if (seen !== null && status.version !== seen && !status.error) return location.reload();
      seen = status.version;
      show(status.error);
    } catch {}
    setTimeout(poll, 500);
  };
  poll();
})();
`;
