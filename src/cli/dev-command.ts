// `airlock dev`: the engineer's loop. The Airlock server (embedded database, demo data, the
// workspace's actions) runs as a child process (`airlock serve --reload`) that reloads the
// workspace in-process on save (cli/dev-reload.ts: no restart, sessions kept, runs under way finish
// on the old version, a located error while it does not compile). In this repository, Vite's dev
// server serves the UI with hot reload and proxies /api and /auth to it, so the browser sees one
// origin (cookies, CSRF origin checks) as in production, and the server restarts when its own
// code (src/) changes; Vite's page carries the workspace error banner too (devViteConfig).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { developmentMasterKey } from "../runtime/master-keyring.ts";
import { type CliIo, type Command, parseCommandArgs, UsageError } from "./command.ts";
import { DEV_SCRIPT_PATH, DEV_STATUS_PATH } from "./dev-banner.ts";

const BIN = fileURLToPath(new URL("../../bin/airlock.js", import.meta.url));
const VITE_CONFIG = fileURLToPath(new URL("../web/vite.config.ts", import.meta.url));
const SERVER_SOURCES = fileURLToPath(new URL("../", import.meta.url));
const OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  "api-port": { type: "string" },
  "no-watch": { type: "boolean" },
} as const;

function portOf(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text === "") return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new UsageError(`${name} must be a port number.`);
  return port;
}

async function waitForServer(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Airlock server exited (code ${child.exitCode})`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Airlock server did not answer at ${url} within ${timeoutMs / 1000} s`);
}

export const devCommand: Command = {
  name: "dev",
  summary: "Develop: the server and UI, actions reloaded in-process on save, errors shown located",
  help: [
    "Usage: airlock dev [--port N] [--host H] [--api-port N] [--no-watch]",
    "",
    "Starts the Airlock server like `airlock start` (embedded PostgreSQL and demo data unless",
    "DATABASE_URL is set). Saving a file of the workspace reloads its actions in the running",
    "server (no restart: sessions stay, runs under way finish on the old version); while the",
    "workspace does not compile, the terminal and every page show the error with its file and",
    "line, and the previous version keeps serving. --no-watch: no reloading.",
    "In the Airlock repository it also runs Vite's dev server on --port (default PORT or 3000)",
    "with hot module reload for src/web, the API on --api-port (default: port + 1), restarted when",
    "src/ changes. See docs/getting-started.md.",
  ].join("\n"),
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs({ args, options: OPTIONS, allowPositionals: false });
    const port = portOf(values.port ?? io.env.PORT, 3000, "--port");
    const apiPort = portOf(values["api-port"], port + 1, "--api-port");
    const host = values.host ?? io.env.HOST ?? "localhost";
    const apiUrl = `http://127.0.0.1:${apiPort}`;

    // Installed from npm, Airlock has its UI built and no UI sources (nor Vite): the server serves
    // the built UI itself and is restarted when the workspace changes.
    if (!existsSync(VITE_CONFIG)) return serveWithBuiltUi(values["no-watch"] === true, port, host, io);
    let vite: typeof import("vite");
    try {
      vite = await import("vite");
    } catch {
      io.err("airlock dev: Vite is not installed; run `npm install` (with dev dependencies).");
      return 1;
    }

    const server = spawn(
      process.execPath,
      [
        ...(values["no-watch"] ? [] : [`--watch-path=${SERVER_SOURCES}`]),
        BIN,
        "serve",
        "--port",
        String(apiPort),
        "--host",
        "127.0.0.1",
        ...(values["no-watch"] ? [] : ["--reload"]),
      ],
      { stdio: "inherit", env: { ...devEnv(io.env), PORT: String(apiPort) } },
    );
    const stopServer = () =>
      new Promise<void>((resolve) => {
        if (server.exitCode !== null || server.signalCode !== null) return resolve();
        server.once("exit", () => resolve());
        server.kill("SIGTERM");
      });

    let devServer: Awaited<ReturnType<typeof vite.createServer>> | undefined;
    try {
      await waitForServer(apiUrl, server, 120_000);
      devServer = await vite.createServer(devViteConfig({ apiUrl, host, port }));
      await devServer.listen();
    } catch (error) {
      await devServer?.close();
      await stopServer();
      io.err(`airlock dev: ${(error as Error).message}`);
      return 1;
    }
    io.out(
      [
        "",
        `  Airlock dev: open http://${host}:${port}`,
        `  UI: Vite with hot reload (src/web).  API: ${apiUrl}${values["no-watch"] ? "" : " (actions reload on save; restarts when server code changes)"}`,
        "  Press Ctrl+C to stop.",
        "",
      ].join("\n"),
    );

    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      server.once("exit", (code) => {
        // Without --watch a crashed server ends the session; with it, Node restarts it itself.
        if (values["no-watch"]) {
          io.err(`airlock dev: the server exited (code ${code})`);
          resolve();
        }
      });
    });
    await devServer.close();
    await stopServer();
    return 0;
  },
};

/**
 * Vite's dev server in this repository: the UI with hot reload, /api and /auth proxied to the
 * Airlock server, and the workspace's error banner (cli/dev-banner.ts) on Vite's page too — its
 * script and status come from the Airlock server through the proxy.
 */
export function devViteConfig(options: { apiUrl: string; host: string; port: number }) {
  const target = { target: options.apiUrl, changeOrigin: false };
  return {
    configFile: VITE_CONFIG,
    configLoader: "native" as const,
    plugins: [
      {
        name: "airlock-dev-banner",
        transformIndexHtml: () => [
          { tag: "script", attrs: { src: DEV_SCRIPT_PATH }, injectTo: "body" as const },
        ],
      },
    ],
    server: {
      host: options.host,
      port: options.port,
      strictPort: true,
      // Host is kept (changeOrigin: false): the API then sees the browser's origin as its own.
      proxy: { "/api": target, "/auth": target, [DEV_STATUS_PATH]: target, [DEV_SCRIPT_PATH]: target },
    },
  };
}

/** `airlock dev` in a project that installed Airlock: one server, reloading the workspace on save. */
async function serveWithBuiltUi(noWatch: boolean, port: number, host: string, io: CliIo): Promise<number> {
  const server = spawn(
    process.execPath,
    [BIN, "serve", "--port", String(port), "--host", host, ...(noWatch ? [] : ["--reload"])],
    { stdio: "inherit", env: { ...devEnv(io.env), PORT: String(port) } },
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    server.once("exit", () => resolve());
  });
  if (server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  return server.exitCode ?? 0;
}

/**
 * The server's environment in development: on a database given by DATABASE_URL and with no
 * AIRLOCK_MASTER_KEY, a development key kept in the data directory (.airlock/master-key), so
 * secrets and actions that keep classified values work as they will in production.
 */
function devEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.AIRLOCK_MASTER_KEY || !env.DATABASE_URL) return env;
  const dataDir = resolve(env.AIRLOCK_DATA_DIR ?? ".airlock");
  return { ...env, AIRLOCK_MASTER_KEY: developmentMasterKey(dataDir) };
}
