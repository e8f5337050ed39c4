import { loadConfig } from "../config/config.ts";
import { loadWorkspace } from "../config/load-workspace.ts";
import { createLogger } from "../observe/logger.ts";
import { startTracing } from "../observe/tracing.ts";
import { createAirlock, migrationSourcesFor } from "../runtime/airlock.ts";
import { prepareDatabase } from "../runtime/prepare-database.ts";
import { provideDatabase } from "../runtime/provide-database.ts";
import { type Command, parseCommandArgs, UsageError } from "./command.ts";

export const workerCommand: Command = {
  name: "worker",
  summary: "Execute queued runs (production: one of N worker processes)",
  help: [
    "Usage: airlock worker [--concurrency N]",
    "",
    "Fetches queued runs from PostgreSQL and executes them; no HTTP server. Any number of workers",
    "(and servers with in-process workers) share the queue safely. A worker that dies mid-run is",
    'noticed within a minute: actions declared retry: "safe" run again, others fail with',
    "run.interrupted. Uses DATABASE_URL, or the embedded database of an Airlock running here.",
  ].join("\n"),
  async run(args, io) {
    const { values } = parseCommandArgs({
      args,
      options: { concurrency: { type: "string" } },
      allowPositionals: false,
    });
    const env = {
      ...io.env,
      ...(values.concurrency ? { AIRLOCK_WORKER_CONCURRENCY: values.concurrency } : {}),
    };
    const config = loadConfig(env);
    if (config.workerConcurrency < 1) throw new UsageError("--concurrency must be at least 1");
    const log = createLogger({ level: config.logLevel });
    const tracing = await startTracing(io.env, log);
    const workspace = await loadWorkspace(config.workspacePath);
    const database = await provideDatabase(config, log, { shareRunning: true });
    await prepareDatabase(database.url, migrationSourcesFor(workspace));
    const airlock = await createAirlock({
      config: { ...config, demo: false },
      workspace,
      databaseUrl: database.url,
      log,
      embedded: database.embedded,
    });
    log.info({ concurrency: config.workerConcurrency, pid: process.pid }, "worker started");
    io.out(`Airlock worker running (${config.workerConcurrency} at a time). Press Ctrl+C to stop.`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log.info({ signal }, "worker stopping");
        void (async () => {
          await airlock.close();
          await database.stop();
          await tracing?.shutdown();
          resolve();
        })();
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
    return 0;
  },
};
