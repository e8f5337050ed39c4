// Verifies one range of seals on one connection: loads the seals in groups of about 50k events
// (their ids and hashes, ~2 MB), streams the events those seals cover through one COPY in chain
// order, and matches them as they arrive. Memory is bounded by the group, never by the log.
// The seal before the range is trusted as its anchor; verify.ts checks it as part of the range
// before, so ranges verified side by side add up to one whole verification.
import type { KeyObject } from "node:crypto";
import type pg from "pg";
import { type ChainEvent, streamChain } from "./chain-reader.ts";
import { verifyRootSignature } from "./seal-key.ts";
import {
  type ChainPosition,
  chainRangeSql,
  GENESIS_ROOT,
  hashAt,
  SEAL_SCHEME,
  type SealContent,
  sealRoot,
} from "./seal-scheme.ts";
import { classifyMismatch, type Mismatch, problem, type VerifyProblem } from "./verify-problem.ts";

export interface RangeOptions {
  fromSeal: number;
  toSeal?: number;
  /** Public keys by key id; when any are given, every seal must carry a valid signature. */
  keys: Map<string, KeyObject>;
  anchor?: { id: number; root: string };
  groupEvents: number;
}

export type RangeResult =
  | {
      ok: true;
      events: number;
      seals: number;
      /** The last seal verified (or the anchor before the range), and where its events end. */
      lastSeal: { id: number; root: string } | null;
      after: ChainPosition | null;
      nextSealId: number;
    }
  | { ok: false; problem: VerifyProblem; events: number; seals: number };

export async function verifyRange(db: pg.ClientBase, options: RangeOptions): Promise<RangeResult> {
  const state = { expectedId: options.fromSeal, prevRoot: GENESIS_ROOT, events: 0, seals: 0 };
  let after: ChainPosition | null = null;
  let lastSeal: { id: number; root: string } | null = null;
  const fail = (p: VerifyProblem): RangeResult => ({
    ok: false,
    problem: p,
    events: state.events,
    seals: state.seals,
  });

  if (state.expectedId > 1) {
    const anchor = await db.query(
      "SELECT root, last_txid::text AS txid, last_event_id::text AS id FROM airlock.audit_seals WHERE id = $1",
      [state.expectedId - 1],
    );
    const row = anchor.rows[0];
    if (!row) {
      // Past the last seal there is nothing to verify; before it, the anchor's absence is a gap.
      const beyond = await pastTheEnd(db, state.expectedId);
      return beyond ?? fail(problem("seal_broken", state.expectedId - 1, null, "the seal is missing"));
    }
    state.prevRoot = row.root;
    after = { txid: row.txid, id: row.id };
    lastSeal = { id: state.expectedId - 1, root: row.root };
  }

  for (;;) {
    const seals = await loadGroup(db, state.expectedId - 1, options.toSeal, options.groupEvents);
    if (seals.length === 0) break;
    const matcher = createMatcher(seals, state, options.keys, options.anchor);
    // The LIMIT (what the seals say the range holds, plus one so an inserted row still shows) is
    // also what keeps PostgreSQL on the (txid, id) index: without it, at ~10M events it planned a
    // parallel sequential scan and sort of the whole table for every chunk.
    const expected = seals.reduce((n, seal) => n + Number(seal.eventCount), 0);
    await streamChain(
      db,
      chainRangeSql({ after, through: furthest(seals), limit: expected + 1 }),
      matcher.push,
    );
    const outcome = matcher.finish();
    if (outcome.problem) return fail(outcome.problem);
    if (outcome.mismatch) return fail(await classifyMismatch(db, outcome.mismatch));
    const final = seals[seals.length - 1]!;
    after = { txid: final.lastTxid, id: final.lastEventId };
    lastSeal = { id: final.id, root: final.root };
  }
  return {
    ok: true,
    events: state.events,
    seals: state.seals,
    lastSeal,
    after,
    nextSealId: state.expectedId,
  };
}

