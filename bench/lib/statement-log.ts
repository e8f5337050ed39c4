// Every statement a process sends to PostgreSQL while recording, by wrapping
// `pg.Client.prototype.query` (Airlock's pools, DBOS's and pg-boss's): on which connection, when,
// whether it waited for a round trip of its own, and whether it commits. Used by the statement
// counts (bench/runbook-statements.ts, bench/queued-statements.ts), which do not move with the
// machine's load as rates do.
//
// A round trip: a statement issued when its connection had nothing outstanding (statements
// pipelined behind another on the same connection ride its round trip). A commit: COMMIT, or a
// write outside a transaction block that changed a row (it commits on its own, waiting for the
// WAL flush; one that found nothing to change, such as an empty fetch, writes nothing).
import pg from "pg";

export interface Sent {
  /** When it was issued (ms, the monotonic clock). */
  at: number;
  client: number;
  /** The connection's application_name. */
  pool: string;
  text: string;
  roundTrip: boolean;
  commit: boolean;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Install the wrapper (once per process); statements are kept only while `recording`. */
export function statementLog() {
  const log = {
    sent: [] as Sent[],
    recording: false,
    /** A connection of the harness's own, never recorded. */
    ignore(client: pg.Client) {
      ignored.add(client);
    },
  };
  const ignored = new WeakSet<object>();
  const ids = new WeakMap<object, number>();
  let clients = 0;
  const outstanding = new WeakMap<object, number>();
  const inBlock = new WeakMap<object, boolean>();
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0];
    const text = typeof config === "string" ? config : String((config as { text?: string })?.text ?? "");
    if (!ids.has(this)) ids.set(this, ++clients);
    const pipelined = (this as unknown as { pipeline?: boolean }).pipeline === true;
    const busy = outstanding.get(this) ?? 0;
    const head = text.trim().toUpperCase();
    const begins = head.startsWith("BEGIN");
    const commits = head.startsWith("COMMIT");
    const write = /^(WITH[\s\S]*\b(INSERT|UPDATE|DELETE)\b|INSERT|UPDATE|DELETE)/.test(head);
    const autocommitWrite = !(inBlock.get(this) ?? false) && !begins && write;
    const entry: Sent | null =
      log.recording && !ignored.has(this)
        ? {
            at: now(),
            client: ids.get(this)!,
            pool:
              (this as unknown as { connectionParameters: { application_name?: string } })
                .connectionParameters.application_name ?? "?",
            text: text.replace(/\s+/g, " ").slice(0, 160),
            roundTrip: !pipelined || busy === 0,
            commit: commits,
          }
        : null;
    if (entry) log.sent.push(entry);
    if (begins) inBlock.set(this, true);
    if (commits || head.startsWith("ROLLBACK")) inBlock.set(this, false);
    outstanding.set(this, busy + 1);
    const done = () => outstanding.set(this, (outstanding.get(this) ?? 1) - 1);
    const settled = (answer: unknown) => {
      done();
      if (entry && autocommitWrite && ((answer as { rowCount?: number } | undefined)?.rowCount ?? 0) > 0)
        entry.commit = true;
    };
    // pg's pool passes a callback (and gets no promise back); direct callers get a promise.
    const last = args[args.length - 1];
    if (typeof last === "function")
      args[args.length - 1] = (error: unknown, answer: unknown) => {
        settled(answer);
        return (last as (e: unknown, a: unknown) => unknown)(error, answer);
      };
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === "function")
      (result as Promise<unknown>).then(settled, done);
    else if (typeof last !== "function") done();
    return result as never;
  } as typeof pg.Client.prototype.query;
  return log;
}

/** Statements, round trips and commits of a list. */
export function countStatements(list: readonly Sent[]) {
  return {
    statements: list.length,
    roundTrips: list.filter((s) => s.roundTrip).length,
    commits: list.filter((s) => s.commit).length,
  };
}

/** One line per statement: RT (its own round trip), C (it commits), its connection and text. */
export function statementLines(list: readonly Sent[], width = 150): string[] {
  return list.map(
    (s) =>
      `${s.roundTrip ? "RT" : "  "} ${s.commit ? "C" : " "} ${s.pool.padEnd(15)} #${String(s.client).padStart(7)} ${s.text.slice(0, width)}`,
  );
}
