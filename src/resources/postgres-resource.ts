// A PostgreSQL resource: one pool per resource (its URL from the secret store, its user the role
// the resource acts as), with an error listener so a dropped idle connection is a log line, not a
// crash. Each query runs in its own transaction — READ ONLY unless the call asks to write and the
// resource allows it — with the statement timeout, and `application_name` plus a leading comment
// carrying the run's request ID, so the downstream's pg_stat_activity and its logs say which run
// a statement belongs to.
import pg from "pg";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Log } from "../observe/logger.ts";
import type { QueryResult } from "../sdk/define-action.ts";
import type { CompiledPostgresResource } from "../workspace/compile-resources.ts";
import { safeExcerpt } from "./downstream-error.ts";

export interface PostgresCall {
  requestId: string;
  runId: string;
}

export interface QueryOptions {
  write?: boolean;
  /** Overrides the resource's statement timeout (a SQL action's own). */
  statementTimeoutMs?: number;
  /** Fetch at most this many rows (+1 to tell whether more exist) through a cursor. */
  maxRows?: number;
}

export interface PostgresQueryResult<R> extends QueryResult<R> {
  /** With `maxRows`: more rows matched than were returned. */
  more: boolean;
}

// Codes that say the server or the connection is gone (class 08, admin shutdown, too many
// connections, cannot connect now) rather than that the statement was wrong.
const UNAVAILABLE = /^(08|57P0[1-3]|53300)/;
const CONNECTION_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "EPIPE",
]);

// pg sends a query without values by the simple protocol, which runs `;`-separated batches; the
// extended protocol runs exactly one statement. (`queryMode` is missing from pg's types.)
function extended(text: string, values: readonly unknown[]): pg.QueryConfig {
  return { text, values: values as unknown[], queryMode: "extended" } as pg.QueryConfig;
}

export class PostgresResource {
  readonly definition: CompiledPostgresResource;
  readonly #pool: pg.Pool;
  readonly #url: string;

  constructor(definition: CompiledPostgresResource, url: string, log: Log) {
    this.definition = definition;
    this.#url = url;
    this.#pool = new pg.Pool({
      connectionString: url,
      max: definition.poolSize,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      application_name: `airlock:${definition.name}`,
    });
    // An idle client's connection dropping must not crash the process (pg emits on the pool).
    this.#pool.on("error", (error) =>
      log.warn(
        { resource: definition.name, err: { message: safeExcerpt(error.message, [url]) } },
        "resource connection lost",
      ),
    );
  }

  async query<R>(
    call: PostgresCall,
    text: string,
    values: readonly unknown[] = [],
    options: QueryOptions = {},
  ): Promise<PostgresQueryResult<R>> {
    const name = this.definition.name;
    if (typeof text !== "string") throw new Error(`${name}: query text must be a string`);
    if (options.write && this.definition.readOnly) {
      throw new Error(`${name}: the resource is read-only (declare readOnly: false to allow writes)`);
    }
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#failure(error);
    }
    let broken = false;
    try {
      const tag = call.requestId.replace(/[^A-Za-z0-9._:-]/g, "");
      await client.query(options.write ? "BEGIN READ WRITE" : "BEGIN READ ONLY");
      await client.query(
        "SELECT set_config('application_name', $1, true), set_config('statement_timeout', $2, true)",
        [
          `airlock ${tag}`.slice(0, 63),
          String(options.statementTimeoutMs ?? this.definition.statementTimeoutMs),
        ],
      );
      const commented = `/* airlock request_id=${tag} run=${call.runId.replace(/[^A-Za-z0-9_]/g, "")} */ ${text}`;
      let rows: R[];
      let rowCount: number;
      let more = false;
      if (options.maxRows !== undefined && !options.write) {
        // A cursor stops reading at the limit: a query matching millions of rows costs the limit.
        await client.query(extended(`DECLARE airlock_rows NO SCROLL CURSOR FOR ${commented}`, values));
        const fetched = await client.query(`FETCH ${options.maxRows + 1} FROM airlock_rows`);
        rows = fetched.rows as R[];
        more = rows.length > options.maxRows;
        if (more) rows = rows.slice(0, options.maxRows);
        rowCount = rows.length;
      } else {
        // The extended protocol always: one statement per call, never a `;`-separated batch.
        const result = await client.query(extended(commented, values));
        rows = result.rows as R[];
        rowCount = result.rowCount ?? rows.length;
        if (options.maxRows !== undefined && rows.length > options.maxRows) {
          more = true;
          rows = rows.slice(0, options.maxRows);
        }
      }
      await client.query("COMMIT");
      return { rows, rowCount, more };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw this.#failure(error);
    } finally {
      client.release(broken);
    }
  }

  /** A statement error is the action's (or its input's) problem; a lost server is downstream. */
  #failure(error: unknown): unknown {
    const code = (error as { code?: string }).code ?? "";
    const name = this.definition.name;
    const message = safeExcerpt(error instanceof Error ? error.message : String(error), [this.#url], 300);
    if (code === "57014") {
      return new AirlockError(
        "downstream.timeout",
        `${name}: the query was cancelled by its statement timeout.`,
        {
          resource: name,
        },
      );
    }
    if (
      UNAVAILABLE.test(code) ||
      CONNECTION_ERRORS.has(code) ||
      /timeout exceeded when trying to connect|Connection terminated/i.test(message)
    ) {
      return new AirlockError("downstream.unavailable", `${name} is unavailable.`, {
        resource: name,
        reason: message,
      });
    }
    if (code === "25006") {
      return new AirlockError(
        "downstream.rejected",
        `${name}: the statement tried to write in a read-only transaction.`,
        {
          resource: name,
          sqlState: code,
        },
      );
    }
    if (code) {
      return new AirlockError("downstream.rejected", `${name} refused the statement (SQLSTATE ${code}).`, {
        resource: name,
        sqlState: code,
        body: message,
      });
    }
    return error;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
