// What verification found wrong, and how a mismatch between a seal and the rows is named. Runs
// only once, on the first bad position, so it may afford a few lookups.
//
// At the first chain position where the row is not the one the seal recorded (expected id e):
// - the row has id e but other content: `edited` — unless the content is exactly another sealed
//   event of the same transaction under e's id (ids swapped): `reordered`;
// - the row is in no seal: `inserted` — unless it is e with only its id changed: `edited`;
// - e still exists elsewhere: `reordered` (a txid or id changed, moving rows);
// - e is gone: `deleted`.
// The event named is always the sealed record at that position, except for `inserted`, which
// names the forged row.
import type pg from "pg";
import type { ChainEvent } from "./chain-reader.ts";
import { CANONICAL_TEXT_SELECT, canonicalLine, eventHash, hashAt, withId } from "./seal-scheme.ts";

export type ProblemKind =
  | "edited"
  | "deleted"
  | "inserted"
  | "reordered"
  | "seal_broken"
  | "signature_invalid";

export interface VerifyProblem {
  kind: ProblemKind;
  sealId: number | null;
  eventId: string | null;
  detail: string;
}

export interface Mismatch {
  seal: { id: number; eventIds: readonly string[]; eventHashes: Buffer; firstTxid: string; lastTxid: string };
  /** Position within the seal where the rows stop agreeing. */
  index: number;
  /** The row found there, or null when the rows ran out first. */
  actual: ChainEvent | null;
}

export function problem(
  kind: ProblemKind,
  sealId: number | null,
  eventId: string | null,
  detail: string,
): VerifyProblem {
  return { kind, sealId, eventId, detail };
}

export async function classifyMismatch(db: pg.ClientBase, mismatch: Mismatch): Promise<VerifyProblem> {
  const { seal, index, actual } = mismatch;
  const expected = seal.eventIds[index]!;
  const at = `position ${index + 1} of seal ${seal.id}`;
  if (actual && actual.id === expected) {
    const other = await sealedUnderOtherId(db, actual);
    if (other) {
      return problem(
        "reordered",
        seal.id,
        expected,
        `event ${expected} holds the record sealed as event ${other}`,
      );
    }
    return problem("edited", seal.id, expected, `event ${expected} no longer matches its sealed hash`);
  }
  if (actual && !(await isSealed(db, actual.id))) {
    if (hashAt(seal.eventHashes, index, eventHash(withId(actual.line, expected)))) {
      return problem("edited", seal.id, expected, `event ${expected} had its id changed to ${actual.id}`);
    }
    return problem(
      "inserted",
      seal.id,
      actual.id,
      `event ${actual.id} is in no seal but lies inside the sealed range, at ${at}`,
    );
  }
  const exists = await db.query("SELECT 1 FROM airlock.audit_events WHERE id = $1", [expected]);
  if (exists.rowCount) {
    const found = actual ? `event ${actual.id} stands there` : "no event stands there";
    return problem("reordered", seal.id, expected, `event ${expected} is not at its sealed ${at}; ${found}`);
  }
  const renumbered = await renumberedAs(db, mismatch, expected);
  if (renumbered) {
    return problem("edited", seal.id, expected, `event ${expected} had its id changed to ${renumbered}`);
  }
  return problem("deleted", seal.id, expected, `event ${expected}, sealed at ${at}, is missing`);
}

// An event whose id was changed to a larger one moves to the end of its transaction's events:
// look among the rows of the seal's txid range that the seal does not list.
async function renumberedAs(db: pg.ClientBase, mismatch: Mismatch, expected: string): Promise<string | null> {
  const { seal, index } = mismatch;
  const rows = await db.query({
    text: `SELECT ${CANONICAL_TEXT_SELECT} FROM airlock.audit_events
            WHERE txid BETWEEN $1::xid8 AND $2::xid8 AND NOT (id = ANY ($3::bigint[]))`,
    values: [seal.firstTxid, seal.lastTxid, seal.eventIds],
    rowMode: "array",
  });
  for (const fields of rows.rows as (string | null)[][]) {
    if (hashAt(seal.eventHashes, index, eventHash(withId(canonicalLine(fields), expected))))
      return fields[1]!;
  }
  return null;
}

async function isSealed(db: pg.ClientBase, id: string): Promise<boolean> {
  // No index serves this (seals are few and this runs once, on failure).
  const result = await db.query(
    "SELECT 1 FROM airlock.audit_seals WHERE event_ids @> ARRAY[$1::bigint] LIMIT 1",
    [id],
  );
  return (result.rowCount ?? 0) > 0;
}

// Two events of one transaction whose ids were swapped keep their place in (txid, id) order, so
// the swap shows as content under the wrong id. The other id is among the seals covering that txid.
async function sealedUnderOtherId(db: pg.ClientBase, actual: ChainEvent): Promise<string | null> {
  const seals = await db.query(
    `SELECT event_ids, event_hashes FROM airlock.audit_seals
      WHERE first_txid <= $1::xid8 AND last_txid >= $1::xid8 ORDER BY id`,
    [actual.txid],
  );
  for (const row of seals.rows) {
    const ids: string[] = row.event_ids ?? [];
    const hashes: Buffer = row.event_hashes ?? Buffer.alloc(0);
    for (let i = 0; i < ids.length && (i + 1) * 32 <= hashes.length; i++) {
      if (ids[i] !== actual.id && hashAt(hashes, i, eventHash(withId(actual.line, ids[i]!)))) return ids[i]!;
    }
  }
  return null;
}
