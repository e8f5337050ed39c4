// The durable-execution peer: the same request, behind the same framework-free HTTP front as the
// floor (bench/lib/minimal-http.ts), runs a DBOS Transact workflow of one no-op step. The workflow's
// ID is the caller's idempotency key (DBOS's own idempotency), so a retry is answered from the
// recorded workflow instead of running again. DBOS records the workflow and its step in its
// system database (schema `dbos`, in the bench's database, the same PostgreSQL server).
//
// DBOS is a process-wide singleton (`DBOS.launch()` once per process), which is why it gets a
// process of its own here. Prints one JSON line { url, pid }, serves until SIGTERM.
import { DBOS } from "@dbos-inc/dbos-sdk";
import pg from "pg";
import { listenMinimal, loadTokens } from "./lib/minimal-http.ts";

// DBOS 5.3 sends a query on a client already running one; pg prints a deprecation warning for it
// once per process, which is DBOS's to fix and would only clutter the bench's table.
process.noDeprecation = true;
const url = process.env.DATABASE_URL!;
const poolSize = Number(process.env.BENCH_POOL ?? 40);

const noop = DBOS.registerWorkflow(
  async (_params: { accountId: string; amountCents: number }) => {
    const result = await DBOS.runStep(async () => ({ ok: true }), { name: "noop" });
    return { result, startedAt: new Date() };
  },
  { name: "noop_inline" },
);

// Its own pool, so that idle connections close after a second (see floor-server.ts).
const systemDatabasePool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 1_000 });
systemDatabasePool.on("error", () => {
  // A pooled connection that dies is dropped by the pool; DBOS retries its own operations.
});
DBOS.setConfig({ name: "airlock-bench", systemDatabaseUrl: url, systemDatabasePool, logLevel: "warn" });
await DBOS.launch();

const tokens = await (async () => {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on("error", () => {});
  try {
    return await loadTokens(pool);
  } finally {
    await pool.end();
  }
})();
const listening = await listenMinimal(tokens, async (run) => {
  const createdAt = new Date();
  const handle = await DBOS.startWorkflow(noop, {
    workflowID: `${run.principal.id}:${run.idempotencyKey}`,
  })(run.params);
  const { startedAt } = await handle.getResult();
  return { createdAt, startedAt: new Date(startedAt), finishedAt: new Date() };
});
process.stdout.write(`${JSON.stringify({ url: listening.url, pid: process.pid })}\n`);
process.once("SIGTERM", () => {
  void listening
    .close()
    .then(() => DBOS.shutdown())
    .then(() => systemDatabasePool.end())
    .then(() => process.exit(0));
});
