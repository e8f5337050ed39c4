// Scale-out loses nothing: 2 `airlock serve` and 3 `airlock worker` processes on one PostgreSQL
// take a fixed mix of inline, queued and approval-gated credits through both servers. Mid-way a
// worker that is executing runs and a server are killed with SIGKILL, then started again. What
// an operator would check: every credit ends final with exactly one effect, no 5xx, and the audit
// trail verifies with a gap-free seal chain written by one sealer at a time.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type pg from "pg";
import { auditSealStatus, SEALER_LOCK } from "../../src/audit/sealer.ts";
import { verifyAudit } from "../../src/audit/verify.ts";
import { ownerClient } from "../../src/store/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { createUser } from "../support/users.ts";
import { type AirlockProcess, processOwningPort, sleep, spawnAirlock } from "./cluster.ts";
import { createCreditSchema } from "./credit-workspace.ts";
import { type Credit, CreditLoad, creditMix, runClients } from "./load.ts";
import { checkEffects, untilAllFinal } from "./outcome.ts";

const started: AirlockProcess[] = [];
let database: TestDatabase | null = null;
after(async () => {
  await Promise.all(started.map((p) => p.kill9()));
  await database?.drop();
});

// pg_locks shows a bigint advisory key as two 32-bit halves.
const LOCK_CLASSID = Math.floor(SEALER_LOCK / 2 ** 32);
const LOCK_OBJID = SEALER_LOCK % 2 ** 32;