/** An empty, successful range when no seal from `fromSeal` on exists; null when some does. */
async function pastTheEnd(db: pg.ClientBase, fromSeal: number): Promise<RangeResult | null> {
  const later = await db.query("SELECT 1 FROM airlock.audit_seals WHERE id >= $1 LIMIT 1", [fromSeal]);
  if (later.rowCount) return null;
  const last = await db.query(
    `SELECT id, root, last_txid::text AS txid, last_event_id::text AS event FROM airlock.audit_seals
      ORDER BY id DESC LIMIT 1`,
  );
  const seal = last.rows[0];
  return {
    ok: true,
    events: 0,
    seals: 0,
    lastSeal: seal ? { id: Number(seal.id), root: seal.root } : null,
    after: seal ? { txid: seal.txid, id: seal.event } : null,
    nextSealId: seal ? Number(seal.id) + 1 : 1,
  };
}

export interface SealRow extends SealContent {
  root: string;
  eventCount: number;
  scheme: string;
  signature: string | null;
  keyId: string | null;
  /** event_hashes as latin1 text, made once per seal so each event compares without copying. */
  hashText: string;
}

// Ids as one string: splitting it is ~2x faster than pg's parsing of a bigint[] (measured).
const SEAL_COLUMNS = `id, prev_root, root, event_count, first_txid::text AS first_txid,
  first_event_id::text AS first_event_id, last_txid::text AS last_txid, last_event_id::text AS last_event_id,
  array_to_string(event_ids, ',') AS event_ids, event_hashes, scheme, signature, key_id,
  (extract(epoch FROM sealed_at) * 1000000)::bigint::text AS sealed_at_us`;

async function loadGroup(db: pg.ClientBase, afterId: number, toSeal: number | undefined, limit: number) {
  const bound = toSeal === undefined ? "" : " AND id <= $2";
  const values = toSeal === undefined ? [afterId] : [afterId, toSeal];
  const meta = await db.query(
    `SELECT id, event_count FROM airlock.audit_seals WHERE id > $1${bound} ORDER BY id LIMIT 1000`,
    values,
  );
  if (meta.rows.length === 0) return [];
  let through = meta.rows[0].id;
  let total = 0;
  for (const row of meta.rows) {
    total += Math.max(1, Number(row.event_count));
    if (total > limit) break;
    through = row.id;
  }
  const full = await db.query(
    `SELECT ${SEAL_COLUMNS} FROM airlock.audit_seals WHERE id > $1 AND id <= $2 ORDER BY id`,
    [afterId, through],
  );
  return full.rows.map(
    (row): SealRow => ({
      id: Number(row.id),
      prevRoot: row.prev_root,
      root: row.root,
      eventCount: row.event_count,
      firstTxid: row.first_txid,
      firstEventId: row.first_event_id,
      lastTxid: row.last_txid,
      lastEventId: row.last_event_id,
      sealedAtUs: row.sealed_at_us,
      eventIds: row.event_ids ? row.event_ids.split(",") : [],
      eventHashes: row.event_hashes ?? Buffer.alloc(0),
      hashText: (row.event_hashes ?? Buffer.alloc(0)).toString("latin1"),
      scheme: row.scheme,
      signature: row.signature,
      keyId: row.key_id,
    }),
  );
}

// The COPY for a group reads up to the furthest position any of its seals claims. A seal whose
// bounds were edited can only widen the range, and its own check fails before its events are read.
function furthest(seals: SealRow[]): ChainPosition {
  let best = { txid: seals[0]!.lastTxid, id: seals[0]!.lastEventId };
  for (const seal of seals) {
    const txid = BigInt(seal.lastTxid);
    const bestTxid = BigInt(best.txid);
    if (txid > bestTxid || (txid === bestTxid && BigInt(seal.lastEventId) > BigInt(best.id))) {
      best = { txid: seal.lastTxid, id: seal.lastEventId };
    }
  }
  return best;
}

