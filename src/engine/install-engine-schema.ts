// Installs or upgrades pg-boss's schema and DBOS's as the database owner, creates our queues, and grants
// the application role what it needs to enqueue inside its own transactions and to run workers.
// The whole install holds a session advisory lock: processes starting together would otherwise
// race on the GRANTs ("tuple concurrently updated") and on queue creation. The lock is taken by
// polling, never by a blocking `pg_advisory_lock`: DBOS's migrations run CREATE INDEX
// CONCURRENTLY, which waits for every statement running in the database — a waiter blocked on our
// lock would wait for the holder, and the holder for it.
import { DBOS } from "@dbos-inc/dbos-sdk";
import { PgBoss } from "pg-boss";
import { ownerClient } from "../store/database.ts";
import { DURABLE_SCHEMA } from "./durable-engine.ts";
import { ENGINE_SCHEMA, type QueueDefinition, retrySettings } from "./engine.ts";

// Any constant, as long as every Airlock process uses the same one.
const ENGINE_INSTALL_LOCK = 7_240_911_002;

export async function installEngineSchema(url: string, queues: QueueDefinition[]): Promise<void> {
  const lock = await ownerClient(url);
  try {
    while (!(await lock.query("SELECT pg_try_advisory_lock($1) AS ok", [ENGINE_INSTALL_LOCK])).rows[0].ok) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await install(url, queues);
    // DBOS's system tables (decision 0006), created by the owner; at run time DBOS works as the
    // application role with `runMigrations: false`.
    await DBOS.migrate(url, { schemaName: DURABLE_SCHEMA, applicationRole: "airlock_app" });
  } finally {
    await lock.end();
  }
}

async function install(url: string, queues: QueueDefinition[]): Promise<void> {
  const boss = new PgBoss({
    connectionString: url,
    schema: ENGINE_SCHEMA,
    migrate: true,
    supervise: false,
    schedule: false,
    max: 2,
    application_name: "airlock-migrate",
  });
  boss.on("error", () => {});
  await boss.start();
  try {
    for (const queue of queues) {
      const existing = await boss.getQueue(queue.name);
      const settings = {
        notify: true,
        heartbeatSeconds: queue.heartbeatSeconds,
        expireInSeconds: queue.expireInSeconds,
        retryLimit: queue.retryLimit,
        ...retrySettings(queue),
      };
      if (existing) await boss.updateQueue(queue.name, settings);
      else await boss.createQueue(queue.name, settings);
    }
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
  const client = await ownerClient(url);
  try {
    await client.query(`
      GRANT USAGE ON SCHEMA ${ENGINE_SCHEMA} TO airlock_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${ENGINE_SCHEMA} TO airlock_app;
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${ENGINE_SCHEMA} TO airlock_app;
      GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${ENGINE_SCHEMA} TO airlock_app;
      ALTER DEFAULT PRIVILEGES IN SCHEMA ${ENGINE_SCHEMA} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO airlock_app;
      ALTER DEFAULT PRIVILEGES IN SCHEMA ${ENGINE_SCHEMA} GRANT USAGE, SELECT ON SEQUENCES TO airlock_app;
      ALTER DEFAULT PRIVILEGES IN SCHEMA ${ENGINE_SCHEMA} GRANT EXECUTE ON FUNCTIONS TO airlock_app;`);
  } finally {
    await client.end();
  }
}
