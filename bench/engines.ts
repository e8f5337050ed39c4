// `npm run bench:engines` (`-- --quick` for small counts): the durable-execution engines side by
// side on one PostgreSQL (decision 0006): DBOS workflows of 1 and 10 no-op steps, DBOS and pg-boss
// enqueue → handler start, their throughput at 8 callers, and recovery after kill -9 of the process
// running a workflow (DBOS with Airlock's heartbeat supervision, pg-boss with its own), and, in
// the same run, Airlock's runbooks on that DBOS: a 10-step runbook of no-op governed action steps
// (each with its run row and audit events), step → next step in one process, and a human step's
// answer → the next step started, answered in the same process and in another one (also in
// `npm run bench`, section `runbooks`). Prints a table and writes bench/results/engines-<time>.json.
// Not a timed test.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DBOS } from "@dbos-inc/dbos-sdk";
import pino from "pino";
import { acquireDurableEngine, type DurableEngine } from "../src/engine/durable-engine.ts";
import { startEngine } from "../src/engine/engine.ts";
import { installEngineSchema } from "../src/engine/install-engine-schema.ts";
import { RUNBOOK_WORKFLOW } from "../src/runbooks/runbook-runner.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { openDatabase } from "../src/store/database.ts";
import { AIRLOCK_MIGRATIONS } from "../src/store/migrate.ts";
import { benchDatabase } from "./lib/bench-database.ts";
import { round, summarize } from "./lib/stats.ts";
import { measureRunbooks, reportRunbookSection } from "./runbook-steps.ts";

const { values } = parseArgs({ options: { quick: { type: "boolean" } } });
const quick = values.quick ?? false;
const N1 = quick ? 100 : 500;
const N10 = quick ? 50 : 200;
const SECONDS = quick ? 3 : 8;
const KILLS = quick ? 2 : 5;
const log = pino({ level: "warn" });
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const stat = (samples: number[]) => {
  const s = summarize(samples);
  return { n: s.n, p50: round(s.p50), p99: round(s.p99), max: round(s.max) };
};

const db = await benchDatabase();
console.log(`engines bench (${quick ? "quick" : "full"}), PostgreSQL ${db.version}`);
await prepareDatabase(db.url, [AIRLOCK_MIGRATIONS]);
const QUEUE = { name: "bench.noop", heartbeatSeconds: 10, expireInSeconds: 60, retryLimit: 0 };
const RECOVER_QUEUE = { name: "bench.recover", heartbeatSeconds: 10, expireInSeconds: 900, retryLimit: 3 };
await installEngineSchema(db.url, [QUEUE, RECOVER_QUEUE]);
const results: Record<string, unknown> = { at: new Date().toISOString(), postgres: db.version, quick };
const children: ChildProcess[] = [];

