import { loadConfig } from "../config/config.ts";
import { loadWorkspace } from "../config/load-workspace.ts";
import { type Engine, startEngine } from "../engine/engine.ts";
import { createLogger } from "../observe/logger.ts";
import { startTracing } from "../observe/tracing.ts";
import { type Airlock, type AirlockOptions, createAirlock, migrationSourcesFor } from "../runtime/airlock.ts";
import { seedDemoData, startDemoServices } from "../runtime/demo-data.ts";
import { prepareDatabase } from "../runtime/prepare-database.ts";
import { provideDatabase } from "../runtime/provide-database.ts";
import { ENGINE_QUEUES } from "../runtime/queues.ts";
import type { DemoServices } from "../sdk/define-workspace.ts";
import { listen } from "../server/serve.ts";
import { AIRLOCK_MIGRATIONS, migrate } from "../store/migrate.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
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
  // Reloading (`airlock dev`), a workspace that does not compile yet does not stop the start: the
  // reloader loads it and shows the error until a save fixes it (cli/dev-reload.ts).
  const workspace = values.reload ? null : await loadWorkspace(config.workspacePath);
  const database = await provideDatabase(config, log);
  let airlock: Airlock | null = null;
  let reloader: DevReloader | undefined;
  let listening: Awaited<ReturnType<typeof listen>> | undefined;
  // Started with the first instance (its workspace names them); kept across reloads.
  const demo: { services: DemoServices | null; seeded: boolean } = { services: null, seeded: false };
  try {
    // Airlock's own migrations and the engines' schemas do not depend on the workspace; its own
    // migrations run before each instance (a reload may add one).
    await prepareDatabase(database.url, [AIRLOCK_MIGRATIONS]);
    const instance = async (
      compiled: CompiledWorkspace,
      engine?: Engine,
      heldVersion?: AirlockOptions["heldVersion"],
    ) => {
      try {
        await migrate(database.url, migrationSourcesFor(compiled));
        if (!demo.seeded && config.demo) {
          await seedDemoData(database.url, compiled, log);
          demo.services = await startDemoServices(database.url, compiled, log);
        }
        demo.seeded = true;
      } catch (error) {
        await engine?.stop();
        throw error;
      }
      const services = demo.services;
      const demoSecrets = services?.secrets ?? {};
      return await createAirlock({
        config,
        workspace: compiled,
        databaseUrl: database.url,
        log,
        embedded: database.embedded,
        ...(engine ? { engine } : {}),
        ...(heldVersion ? { heldVersion } : {}),
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
    };
    if (workspace) airlock = await instance(workspace);
    else {
      reloader = await startDevReload({
        workspacePath: config.workspacePath,
        create: instance,
        startEngine: () => startEngine({ url: database.url, log, queues: ENGINE_QUEUES }),
        log,
        out: io.out,
        err: io.err,
      });
    }
    await webBuild;
    listening = await listen(reloader ?? airlock!.app, config.host, config.port);
  } catch (error) {
    await (reloader ?? airlock)?.close();
    await demo.services?.stop();
    await database.stop();
    await tracing?.shutdown();
    throw error;
  }
  log.info({ url: listening.url, mode, embedded: database.embedded, demo: config.demo }, "Airlock is ready");
  const serving = reloader ? reloader.current() : airlock;
  io.out(
    serving
      ? banner(listening.url, serving, database.embedded, demo.services?.notes ?? [])
      : `\n  Airlock is running at ${listening.url}; it serves the workspace once it compiles.\n`,
  );
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
        await demo.services?.stop();
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
