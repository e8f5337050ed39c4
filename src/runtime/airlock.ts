// The composition root: builds one Airlock instance from its configuration and a database URL.
// Everything is created here and passed down; nothing is global, so two instances can live in one
// process (the tests do this).
import type pino from "pino";
import type { Config } from "../config/config.ts";
import { createLogger, type Log } from "../observe/logger.ts";
import { createMetrics, type Metrics } from "../observe/metrics.ts";
import { createApp } from "../server/app.ts";
import { healthRoutes, type ReadyReport } from "../server/health-routes.ts";
import { type Database, openDatabase } from "../store/database.ts";
import { AIRLOCK_MIGRATIONS, type MigrationSource, pendingMigrations } from "../store/migrate.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";

export interface AirlockOptions {
  config: Config;
  workspace: CompiledWorkspace;
  databaseUrl: string;
  log?: Log;
  logDestination?: pino.DestinationStream;
}

export interface Airlock {
  config: Config;
  workspace: CompiledWorkspace;
  log: Log;
  metrics: Metrics;
  database: Database;
  app: ReturnType<typeof createApp>;
  migrationSources: MigrationSource[];
  ready(): Promise<ReadyReport>;
  close(): Promise<void>;
}

export function migrationSourcesFor(workspace: CompiledWorkspace): MigrationSource[] {
  const sources = [AIRLOCK_MIGRATIONS];
  if (workspace.migrationsDir)
    sources.push({ scope: `workspace:${workspace.name}`, dir: workspace.migrationsDir });
  return sources;
}

export async function createAirlock(options: AirlockOptions): Promise<Airlock> {
  const { config, workspace } = options;
  const log =
    options.log ??
    createLogger({
      level: config.logLevel,
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    });
  const metrics = createMetrics({ defaultMetrics: true });
  const database = openDatabase({
    url: options.databaseUrl,
    max: config.poolSize,
    onIdleError: (error) => log.warn({ err: error }, "idle database connection failed"),
  });
  const migrationSources = migrationSourcesFor(workspace);

  async function ready(): Promise<ReadyReport> {
    const checks: ReadyReport["checks"] = {};
    try {
      const client = await database.pool.connect();
      try {
        await client.query("SELECT 1");
        checks.database = { ok: true };
        const pending = await pendingMigrations(client, migrationSources);
        checks.migrations =
          pending.length === 0 ? { ok: true } : { ok: false, detail: `pending: ${pending.join(", ")}` };
      } finally {
        client.release();
      }
    } catch (error) {
      checks.database = { ok: false, detail: (error as Error).message };
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  const app = createApp({
    log,
    metrics,
    routes: [healthRoutes({ ready, registry: metrics.registry })],
  });

  let closed = false;
  return {
    config,
    workspace,
    log,
    metrics,
    database,
    app,
    migrationSources,
    ready,
    async close() {
      if (closed) return;
      closed = true;
      await database.close();
    },
  };
}
