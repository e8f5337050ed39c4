// Bulk batches against single inline actions, in one process on one database (opt-in section of
// `npm run bench`: `-- --only bulk`): a batch of N items of an inline no-op, started through the
// HTTP app and run by its durable workflow at concurrency c, against N single inline actions
// submitted through the same control layer by c concurrent callers. Reports items/s of both, the
// ratio (goal ≥ 70%), and this process's RSS before and after the batch.
import pino from "pino";
import { loadConfig } from "../src/config/config.ts";
import { createApiToken } from "../src/identity/api-tokens.ts";
import { loadPrincipal } from "../src/identity/load-principal.ts";
import { createLogger } from "../src/observe/logger.ts";
import { createAirlock, migrationSourcesFor } from "../src/runtime/airlock.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { defineAction, defineWorkspace, z } from "../src/sdk/index.ts";
import { compileWorkspace } from "../src/workspace/compile-workspace.ts";
import type { BenchDatabase } from "./lib/bench-database.ts";
import { createBenchUser } from "./lib/bench-user.ts";
import { round } from "./lib/stats.ts";

const noop = defineAction({
  name: "noop_bulk",
  title: "Do nothing, in bulk",
  execution: "inline",
  params: z.object({ id: z.string() }),
  bulk: { maxItems: 100_000, paramsFrom: (row) => ({ id: String(row.id) }) },
  handler: () => ({ ok: true }),
});

const workspace = defineWorkspace({
  name: "bench-bulk",
  actions: [noop],
  roles: { bench: { groups: ["bench"] } },
  grants: [{ to: "bench", verbs: ["view", "run"], on: { action: "noop_bulk" } }],
});

export interface BulkBenchResult {
  items: number;
  concurrency: number;
  singlePerSecond: number;
  batchPerSecond: number;
  ratio: number;
  rssMB: { before: number; after: number };
}

export async function measureBulk(
  db: BenchDatabase,
  options: { items: number; concurrency: number },
): Promise<BulkBenchResult> {
  const { items, concurrency } = options;
  const target = await db.another("bulk");
  const compiled = compileWorkspace(workspace);
  await prepareDatabase(target.url, migrationSourcesFor(compiled));
  const airlock = await createAirlock({
    config: loadConfig({ DATABASE_URL: target.url, AIRLOCK_DEMO: "0", AIRLOCK_WORKER_CONCURRENCY: "0" }),
    workspace: compiled,
    databaseUrl: target.url,
    log: createLogger({ level: "warn", destination: pino.destination({ dest: "/dev/null", sync: true }) }),
  });
  try {
    const pool = airlock.database.pool;
    const userId = await createBenchUser(pool);
    const principal = (await loadPrincipal(pool, userId))!;
    const { token } = await createApiToken(pool, { userId, name: "bulk", createdBy: userId });

    // Single inline actions, c callers, through the same control layer the batch's items take.
    let next = 0;
    const single0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= items) return;
          const result = await airlock.control.submit({
            channel: "api",
            principal,
            actionName: "noop_bulk",
            params: { id: `single-${i}` },
            idempotencyKey: null,
            reason: null,
            trace: null,
            client: { clientIp: null, userAgent: "bench" },
          });
          if (result.kind !== "run" || result.run.status !== "succeeded")
            throw new Error(`single inline action did not succeed: ${JSON.stringify(result)}`);
        }
      }),
    );
    const singlePerSecond = items / ((performance.now() - single0) / 1000);

    const post = async (path: string, body: unknown) => {
      const response = await airlock.app.request(path, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    const selection = {
      action: "noop_bulk",
      rows: Array.from({ length: items }, (_, i) => ({ id: `b${i}` })),
    };
    const preview = await post("/api/v1/bulk/preview", selection);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss / 1048576;
    const batch0 = performance.now();
    const started = await post("/api/v1/bulk/start", {
      ...selection,
      itemSetHash: preview.itemSetHash,
      concurrency,
    });
    const id = (started.batch as { id: string }).id;
    for (;;) {
      const { rows } = await pool.query<{ status: string }>(
        "SELECT status FROM airlock.bulk_batches WHERE id = $1",
        [id],
      );
      if (rows[0]!.status !== "running") {
        if (rows[0]!.status !== "succeeded") throw new Error(`the batch ended ${rows[0]!.status}`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const batchPerSecond = items / ((performance.now() - batch0) / 1000);
    global.gc?.();
    const rssAfter = process.memoryUsage().rss / 1048576;
    return {
      items,
      concurrency,
      singlePerSecond: round(singlePerSecond, 0),
      batchPerSecond: round(batchPerSecond, 0),
      ratio: round(batchPerSecond / singlePerSecond, 3),
      rssMB: { before: round(rssBefore, 1), after: round(rssAfter, 1) },
    };
  } finally {
    await airlock.close();
    await target.drop();
  }
}
