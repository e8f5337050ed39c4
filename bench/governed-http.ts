// A governed action over HTTP, end to end: token auth, grants, zod validation, policy check, an
// idempotency key per request, the run row and its audit events, committed. The server runs in
// its own process (bench/server.ts), the load generator in another (bench/load.ts).
import { join } from "node:path";
import { runChild } from "./lib/child.ts";

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** The load generator's own CPU time. */
  cpuSeconds?: number;
}

export async function measureGovernedAction(
  server: { url: string; token: string },
  action: string,
  connections: number,
  seconds: number,
  amount?: number,
): Promise<LoadResult> {
  const out = await runChild(join(import.meta.dirname, "load.ts"), [
    JSON.stringify({
      url: `${server.url}/api/v1/actions/${action}/runs`,
      connections,
      seconds,
      ...(amount ? { amount } : {}),
      method: "POST",
      headers: {
        authorization: `Bearer ${server.token}`,
        "content-type": "application/json",
        "idempotency-key": "bench-[<id>]",
      },
      body: JSON.stringify({ params: { accountId: "acc_bench", amountCents: 1250 } }),
    }),
  ]);
  return JSON.parse(out.trim().split("\n").pop()!) as LoadResult;
}
