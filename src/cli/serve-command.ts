import { loadConfig } from "../config/config.ts";
import { loadWorkspace } from "../config/load-workspace.ts";
import { createLogger } from "../observe/logger.ts";
import { startTracing } from "../observe/tracing.ts";
import { type Airlock, createAirlock, migrationSourcesFor } from "../runtime/airlock.ts";
import { seedDemoData, startDemoServices } from "../runtime/demo-data.ts";
import { prepareDatabase } from "../runtime/prepare-database.ts";
import { provideDatabase } from "../runtime/provide-database.ts";
import { listen } from "../server/serve.ts";
import { type CliIo, type Command, parseCommandArgs } from "./command.ts";
import { type DevReloader, startDevReload } from "./dev-reload.ts";
import { buildWebIfStale } from "./web-build.ts";

const OPTIONS = { port: { type: "string" }, host: { type: "string" }, reload: { type: "boolean" } } as const;

export const startCommand: Command = {
  name: "start",
  summary: "Start everything for a first look: server, UI, embedded database, demo (what npm start runs)",
  help: [
    "Usage: airlock start [--port N] [--host H]",
    "",
    "Starts the server with the web UI and an in-process worker. Without DATABASE_URL it runs an",
    "embedded PostgreSQL under .airlock/ and loads the demo workspace's users and data.",
  ].join("\n"),
  run: (args, io) => runServer(args, io, "start"),
};

export const serveCommand: Command = {
  name: "serve",
  summary: "Run the HTTP server (production: one of N stateless processes)",
  help: [
    "Usage: airlock serve [--port N] [--host H] [--reload]",
    "",
    "Runs the API and web UI. Set DATABASE_URL to a PostgreSQL 15+ server. Runs",
    "AIRLOCK_WORKER_CONCURRENCY workers in-process (0 to leave execution to `airlock worker`).",
    "--reload (what `airlock dev` uses): reload the workspace in-process when its files change.",
  ].join("\n"),
  run: (args, io) => runServer(args, io, "serve"),
};

async function runServer(args: string[], io: CliIo, mode: "start" | "serve"): Promise<number> {
  const { values } = parseCommandArgs({ args, options: OPTIONS, allowPositionals: false });
  const env = {
    ...io.env,
    ...(values.port ? { PORT: values.port } : {}),
    ...(values.host ? { HOST: values.host } : {}),
  };
  const config = loadConfig(env);
  const log = createLogger({ level: config.logLevel });
  const tracing = await startTracing(io.env, log);
  // Built while the database starts; only `start` (the first-look command) builds.
  const webBuild = mode === "start" ? buildWebIfStale(io) : Promise.resolve(true);
  const workspace = await loadWorkspace(config.workspacePath);
  const database = await provideDatabase(config, log);
  let airlock: Airlock | undefined;
  let reloader: DevReloader | undefined;
  let listening: Awaited<ReturnType<typeof listen>> | undefined;
  let services: Awaited<ReturnType<typeof startDemoServices>> = null;
  try {
    await prepareDatabase(database.url, migrationSourcesFor(workspace));
    if (config.demo) await seedDemoData(database.url, workspace, log);
    if (config.demo) services = await startDemoServices(database.url, workspace, log);
    const demoSecrets = services?.secrets ?? {};
    const instance = (compiled: typeof workspace) =>
      createAirlock({
        config,
        workspace: compiled,
        databaseUrl: database.url,
        log,
        embedded: database.embedded,
        ...(services
          ? {
              secrets: {
                read: async (name: string) => (Object.hasOwn(demoSecrets, name) ? demoSecrets[name]! : null),
              },
              internalResources: services.internalResources ?? [],
              demoSwitches: services.switches ?? [],
            }
          : {}),
      });
    airlock = await instance(workspace);
    if (values.reload) {
      reloader = startDevReload({
        workspacePath: config.workspacePath,
        first: airlock,
        async create(compiled) {
          await prepareDatabase(database.url, migrationSourcesFor(compiled));
          return await instance(compiled);
        },
        log,
        out: io.out,
        err: io.err,
      });
    }
    await webBuild;
    listening = await listen(reloader ?? airlock.app, config.host, config.port);
  } catch (error) {
    await (reloader ?? airlock)?.close();
    await services?.stop();
    await database.stop();
    await tracing?.shutdown();
    throw error;
  }
  log.info({ url: listening.url, mode, embedded: database.embedded, demo: config.demo }, "Airlock is ready");
  io.out(banner(listening.url, airlock, database.embedded, services?.notes ?? []));
  if (reloader) io.out("  Actions reload on save (the workspace's folder is watched).\n");

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        io.err("airlock: second signal, exiting now");
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, "shutting down");
      void (async () => {
        await listening?.close();
        await (reloader ?? airlock)?.close();
        await services?.stop();
        await database.stop();
        await tracing?.shutdown();
        log.info("stopped");
        resolve();
      })();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}

function banner(url: string, airlock: Airlock, embedded: boolean, notes: readonly string[]): string {
  const lines = [
    "",
    `  Airlock is running at ${url}`,
    `  Database: ${embedded ? `embedded PostgreSQL (data in ${airlock.config.dataDir})` : "DATABASE_URL"}`,
    `  Workspace: ${airlock.workspace.name} (${airlock.workspace.actions.size} actions)`,
  ];
  if (airlock.config.demo && airlock.workspace.demo) {
    lines.push("", "  Demo users (password: demo):");
    for (const user of airlock.workspace.demo.users) {
      lines.push(`    ${user.email.padEnd(32)} ${user.groups.join(", ")}`);
    }
  }
  if (notes.length > 0) lines.push("", ...notes.map((note) => `  ${note}`));
  lines.push("", "  Press Ctrl+C to stop.", "");
  return lines.join("\n");
}
