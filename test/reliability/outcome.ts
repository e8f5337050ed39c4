// What the database says after a reliability run: whether every run reached a final state, and,
// per idempotency key, how many runs and how many effects it produced.
import type pg from "pg";
import { sleep } from "./cluster.ts";
import type { Credit } from "./load.ts";

/** Waits until no run is left queued, running, approved or pending; returns how long it took. */
export async function untilAllFinal(db: pg.ClientBase, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const open = await db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM airlock.runs
        WHERE status NOT IN ('succeeded', 'failed', 'rejected', 'cancelled', 'expired')
        GROUP BY status`,
    );
    if (open.rows.length === 0) return Date.now() - started;
    if (Date.now() - started > withinMs)
      throw new Error(`runs not final after ${withinMs} ms: ${JSON.stringify(open.rows)}`);
    await sleep(250);
  }
}

export interface EffectCheck {
  /** One line per key that did not end with exactly one succeeded run and one effect. */
  problems: string[];
  total: number;
  inline: number;
  queued: number;
}

export async function checkEffects(
  db: pg.ClientBase,
  actorId: string,
  credits: Credit[],
): Promise<EffectCheck> {
  const rows = await db.query<{
    key: string;
    action: string;
    runs: number;
    statuses: string[];
    effects: number;
  }>(
    `SELECT r.idempotency_key AS key, min(r.action) AS action, count(DISTINCT r.id)::int AS runs,
            array_agg(DISTINCT r.status) AS statuses, count(e.id)::int AS effects
       FROM airlock.runs r LEFT JOIN reliability.effects e ON e.run_id = r.id
      WHERE r.actor_id = $1 GROUP BY r.idempotency_key`,
    [actorId],
  );
  const byKey = new Map(rows.rows.map((r) => [r.key, r]));
  const problems: string[] = [];
  for (const credit of credits) {
    const row = byKey.get(credit.key);
    if (!row) problems.push(`${credit.key}: no run`);
    else if (row.runs !== 1 || row.effects !== 1 || row.statuses.join() !== "succeeded")
      problems.push(`${credit.key}: ${row.runs} runs (${row.statuses.join(", ")}), ${row.effects} effects`);
  }
  const expected = new Set(credits.map((c) => c.key));
  for (const key of byKey.keys()) if (!expected.has(key)) problems.push(`${key}: a run nobody asked for`);
  const total = await db.query<{ n: number; orphans: number; sum: string; balance: string }>(
    `SELECT count(*)::int AS n,
            count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM airlock.runs r WHERE r.id = e.run_id))::int AS orphans,
            coalesce(sum(amount), 0)::text AS sum,
            (SELECT coalesce(sum(balance), 0) FROM reliability.balances)::text AS balance
       FROM reliability.effects e`,
  );
  const { n, orphans, sum, balance } = total.rows[0]!;
  if (orphans > 0) problems.push(`${orphans} effects without a run`);
  const expectedSum = credits.reduce((s, c) => s + c.amount, 0);
  if (Number(sum) !== expectedSum || Number(balance) !== expectedSum)
    problems.push(`money: effects sum ${sum}, balances ${balance}, expected ${expectedSum}`);
  return {
    problems,
    total: n,
    inline: credits.filter((c) => c.action === "credit_inline").length,
    queued: credits.filter((c) => c.action === "credit_queued").length,
  };
}
