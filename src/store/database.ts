// Connections to Airlock's PostgreSQL. At run time every connection works as the `airlock_app`
// role (set in the startup packet, so it costs no round trip): that role may INSERT and SELECT the
// audit tables but never UPDATE, DELETE or TRUNCATE them (see migrations/0004_audit.sql).
// Migrations run as the owner, the user of DATABASE_URL.
import pg from "pg";

export const APP_ROLE = "airlock_app";
export const SCHEMA = "airlock";

export interface DatabaseOptions {
  /** Owner connection string (DATABASE_URL or the embedded server's). */
  url: string;
  /** Pool size for request work. */
  max?: number;
  applicationName?: string;
  /** Called for errors on idle pooled connections (a restarted server, a dropped socket). */
  onIdleError?: (error: Error) => void;
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
  // Without a listener an idle client's error (server restart) would crash the process.
  pool.on("error", (error) => options.onIdleError?.(error));
  streamPool.on("error", (error) => options.onIdleError?.(error));
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

/** A single owner connection, for migrations, tests and tools. */
export async function ownerClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: "airlock-owner" });
  client.on("error", () => {});
  await client.connect();
  return client;
}
