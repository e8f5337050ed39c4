// What a data module needs from PostgreSQL: something that runs a parameterized query. A pool, a
// pooled client inside a transaction, or a plain client all fit, so one function serves both a
// standalone read and a step inside the caller's transaction.
import type { ClientBase, PoolClient } from "pg";

/** Anything that runs a parameterized query: a pg client in a transaction, or a pool. */
export interface Queryable {
  query: ClientBase["query"];
}

/** The connection `inTransaction` lends its callback: BEGIN has run, COMMIT/ROLLBACK follow it. */
export type TransactionClient = PoolClient;
