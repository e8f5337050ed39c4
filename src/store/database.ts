// Connections to Airlock's PostgreSQL. At run time every connection works as the `airlock_app`
// role (set in the startup packet, so it costs no round trip): that role may INSERT and SELECT the
// audit tables but never UPDATE, DELETE or TRUNCATE them (see migrations/0004_audit.sql).
// Migrations run as the owner, the user of DATABASE_URL.
import pg from "pg";
import { type OutageLogger, watchOutage } from "./connection-loss.ts";

export const APP_ROLE = "airlock_app";
export const SCHEMA = "airlock";

export interface DatabaseOptions {
  /** Owner connection string (DATABASE_URL or the embedded server's). */
  url: string;
  /** Pool size for request work. */
  max?: number;
  applicationName?: string;
  /**
   * Told when pooled connections fail (a restarted server, a dropped socket), whether they sat
   * idle in the pool or were checked out: once per outage, and again when connections succeed.
   */
  log?: OutageLogger;
}

export interface Database {
  url: string;
  /**
   * Pool whose connections act as `airlock_app` with `search_path = airlock, public`. Its
   * connections pipeline: queries issued without waiting for the previous answer go out in one
   * write and cost one round trip together (the control layer sends a run's statements that way).
   * Portal queries (pg-cursor, COPY streams) are refused in that mode: use `streamPool`.
   */
  pool: pg.Pool;
  /** A few plain (not pipelined) `airlock_app` connections for COPY and cursors. */
  streamPool: pg.Pool;
  close(): Promise<void>;
}

export function appConnectionOptions(): string {
  return `-c role=${APP_ROLE} -c search_path=${SCHEMA},public`;
}

export function openDatabase(options: DatabaseOptions): Database {
  const common = {
    connectionString: options.url,
    application_name: options.applicationName ?? "airlock",
    options: appConnectionOptions(),
    // Fail fast instead of queueing forever when the server is gone.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  };
  // Round trips, not CPU, bound a governed action (docs/benchmarks.md): pipelining cuts an inline
  // run from ten round trips to three.
  const pool = new pg.Pool({ ...common, max: options.max ?? 20, pipeline: true });
  const streamPool = new pg.Pool({ ...common, max: 4 });
  // A restart of PostgreSQL fails every pooled connection at once: one line per outage, not one
  // per connection. Requests on them answer 503 (server/error-response.ts).
  const outage = options.log ? watchOutage(options.log, "database connections") : null;
  const report = (error: Error) => {
    if (!outage?.failed(error)) options.log?.warn({ err: error }, "database connection failed");
  };
  for (const each of [pool, streamPool]) {
    listenForConnectionErrors(each, report);
    each.on("connect", () => outage?.succeeded());
  }
  let closed = false;
  return {
    url: options.url,
    pool,
    streamPool,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([pool.end(), streamPool.end()]);
    },
  };
}

/**
 * A connection that fails emits `error` on its client, and an `error` event nobody listens to
 * kills the process. pg-pool listens only while a client sits idle: it takes its listener off a
 * client it hands out, so a PostgreSQL restart under load (queries in flight on checked-out
 * clients) took the whole server down (measured: 2 of 2 runs, within 3 s). Every client therefore
 * gets its own listener for its whole life, from the pool's `connect` event; the failing query
 * itself rejects with the same error, which its caller handles, so the listener only reports.
 */
export function listenForConnectionErrors(pool: pg.Pool, report?: (error: Error) => void): void {
  const onError = (error: Error) => report?.(error);
  // The pool re-emits an idle client's error; the client's own listener has reported it already.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", onError);
  });
}

/** A single owner connection, for migrations, tests and tools. */
export async function ownerClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: "airlock-owner" });
  client.on("error", () => {});
  await client.connect();
  return client;
}
