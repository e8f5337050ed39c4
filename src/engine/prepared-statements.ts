// pg-boss's statements, sent through connections of ours, as named prepared statements.
import { createHash } from "node:crypto";
import type { SqlExecutor } from "./engine.ts";

// pg-boss sends its statements unnamed, so PostgreSQL parses and plans them on every call: on a
// queued run's path (its job's insert, fetch and completion) the planning cost more than running
// them (pg_stat_statements, docs/benchmarks.md). Sent through a connection of ours, each becomes a
// named prepared statement, planned once per connection. Its name is its text's hash, so two texts
// never share a name; texts vary only with options (a fetch's batch size), and past a bound the
// rest go unnamed rather than grow the map. A text of several statements (pg-boss's locked plans)
// cannot be prepared: it goes unnamed too.
const statementNames = new Map<string, string>();
const MAX_NAMED = 1_000;

export function preparedStatement(text: string, values?: unknown[]) {
  let name = statementNames.get(text);
  if (name === undefined) {
    if (statementNames.size >= MAX_NAMED || text.includes(";")) return { text, values: values ?? [] };
    name = `pgboss.${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return { name, text, values: values ?? [] };
}

/** pg-boss's `db` option over one of our connections, its statements prepared. */
export function preparedDb(db: SqlExecutor) {
  return { executeSql: (text: string, values?: unknown[]) => db.query(preparedStatement(text, values)) };
}
