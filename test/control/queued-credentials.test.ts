// A queued run's request goes out in one write, the check of a cached token's credentials with it
// (control/stages/transaction.ts, `beginAhead`): a credential change committed since the token
// was cached fails that transaction in the database, and the run is decided again on the
// principal as it is now. What a user sees: a revoked token's queued run is refused and leaves
// nothing; anyone else's change costs a second decision, never a second run. And a run this
// process has a worker free for is started by that same transaction and executed here.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createFixtureSchema, fixtureWorkspace } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser } from "../support/users.ts";

let t: TestAirlock;
before(async () => {
  t = await startTestAirlock({ workspace: fixtureWorkspace, prepare: createFixtureSchema });
});
after(async () => {
  await t.close();
});

const pool = () => t.airlock.database.pool;
const credit = (headers: Record<string, string>, key: string) =>
  t.post(
    "/api/v1/actions/credit_queued/runs",
    { params: { account: "acc_creds", amount: 500 } },
    { ...headers, "idempotency-key": key },
  );

async function written(actorId: string) {
  const { rows } = await pool().query(
    `SELECT (SELECT count(*)::int FROM airlock.runs WHERE actor_id = $1) AS runs,
            (SELECT count(*)::int FROM airlock.audit_events WHERE actor_id = $1 AND type = 'run.requested') AS requested,
            (SELECT count(*)::int FROM fixture.effects e JOIN airlock.runs r ON r.id = e.run_id WHERE r.actor_id = $1) AS effects,
            (SELECT count(*)::int FROM pgboss.job j JOIN airlock.runs r ON r.id = j.data ->> 'runId' WHERE r.actor_id = $1) AS jobs`,
    [actorId],
  );
  return rows[0] as { runs: number; requested: number; effects: number; jobs: number };
}

test("a queued run submitted right after its token was revoked is refused (401) and writes no run, event, effect or job", async () => {
  const user = await createUser(pool(), { groups: ["operators"] });
  // Twice: the second request's principal comes from the cache, checked in the run's write.
  assert.equal((await credit(user.headers, "r1")).status, 200);
  assert.equal((await credit(user.headers, "r2")).status, 200);
  await pool().query("UPDATE airlock.api_tokens SET revoked_at = now() WHERE user_id = $1", [user.id]);
  const refused = await credit(user.headers, "r3");
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error.code, "auth.token_invalid");
  assert.deepEqual(await written(user.id), { runs: 2, requested: 2, effects: 2, jobs: 0 });
});

test("a queued run submitted after someone else's credentials changed runs once, and its key replays that run", async () => {
  const user = await createUser(pool(), { groups: ["operators"] });
  const other = await createUser(pool(), { groups: ["operators"] });
  assert.equal((await credit(user.headers, "o1")).status, 200);
  // Moves the credentials' version: the user's cached principal no longer passes the check in the
  // database, its first transaction rolls back (its job with it) and the run is decided again.
  await pool().query("UPDATE airlock.api_tokens SET revoked_at = now() WHERE user_id = $1", [other.id]);
  const res = await credit(user.headers, "o2");
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.status, "succeeded");
  assert.deepEqual(await written(user.id), { runs: 2, requested: 2, effects: 2, jobs: 0 });
  // And the same key again is a replay of that one run.
  const again = await credit(user.headers, "o2");
  assert.equal((await again.json()).id, body.id);
  assert.deepEqual(await written(user.id), { runs: 2, requested: 2, effects: 2, jobs: 0 });
});

test("a queued run this process has a worker free for starts in its request's transaction and runs here once", async () => {
  const user = await createUser(pool(), { groups: ["operators"] });
  const res = await credit(user.headers, "h1");
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.status, "succeeded");
  const { rows: events } = await pool().query(
    "SELECT type, txid::text AS txid, data FROM airlock.audit_events WHERE run_id = $1 ORDER BY id",
    [body.id],
  );
  assert.deepEqual(
    events.map((e) => e.type),
    ["run.requested", "run.started", "run.succeeded"],
  );
  assert.equal(events[1].txid, events[0].txid, "started in the transaction that requested it");
  assert.notEqual(
    events[2].txid,
    events[0].txid,
    "its handler's effects commit in a transaction of their own",
  );
  assert.equal(events[1].data.attempt, 1);
  const { rows } = await pool().query(
    "SELECT attempt, queued_at IS NOT NULL AS queued, started_at = queued_at AS started_at_once FROM airlock.runs WHERE id = $1",
    [body.id],
  );
  assert.deepEqual(rows[0], { attempt: 1, queued: true, started_at_once: true });
  assert.deepEqual(await written(user.id), { runs: 1, requested: 1, effects: 1, jobs: 0 });
});
