// Queued single actions (`--only queued`): how long a queued run waits for a worker, and how many
// queued runs a server finishes beside the inline rate measured in the same rounds.
//
// Enqueue → handler start: the run's `queued_at` (the database's clock, the start of the
// transaction that created the run and its job) to the first line of the handler (the server's
// clock: the bench workspace's `noop_queued` returns `performance.timeOrigin + performance.now()`
// as `handlerStartedAt`). Both clocks are this machine's; each run is one request at a time (c = 1)
// and the figures come from the rows, not from the client.
import pg from "pg";
import { type LoadResult, measureGovernedAction } from "./governed-http.ts";
import { summarize } from "./lib/stats.ts";

export interface QueuedFigures {
  /** Sequential queued runs: enqueue → handler start, → started_at (the worker's first write), → response. */
  latency: {
    n: number;
    toHandler: ReturnType<typeof summarize>;
    toStartedAt: ReturnType<typeof summarize>;
    request: ReturnType<typeof summarize>;
  };
  /** Per concurrency, inline and queued runs alternated in each round. */
  throughput: { concurrency: number; inline: LoadResult[]; queued: LoadResult[] }[];
}

export async function measureQueued(
  server: { url: string; tokens: { operator: string } },
  databaseUrl: string,
  options: { rounds: number; seconds: number; count: number; concurrencies: number[] },
): Promise<QueuedFigures> {
  const latency = await measureEnqueueToStart(server, databaseUrl, options.count);
  const throughput: QueuedFigures["throughput"] = [];
  for (const c of options.concurrencies) {
    const row = { concurrency: c, inline: [] as LoadResult[], queued: [] as LoadResult[] };
    for (let r = 0; r < options.rounds; r++) {
      const target = { url: server.url, token: server.tokens.operator };
      row.inline.push(await measureGovernedAction(target, "noop_inline", c, options.seconds));
      row.queued.push(await measureGovernedAction(target, "noop_queued", c, options.seconds));
    }
    throughput.push(row);
  }
  return { latency, throughput };
}

async function measureEnqueueToStart(
  server: { url: string; tokens: { operator: string } },
  databaseUrl: string,
  count: number,
) {
  const warmUp = 20;
  const runIds: string[] = [];
  const request: number[] = [];
  for (let i = 0; i < warmUp + count; i++) {
    const started = performance.now();
    const response = await fetch(`${server.url}/api/v1/actions/noop_queued/runs`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${server.tokens.operator}`,
        "content-type": "application/json",
        "idempotency-key": `bench-queued-${process.pid}-${i}-${Date.now()}`,
      },
      body: JSON.stringify({ params: { accountId: "acc_bench", amountCents: 1250 } }),
    });
    const run = (await response.json()) as { id: string; status: string };
    const elapsed = performance.now() - started;
    if (response.status !== 200 || run.status !== "succeeded")
      throw new Error(`queued bench run answered ${response.status}: ${JSON.stringify(run)}`);
    if (i >= warmUp) {
      runIds.push(run.id);
      request.push(elapsed);
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = await client.query<{ queued: number; started: number; handler: number }>(
      `SELECT extract(epoch FROM queued_at) * 1000 AS queued,
              extract(epoch FROM started_at) * 1000 AS started,
              (result ->> 'handlerStartedAt')::float8 AS handler
         FROM airlock.runs WHERE id = ANY($1)`,
      [runIds],
    );
    if (rows.rows.length !== runIds.length) throw new Error("queued bench: runs missing from the database");
    return {
      n: rows.rows.length,
      toHandler: summarize(rows.rows.map((r) => Number(r.handler) - Number(r.queued))),
      toStartedAt: summarize(rows.rows.map((r) => Number(r.started) - Number(r.queued))),
      request: summarize(request),
    };
  } finally {
    await client.end();
  }
}