interface MatchState {
  expectedId: number;
  prevRoot: string;
  events: number;
  seals: number;
}

/** Walks a group's seals and their events in lockstep; synchronous, so it keeps up with COPY. */
function createMatcher(
  seals: SealRow[],
  state: MatchState,
  keys: Map<string, KeyObject>,
  anchor: RangeOptions["anchor"],
) {
  let si = 0;
  let k = 0;
  let checked = false;
  let found: VerifyProblem | null = null;
  let mismatch: Mismatch | null = null;

  function check(seal: SealRow): VerifyProblem | null {
    const broken = (detail: string) => problem("seal_broken", state.expectedId, null, detail);
    if (seal.id !== state.expectedId) return broken(`the seal is missing (the next seal is ${seal.id})`);
    if (seal.scheme !== SEAL_SCHEME) return broken(`unknown sealing scheme ${JSON.stringify(seal.scheme)}`);
    const n = seal.eventIds.length;
    if (
      n === 0 ||
      seal.eventCount !== n ||
      seal.eventHashes.length !== n * 32 ||
      seal.eventIds[0] !== seal.firstEventId ||
      seal.eventIds[n - 1] !== seal.lastEventId
    ) {
      return broken("its event count, ids, hashes and bounds disagree");
    }
    if (seal.prevRoot !== state.prevRoot) {
      return broken(
        `prev_root does not chain to ${state.expectedId === 1 ? "genesis" : "the previous seal's root"}`,
      );
    }
    let root: string;
    try {
      root = sealRoot(seal);
    } catch {
      root = "";
    }
    if (root !== seal.root) return broken("its root does not match its contents");
    if (anchor && anchor.id === seal.id && anchor.root !== seal.root) {
      return broken("its root differs from the anchored root");
    }
    if (keys.size > 0) {
      const invalid = (detail: string) => problem("signature_invalid", seal.id, null, detail);
      if (!seal.signature || !seal.keyId) return invalid("the seal is not signed");
      const key = keys.get(seal.keyId);
      if (!key) return invalid(`signed by an unknown key ${seal.keyId.slice(0, 16)}…`);
      if (!verifyRootSignature(key, seal.scheme, seal.root, seal.signature)) {
        return invalid("the signature does not match the root");
      }
    }
    return null;
  }

  function push(event: ChainEvent): void {
    if (found || mismatch) return;
    const seal = seals[si];
    if (!seal) {
      found = problem(
        "inserted",
        seals[seals.length - 1]!.id,
        event.id,
        "an event past the seal's last event",
      );
      return;
    }
    if (!checked) {
      found = check(seal);
      if (found) return;
      checked = true;
    }
    if (!hashAt(seal.hashText, k, event.hash)) {
      mismatch = { seal, index: k, actual: { ...event, line: Buffer.from(event.line) } };
      return;
    }
    const last = seal.eventIds.length - 1;
    // The hash covers id and txid, so a matching event is genuine; disagreement means a seal bug.
    if (
      event.id !== seal.eventIds[k] ||
      (k === 0 && event.txid !== seal.firstTxid) ||
      (k === last && event.txid !== seal.lastTxid)
    ) {
      found = problem("seal_broken", seal.id, event.id, "the seal's ids or bounds disagree with its hashes");
      return;
    }
    state.events++;
    if (k < last) {
      k++;
      return;
    }
    state.prevRoot = seal.root;
    state.expectedId = seal.id + 1;
    state.seals++;
    si++;
    k = 0;
    checked = false;
  }

  function finish(): { problem: VerifyProblem | null; mismatch: Mismatch | null } {
    const seal = seals[si];
    if (!found && !mismatch && seal) {
      found = checked ? null : check(seal);
      if (!found) mismatch = { seal, index: k, actual: null };
    }
    return { problem: found, mismatch };
  }

  return { push, finish };
}