test("2 servers + 3 workers, one of each killed mid-load and restarted: every credit final with exactly 1 effect, 0 5xx, one sealer at a time, the audit verifies", {
  timeout: 360_000,
}, async (t) => {
  const testStarted = Date.now();
  database = await createTestDatabase();
  const url = database.url;
  await createCreditSchema(url);
  const owner = await ownerClient(url);
  t.after(() => owner.end().catch(() => {}));
  const operator = await createUser(owner as unknown as pg.Pool, { groups: ["operators"] });
  const manager = await createUser(owner as unknown as pg.Pool, { groups: ["managers"] });

  let servers: AirlockProcess[] = await Promise.all([
    spawnAirlock("serve", url, started),
    spawnAirlock("serve", url, started),
  ]);
  let workers: AirlockProcess[] = await Promise.all([
    spawnAirlock("worker", url, started),
    spawnAirlock("worker", url, started),
    spawnAirlock("worker", url, started),
  ]);
  const readyAt = Date.now();

  // Who holds the sealer's lock, sampled through the whole run.
  const holderSamples: number[] = [];
  const holders = new Set<number>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const held = await owner.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid = $1 AND objid = $2 AND objsubid = 1`,
        [LOCK_CLASSID, LOCK_OBJID],
      );
      holderSamples.push(held.rows.length);
      for (const row of held.rows) holders.add(row.pid);
      await sleep(100);
    }
  })();

  const load = new CreditLoad({
    servers: () => servers.filter((s) => s.alive()).map((s) => s.url),
    operator: operator.headers,
    manager: manager.headers,
    deadline: Date.now() + 240_000,
  });
  const credits = creditMix("scale", 150, 5);
  // Queued credits that stay running for 3 s, so that the worker killed is one executing runs.
  const held: Credit[] = Array.from({ length: 6 }, (_, i) => ({
    key: `held-worker-${i}`,
    action: "credit_queued",
    account: "acc_held",
    amount: 100 + i,
    holdMs: 3_000,
  }));
  let killedWorkerRuns = 0;
  let killedSealer = false;

  const loadStarted = Date.now();
  const loadDone = runClients(credits, 4, 40, (c) => load.credit(c));
  const killsDone = (async () => {
    while (load.acknowledged.size < 50) await sleep(20);
    await Promise.all(held.map((c) => load.credit(c)));
    // The worker whose database connection is in a held run's pg_sleep is executing it.
    let victim: AirlockProcess | undefined;
    for (const deadline = Date.now() + 20_000; !victim && Date.now() < deadline; ) {
      const running = await owner.query<{ client_port: number }>(
        `SELECT client_port FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()`,
      );
      for (const row of running.rows) {
        const pid = processOwningPort(
          row.client_port,
          workers.map((w) => w.child.pid!),
        );
        victim ??= workers.find((w) => w.child.pid === pid);
        if (victim && pid === victim.child.pid) killedWorkerRuns++;
      }
      if (!victim) await sleep(50);
    }
    assert.ok(victim, "a worker executing a held run");
    // The server killed is the sealer, when a server holds the sealer's lock (servers start
    // first, so one usually does): another process must take sealing over.
    const holder = await owner.query<{ client_port: number }>(
      `SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [LOCK_CLASSID, LOCK_OBJID],
    );
    const sealerPid = holder.rows[0]
      ? processOwningPort(
          holder.rows[0].client_port,
          servers.map((s) => s.child.pid!),
        )
      : null;
    const server = servers.find((s) => s.child.pid === sealerPid) ?? servers[0]!;
    killedSealer = server.child.pid === sealerPid;
    await Promise.all([victim.kill9(), server.kill9()]);
    const [newServer, newWorker] = await Promise.all([
      spawnAirlock("serve", url, started),
      spawnAirlock("worker", url, started),
    ]);
    servers = [...servers.filter((s) => s !== server), newServer];
    workers = [...workers.filter((w) => w !== victim), newWorker];
  })();
  await Promise.all([loadDone, killsDone]);
  const loadEnded = Date.now();

  const finalMs = await untilAllFinal(owner, 90_000);
  const sealStarted = Date.now();
  while ((await auditSealStatus(owner)).unsealed > 0) {
    assert.ok(Date.now() - sealStarted < 30_000, "audit events sealed within 30 s");
    await sleep(200);
  }
  sampling = false;
  await sampler;

  const keys = [...credits, ...held];
  assert.equal(load.acknowledged.size, keys.length, "every credit acknowledged");
  const effects = await checkEffects(owner, operator.id, keys);
  assert.deepEqual(effects.problems, [], "keys without exactly one run and one effect");
  const fivexx = load.attempts.filter((a) => a.status >= 500);
  assert.deepEqual(fivexx, [], "5xx answers");
  const resets = load.attempts.filter((a) => a.status === 0);

  // One sealer at a time: never two holders of its lock, and a chain of seals without a gap.
  assert.ok(Math.max(...holderSamples) <= 1, "at most one process holds the sealer's lock");
  assert.ok(
    holderSamples.some((n) => n === 1),
    "some process held the sealer's lock",
  );
  if (killedSealer) assert.ok(holders.size >= 2, "another process took sealing over from the killed one");
  const chain = await owner.query<{ n: number; first: number; last: number; events: number }>(
    "SELECT count(*)::int AS n, min(id)::int AS first, max(id)::int AS last, sum(event_count)::int AS events FROM airlock.audit_seals",
  );
  const { n, first, last } = chain.rows[0]!;
  assert.equal(first, 1);
  assert.equal(last, n, "seal ids 1..N without a gap");
  const verified = await verifyAudit({ url });
  assert.ok(verified.ok, JSON.stringify(verified));

  for (const p of [...servers, ...workers]) assert.ok(p.alive(), `a ${p.kind} process died`);
  const submits = load.attempts.filter((a) => a.what === "submit");
  t.diagnostic(
    `load: ${keys.length} credits (${effects.inline} inline, ${effects.queued} queued, ${load.approved.size} approval-gated) from 4 clients through 2 servers and 3 workers; ` +
      `${submits.length} submit + ${load.attempts.length - submits.length} approve requests; 0 5xx; ${resets.length} without an answer (the killed server's, retried); ` +
      `killed mid-load: 1 server (${killedSealer ? "the sealer" : "not the sealer"}) and 1 worker executing ${killedWorkerRuns} held run(s); effects: ${effects.total} for ${keys.length} keys (0 lost, 0 duplicated); ` +
      `all runs final ${finalMs} ms after the load ended; seals 1..${last} gap-free, ${holders.size} successive sealer lock holder(s), never 2 at once (${holderSamples.length} samples); ` +
      `audit verified (${verified.ok ? verified.events : 0} events); ready in ${readyAt - testStarted} ms, load ${loadEnded - loadStarted} ms`,
  );
});
