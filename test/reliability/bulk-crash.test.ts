// Crash safety of bulk batches: two real `airlock serve` processes on one database, a batch of
// 120 slow items started in one of them, and the process running the batch's workflow killed with
// SIGKILL mid-batch (items in flight, their transactions open). The live process takes the batch
// over (heartbeat supervision of the durable engine, decision 0006) within 10 s, and at the end
// every item was applied exactly once: 0 duplicates, 0 lost. Prints the recovery time.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { until as waitFor } from "../support/until.ts";
import { createUser } from "../support/users.ts";
import { chaosDatabase } from "./chaos-database.ts";
import { type AirlockProcess, spawnAirlock } from "./cluster.ts";

const CONFIG = join(import.meta.dirname, "bulk-chaos.config.ts");
const ITEMS = 120;
const { started, create } = chaosDatabase();

const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000) =>
  waitFor(what, check, timeoutMs, 50);

test("kill -9 of the server running a batch: a live server resumes it within 10 s, every item applied once", async () => {
  const { db, owner } = await create(`
    CREATE TABLE public.bulk_ledger (account_id text NOT NULL, pid int NOT NULL);
    GRANT SELECT, INSERT ON public.bulk_ledger TO airlock_app;`);
  const ops = await createUser(owner, { groups: ["ops"] });
  const [first, second] = await Promise.all([
    spawnAirlock("serve", db.url, started, { config: CONFIG }),
    spawnAirlock("serve", db.url, started, { config: CONFIG }),
  ]);
  const post = async (proc: AirlockProcess, path: string, body: unknown) => {
    const response = await fetch(`${proc.url}${path}`, {
      method: "POST",
      headers: { ...ops.headers, "idempotency-key": "crash-batch" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const accounts = Array.from({ length: ITEMS }, (_, i) => `acc_${i + 1}`);
  const selection = { action: "slow_fee", rows: accounts.map((id) => ({ id })) };
  const preview = await post(first!, "/api/v1/bulk/preview", selection);
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  const start = await post(first!, "/api/v1/bulk/start", {
    ...selection,
    itemSetHash: preview.body.itemSetHash,
  });
  assert.equal(start.status, 202, JSON.stringify(start.body));
  const batchId = (start.body.batch as { id: string }).id;

  const applied = async () =>
    (await owner.query<{ n: number }>("SELECT count(*)::int AS n FROM public.bulk_ledger")).rows[0]!.n;
  const runner = async (): Promise<AirlockProcess | undefined> => {
    const { rows } = await owner.query<{ executor_id: string }>(
      "SELECT executor_id FROM dbos.workflow_status WHERE workflow_uuid = $1 AND status = 'PENDING'",
      [`${batchId}:0`],
    );
    const pid = Number(/-(\d+)-[a-z0-9]+$/.exec(rows[0]?.executor_id ?? "")?.[1]);
    return started.find((p) => p.alive() && p.child.pid === pid);
  };
  await until("a quarter of the items", async () => ((await applied()) >= ITEMS / 4 ? true : undefined));
  const victim = await until("the process running the batch", runner);
  const survivor = victim === first ? second! : first!;
  const before = await applied();
  await victim.kill9();
  const killedAt = Date.now();
  // Items whose transactions were open died with the process (rolled back); resumed means a new
  // item was applied by the live process.
  const survivorPid = survivor.child.pid;
  await until("the batch moving again", async () => {
    const { rows } = await owner.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM public.bulk_ledger WHERE pid = $1",
      [survivorPid],
    );
    return rows[0]!.n > 0 ? true : undefined;
  });
  const recoveryMs = Date.now() - killedAt;
  assert.ok(before < ITEMS, "the batch was killed mid-way");

  const done = await until("the batch's end", async () => {
    const response = await fetch(`${survivor.url}/api/v1/bulk/${batchId}`, { headers: ops.headers });
    const body = (await response.json()) as { status: string; counts: Record<string, number> };
    return ["succeeded", "failed", "stopped", "cancelled"].includes(body.status) ? body : undefined;
  });
  assert.equal(done.status, "succeeded", JSON.stringify(done));
  assert.deepEqual(done.counts, { pending: 0, succeeded: ITEMS, failed: 0, skipped: 0 });
  const perAccount = await owner.query<{ account_id: string; n: number }>(
    "SELECT account_id, count(*)::int AS n FROM public.bulk_ledger GROUP BY account_id",
  );
  const duplicates = perAccount.rows.filter((r) => r.n > 1).length;
  const lost = ITEMS - perAccount.rows.length;
  console.log(
    `bulk crash: killed after ${before} of ${ITEMS} items; resumed by the live server in ${recoveryMs} ms; ${duplicates} duplicates, ${lost} lost`,
  );
  assert.equal(duplicates, 0, "no item applied twice");
  assert.equal(lost, 0, "no item lost");
  const runs = await owner.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM airlock.runs WHERE idempotency_key LIKE $1",
    [`bulk:${batchId}:%`],
  );
  assert.equal(runs.rows[0]!.n, ITEMS, "one run per item");
  assert.ok(recoveryMs < 10_000, `resumed within 10 s (took ${recoveryMs} ms)`);
});
