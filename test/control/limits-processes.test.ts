// Two real `airlock serve` processes on one database share one limit: a rate admits exactly its
// number between them, and a run holding the only slot in one process makes the other refuse.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import type pg from "pg";
import { ownerClient } from "../../src/store/database.ts";
import { type AirlockProcess, spawnAirlock } from "../reliability/cluster.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { createUser } from "../support/users.ts";

const started: AirlockProcess[] = [];
let database: TestDatabase | null = null;
after(async () => {
  await Promise.all(started.map((p) => p.kill9()));
  await database?.drop();
});

test("two server processes: 16 requests at once admit exactly perMinute (5); a run holding the only slot in one process makes the other answer 429", {
  timeout: 300_000,
}, async (t) => {
  database = await createTestDatabase();
  const owner = await ownerClient(database.url);
  t.after(() => owner.end().catch(() => {}));
  const operator = await createUser(owner as unknown as pg.Pool, { groups: ["operators"] });
  const config = join(import.meta.dirname, "limits-processes.config.ts");
  const [one, two] = await Promise.all([
    spawnAirlock("serve", database.url, started, { config }),
    spawnAirlock("serve", database.url, started, { config }),
  ]);
  const post = (server: AirlockProcess, action: string, params: unknown) =>
    fetch(`${server.url}/api/v1/actions/${action}/runs`, {
      method: "POST",
      headers: operator.headers,
      body: JSON.stringify({ params }),
    });

  const answers = await Promise.all(
    Array.from({ length: 16 }, (_, n) => post(n % 2 ? two : one, "proc_rated", { n })),
  );
  const statuses = answers.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 200).length, 5, `statuses: ${statuses.join(",")}`);
  assert.equal(statuses.filter((s) => s === 429).length, 11, `statuses: ${statuses.join(",")}`);
  const refused = answers.find((r) => r.status === 429)!;
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  assert.equal((await refused.json()).error.code, "request.rate_limited");

  // The slot is an advisory lock (key: the action's hash, slot 0) held by the run's transaction.
  const holding = post(one, "proc_slot", { holdMs: 4_000 });
  const until = Date.now() + 60_000;
  for (;;) {
    const { rows } = await owner.query(
      `SELECT count(*)::int AS n FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND objid = 0
          AND classid::bigint = (hashtext('airlock.slots:proc_slot')::bigint + 4294967296) % 4294967296`,
    );
    if (rows[0].n === 1) break;
    assert.ok(Date.now() < until, "the first run never took its slot");
    await new Promise((r) => setTimeout(r, 50));
  }
  const second = await post(two, "proc_slot", { holdMs: 0 });
  const body = await second.json();
  assert.equal(second.status, 429, JSON.stringify(body));
  assert.equal(body.error.details.limit, "concurrency");
  assert.equal((await holding).status, 200);
  assert.equal((await post(two, "proc_slot", { holdMs: 0 })).status, 200, "free again once the run ended");

  const { rows } = await owner.query(
    "SELECT data->>'limit' AS limit, count(*)::int AS n FROM airlock.audit_events WHERE type = 'run.rate_limited' GROUP BY 1 ORDER BY 1",
  );
  assert.deepEqual(rows, [
    { limit: "concurrency", n: 1 },
    { limit: "perMinute", n: 11 },
  ]);
});