try {
  // DBOS --------------------------------------------------------------------------------------
  let started: ((id: string) => void) | null = null;
  let engine: DurableEngine | null = null;
  engine = await acquireDurableEngine({
    url: db.url,
    log,
    workflows: {
      "bench.one": async () => engine!.step("noop", async () => 1),
      "bench.ten": async () => {
        for (let i = 0; i < 10; i++) await engine!.step(`noop${i}`, async () => i);
      },
      "bench.queued": async (input) => {
        started?.(input as string);
        return await engine!.step("noop", async () => 1);
      },
      "bench.recoverable": async () => {
        await engine!.step("one", async () => 1);
        await engine!.step("two", async () => 2);
        return "done";
      },
      // Registered at launch (DBOS's rule); the Airlock instance below brings its body.
      [RUNBOOK_WORKFLOW]: async () => {
        throw new Error("the runbook workflow's body is set by the Airlock instance");
      },
    },
  });
  const run = async (workflow: string) => (await engine!.start(workflow, randomUUID(), null)).result();
  for (let i = 0; i < 20; i++) await run("bench.one"); // warm-up
  const one: number[] = [];
  for (let i = 0; i < N1; i++) {
    const t0 = process.hrtime.bigint();
    await run("bench.one");
    one.push(ms(t0));
  }
  const ten: number[] = [];
  for (let i = 0; i < N10; i++) {
    const t0 = process.hrtime.bigint();
    await run("bench.ten");
    ten.push(ms(t0));
  }
  const dbosRate = await throughput(8, SECONDS, () => run("bench.one"));
  results.dbos = { oneStep: stat(one), tenSteps: stat(ten), oneStepPerSecondC8: dbosRate };
  console.log("DBOS 1 step", stat(one), "10 steps", stat(ten), `1-step/s at c=8: ${dbosRate}`);

  // DBOS queue: enqueue → workflow start (a DBOS queue polls; it is what queued runs would use).
  try {
    await DBOS.registerQueue("bench_queue", { concurrency: 8 });
    const queued: number[] = [];
    for (let i = 0; i < (quick ? 30 : 100); i++) {
      const id = randomUUID();
      const begun = new Promise<void>((resolve) => {
        started = (got) => got === id && resolve();
      });
      const t0 = process.hrtime.bigint();
      await DBOS.enqueueWorkflowWithOptions({ workflowName: "bench.queued", queueName: "bench_queue" }, id);
      await begun;
      queued.push(ms(t0));
    }
    started = null;
    results.dbosQueue = { enqueueToStart: stat(queued) };
    console.log("DBOS queue enqueue→start", stat(queued));
  } catch (error) {
    results.dbosQueue = { error: (error as Error).message };
    console.log("DBOS queue not measured:", (error as Error).message);
  }

  // pg-boss (today's queued path, through the engine facade) ------------------------------------
  const boss = await startEngine({ url: db.url, log, queues: [QUEUE, RECOVER_QUEUE] });
  const appDb = openDatabase({ url: db.url, max: 10, log });
  const waiting = new Map<string, { start: () => void; done: () => void }>();
  await boss.work<{ id: string }>(QUEUE.name, { concurrency: 8 }, async (job) => {
    const w = waiting.get(job.data.id);
    w?.start();
    w?.done();
  });
  const enqueueAndWait = async (onStart?: () => void) => {
    const id = randomUUID();
    const done = new Promise<void>((resolve) => {
      waiting.set(id, { start: onStart ?? (() => {}), done: resolve });
    });
    const client = await appDb.pool.connect();
    try {
      await client.query("BEGIN");
      await boss.enqueue(client, QUEUE.name, { id });
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    boss.wake(QUEUE.name);
    await done;
    waiting.delete(id);
  };
  for (let i = 0; i < 10; i++) await enqueueAndWait();
  const bossLatency: number[] = [];
  for (let i = 0; i < (quick ? 100 : 300); i++) {
    const t0 = process.hrtime.bigint();
    let at = 0;
    await enqueueAndWait(() => {
      at = ms(t0);
    });
    bossLatency.push(at);
  }
  const bossRate = await throughput(8, SECONDS, () => enqueueAndWait());
  results.pgboss = { enqueueToStart: stat(bossLatency), jobsPerSecondC8: bossRate };
  console.log("pg-boss enqueue→start", stat(bossLatency), `jobs/s at c=8: ${bossRate}`);

  // Recovery after kill -9 ----------------------------------------------------------------------
  const dbosRecovery: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const id = `recover-${randomUUID()}`;
    const victim = await spawnVictim("dbos", id);
    await waitFor(victim.inside);
    const t0 = process.hrtime.bigint();
    victim.child.kill("SIGKILL");
    await new Promise((r) => victim.child.once("exit", r));
    for (;;) {
      const state = await engine.state(id);
      if (state?.status === "SUCCESS") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    dbosRecovery.push(ms(t0));
  }
  results.dbosRecovery = { killToFinished: stat(dbosRecovery), heartbeatMs: 1000, deadAfterMs: 5000 };
  console.log("DBOS + supervision, kill -9 → workflow finished elsewhere", stat(dbosRecovery));

  const bossRecovery: number[] = [];
  {
    const id = `recover-${randomUUID()}`;
    const victim = await spawnVictim("pgboss", id);
    const client = await appDb.pool.connect();
    await client.query("BEGIN");
    await boss.enqueue(client, RECOVER_QUEUE.name, { id });
    await client.query("COMMIT");
    client.release();
    await waitFor(victim.inside);
    const t0 = process.hrtime.bigint();
    victim.child.kill("SIGKILL");
    const finished = new Promise<void>((resolve) => {
      void boss.work<{ id: string }>(RECOVER_QUEUE.name, { concurrency: 1 }, async (job) => {
        if (job.data.id === id) resolve();
      });
    });
    await finished;
    bossRecovery.push(ms(t0));
  }
  results.pgbossRecovery = { killToStartedElsewhere: stat(bossRecovery), heartbeatSeconds: 10 };
  console.log("pg-boss, kill -9 → job started elsewhere", stat(bossRecovery));

  // Airlock runbooks on the same DBOS, in the same run: side by side with the DBOS rows above.
  const runbooks = await measureRunbooks(db.url, { quick });
  results.runbooks = runbooks;
  reportRunbookSection({ dbos: { oneStep: stat(one), tenSteps: stat(ten) }, ...runbooks }, (line) =>
    console.log(line),
  );

  await boss.stop();
  await appDb.close();
  await engine.release();
} finally {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await db.close();
}
const file = join(
  import.meta.dirname,
  "results",
  `engines-${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`written ${file}`);
process.exit(0);

async function throughput(
  concurrency: number,
  seconds: number,
  once: () => Promise<unknown>,
): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        await once();
        count++;
      }
    }),
  );
  return round(count / seconds, 0);
}

function spawnVictim(kind: "dbos" | "pgboss", id: string) {
  const child = spawn(process.execPath, [join(import.meta.dirname, "engines-victim.ts"), kind, db.url, id], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  let resolveInside: () => void = () => {};
  const inside = new Promise<void>((resolve) => {
    resolveInside = resolve;
  });
  let buffer = "";
  child.stdout!.on("data", (chunk) => {
    buffer += String(chunk);
    if (buffer.includes('"inside"')) resolveInside();
  });
  return { child, inside };
}

function waitFor(promise: Promise<void>, timeoutMs = 60_000): Promise<void> {
  return Promise.race([
    promise,
    new Promise<void>((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs).unref()),
  ]);
}
