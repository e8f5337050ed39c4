// The demo workspace's data: `demo.seed` of the workspace (run by Airlock in demo mode after the
// migrations, as the database owner) and `resetDemo` (for `airlock demo reset`).
//
// Deterministic: one fixed PRNG seed and a fixed reference date (2026-11-01), never the clock or
// Math.random, so every run writes the same rows. Idempotent: a marker row in demo.seed_info makes
// a second seed a no-op, and an advisory lock makes two processes starting at once seed once.
import { buildDataset, PRNG_SEED, SEED_VERSION } from "./seed/build-dataset.ts";
import { iso, REFERENCE_TIME } from "./seed/dataset.ts";
import { type Queryable, writeDataset } from "./seed/write-dataset.ts";

export type { Queryable } from "./seed/write-dataset.ts";

// Any constant, as long as only the demo seed uses it.
const SEED_LOCK = 7_240_911_099;
/** Reference data from the migrations, which a reset keeps. */
const CATALOGS = ["plans", "feature_flags", "system_accounts"];

interface Rows<R> {
  rows: R[];
}

/** Seeds the demo domain unless it already is. */
export async function seedDemo(db: Queryable): Promise<void> {
  await inTransaction(db, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [SEED_LOCK]);
    const marker = (await client.query("SELECT version FROM demo.seed_info")) as Rows<{ version: number }>;
    if (marker.rows.length > 0) return;
    const existing = (await client.query("SELECT EXISTS (SELECT 1 FROM demo.customers) AS present")) as Rows<{
      present: boolean;
    }>;
    if (existing.rows[0]?.present) {
      // Never mix generated rows into data the seed did not write (a database used for real).
      // The code makes `airlock start` print this as one line (a StartupError), without a stack.
      throw Object.assign(
        new Error(
          "demo.customers has rows that the demo seed did not write; refusing to seed over them. " +
            "Run `airlock demo reset` to replace them with the demo data, or unset AIRLOCK_DEMO.",
        ),
        { code: "demo.seed_refused" },
      );
    }
    await write(client);
  });
}

/** Empties every demo table except the catalogs and seeds again, in one transaction. */
export async function resetDemo(db: Queryable): Promise<void> {
  await inTransaction(db, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [SEED_LOCK]);
    const tables = (await client.query(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'demo' AND NOT (tablename = ANY ($1)) ORDER BY tablename",
      [CATALOGS],
    )) as Rows<{ tablename: string }>;
    const list = tables.rows.map((t) => `demo."${t.tablename}"`).join(", ");
    await client.query(`TRUNCATE ${list} RESTART IDENTITY`);
    await write(client);
  });
}

async function write(client: Queryable) {
  // Commit without waiting for the WAL flush: if the machine crashes right after, the seed (marker
  // included) is simply lost and runs again on the next start.
  await client.query("SET LOCAL synchronous_commit = off");
  await writeDataset(client, buildDataset());
  await client.query("INSERT INTO demo.seed_info (version, prng_seed, reference_time) VALUES ($1, $2, $3)", [
    SEED_VERSION,
    PRNG_SEED,
    iso(REFERENCE_TIME),
  ]);
}

interface PoolLike extends Queryable {
  connect(): Promise<Queryable & { release(error?: Error | boolean): void }>;
  totalCount: number;
}

/**
 * The seed's statements must share one connection and one transaction. Given a pg.Pool we check
 * out a client; given a client (or anything else with query) we use it as is.
 */
async function inTransaction(db: Queryable, work: (client: Queryable) => Promise<void>) {
  const pool = isPool(db) ? db : null;
  const client = pool ? await pool.connect() : db;
  // A connection whose ROLLBACK failed is in an unknown state: the pool must drop it.
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    await work(client);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    if (pool) (client as Awaited<ReturnType<PoolLike["connect"]>>).release(broken);
  }
}

function isPool(db: Queryable): db is PoolLike {
  const candidate = db as Partial<PoolLike>;
  return typeof candidate.connect === "function" && typeof candidate.totalCount === "number";
}
