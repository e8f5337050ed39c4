// Verifies the audit trail from the database alone: recomputes every sealed event's hash and every
// seal's root, walks the prev_root chain from genesis, checks signatures when given the public
// keys, and names the first bad record in chain order (decision 0003 lists what it can and cannot
// detect). It only reads, so any role with SELECT on the audit tables can run it.
//
// The work is in PostgreSQL producing the canonical rows (Node mostly waits, measured), so with a
// connection string the seals are cut into chunks of ~50k events verified side by side on several
// connections, all in one exported snapshot; the first failure in chain order wins.
import type { KeyObject } from "node:crypto";
import pg from "pg";
import { keyIdOf, parseVerifyKey } from "./seal-key.ts";
import { problem, type VerifyProblem } from "./verify-problem.ts";
import { type RangeResult, verifyRange } from "./verify-range.ts";

export type { ProblemKind, VerifyProblem } from "./verify-problem.ts";

export interface VerifyOptions {
  /** A connection to use as it is (e.g. inside the caller's transaction); verifies sequentially. */
  client?: pg.ClientBase;
  /** Or a connection string: verify then reads in its own REPEATABLE READ READ ONLY snapshot. */
  url?: string;
  /** Connections working side by side with `url` (default 2). */
  connections?: number;
  /** Ed25519 public keys (PEM / base64 DER / KeyObject); given any, every seal must carry a valid signature by one. */
  publicKeys?: readonly (string | KeyObject)[];
  /** Verify only seals fromSeal..toSeal; the seal before fromSeal is then trusted as the anchor. */
  fromSeal?: number;
  toSeal?: number;
  /** A root kept outside the database (an exported, signed checkpoint): that seal must still exist with that root. */
  anchor?: { id: number; root: string };
  /** Events per seal group and per chunk (memory vs round trips). */
  groupEvents?: number;
}

export type VerifyResult =
  | {
      ok: true;
      /** Sealed events whose hashes were recomputed and matched. */
      events: number;
      seals: number;
      /** Events after the last sealed position (not an error: the sealer has not reached them yet). */
      unsealed: number;
      lastSeal: { id: number; root: string } | null;
    }
  | { ok: false; problem: VerifyProblem; events: number; seals: number };

export async function verifyAudit(options: VerifyOptions): Promise<VerifyResult> {
  const keys = new Map<string, KeyObject>();
  for (const key of options.publicKeys ?? []) {
    const parsed = typeof key === "string" ? parseVerifyKey(key) : key;
    keys.set(keyIdOf(parsed), parsed);
  }
  const range = {
    fromSeal: options.fromSeal ?? 1,
    toSeal: options.toSeal,
    keys,
    anchor: options.anchor,
    groupEvents: options.groupEvents ?? 50_000,
  };
  if (options.client) return finish(options.client, options, await verifyRange(options.client, range));
  if (!options.url) throw new Error("verifyAudit needs a client or a url");

  const open: pg.Client[] = [];
  const connect = async () => {
    const client = new pg.Client({ connectionString: options.url, application_name: "airlock-audit-verify" });
    client.on("error", () => {});
    open.push(client);
    await client.connect();
    return client;
  };
  try {
    const main = await connect();
    // One snapshot for seals and events on every connection, so a seal written meanwhile cannot
    // look like a deletion.
    await main.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const snapshot: string = (await main.query("SELECT pg_export_snapshot() AS s")).rows[0].s;
    if (!/^[0-9A-F-]+$/i.test(snapshot)) throw new Error(`unexpected snapshot id ${snapshot}`);
    const workers = await Promise.all(
      Array.from({ length: Math.max(1, options.connections ?? 2) }, async () => {
        const worker = await connect();
        await worker.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        await worker.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
        return worker;
      }),
    );
    let total: RangeResult | null = null;
    // Waves of one chunk per connection; every chunk of a wave finishes before the first failure
    // in chain order is chosen, so the answer is the same as a sequential walk.
    for (let next = range.fromSeal; ; ) {
      const chunks = await planChunks(main, next, range.toSeal, range.groupEvents, workers.length);
      if (chunks.length === 0) break;
      const results = await Promise.all(
        chunks.map((chunk, i) =>
          verifyRange(workers[i]!, { ...range, fromSeal: chunk.from, toSeal: chunk.to }),
        ),
      );
      for (const result of results) {
        total = total ? add(total, result) : result;
        if (!total.ok) return total;
      }
      next = chunks[chunks.length - 1]!.to + 1;
    }
    return await finish(main, options, total ?? (await verifyRange(main, range)));
  } finally {
    await Promise.all(open.map((client) => client.end().catch(() => {})));
  }
}

function add(before: RangeResult & { ok: true }, next: RangeResult): RangeResult {
  return { ...next, events: before.events + next.events, seals: before.seals + next.seals };
}

/** Seal id ranges of about `groupEvents` events each, at most `count` of them. */
async function planChunks(
  db: pg.ClientBase,
  from: number,
  to: number | undefined,
  groupEvents: number,
  count: number,
) {
  const rows = await db.query(
    `SELECT id, event_count FROM airlock.audit_seals WHERE id >= $1 ${to === undefined ? "" : "AND id <= $2"}
      ORDER BY id LIMIT $${to === undefined ? 2 : 3}`,
    to === undefined ? [from, 10_000] : [from, to, 10_000],
  );
  const chunks: { from: number; to: number }[] = [];
  let start = from;
  let size = 0;
  for (const row of rows.rows) {
    size += Math.max(1, Number(row.event_count));
    if (size >= groupEvents) {
      chunks.push({ from: start, to: Number(row.id) });
      if (chunks.length === count) return chunks;
      start = Number(row.id) + 1;
      size = 0;
    }
  }
  const last = rows.rows[rows.rows.length - 1];
  if (size > 0 && last) chunks.push({ from: start, to: Number(last.id) });
  return chunks;
}

async function finish(db: pg.ClientBase, options: VerifyOptions, result: RangeResult): Promise<VerifyResult> {
  if (!result.ok) return result;
  const fail = (p: VerifyProblem): VerifyResult => ({
    ok: false,
    problem: p,
    events: result.events,
    seals: result.seals,
  });
  if (options.toSeal !== undefined) {
    return { ok: true, events: result.events, seals: result.seals, unsealed: 0, lastSeal: result.lastSeal };
  }
  // Deleting the newest seals is only visible against a root kept elsewhere.
  if (options.anchor && options.anchor.id >= result.nextSealId) {
    return fail(
      problem(
        "seal_broken",
        options.anchor.id,
        null,
        "the anchored seal is missing: the trail was cut short",
      ),
    );
  }
  const rest = result.after
    ? await db.query(
        "SELECT count(*)::int AS n FROM airlock.audit_events WHERE (txid, id) > ($1::xid8, $2::bigint)",
        [result.after.txid, result.after.id],
      )
    : await db.query("SELECT count(*)::int AS n FROM airlock.audit_events");
  return {
    ok: true,
    events: result.events,
    seals: result.seals,
    unsealed: rest.rows[0].n,
    lastSeal: result.lastSeal,
  };
}
