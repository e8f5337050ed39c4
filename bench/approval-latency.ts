// Approval decision → execution: the operator submits a gated no-op (202, pending_approval), the
// last reviewer needed approves over HTTP, and the run's `started_at` / `finished_at` are read from
// airlock.runs. The clock is the database's: the approve call's send time is moved onto it with an
// offset measured at the start (the smallest-round-trip sample of clock_timestamp()), so this also
// holds against a PostgreSQL on another host. One approval at a time, each after the previous run
// has finished, so what is measured is the path, not a queue. `started_at` / `finished_at` are
// `now()` of the transactions that start and finish the run (finished: the handler's transaction,
// before its commit). Two server-side splits, database times only: `decidedToStarted`, from the
// approval request's `decided_at` (the deciding transaction's start) to `started_at`, and
// `approvedToStarted`, from the `approval.approved` audit event (written last in the deciding
// transaction, just before its commit) to `started_at`: the hand-over to a worker.
import type pg from "pg";
import { ownerClient } from "../src/store/database.ts";
import { round, summarize } from "./lib/stats.ts";

export interface ApprovalLatency {
  action: string;
  quorum: number;
  n: number;
  /** Approve call sent → run started (ms). */
  toStarted: Percentiles;
  /** Approve call sent → run finished (ms). */
  toFinished: Percentiles;
  /** Approve call sent → its HTTP answer (ms). */
  approveCall: Percentiles;
  /** The request's decided_at → run started_at, both database times (ms). */
  decidedToStarted: Percentiles;
  /** The approval.approved audit event's occurred_at → run started_at (ms). */
  approvedToStarted: Percentiles;
  clockOffsetMs: number;
}

type Percentiles = { p50: number; p95: number; p99: number; max: number };

const POLL_MS = 5;
const RUN_TIMEOUT_MS = 15_000;

/** Wall-clock milliseconds with sub-millisecond resolution. */
const now = () => performance.timeOrigin + performance.now();

export async function measureApprovalLatency(
  server: { url: string; tokens: { operator: string; reviewer: string; reviewer2: string } },
  databaseUrl: string,
  options: { action: "gated" | "gated_quorum2"; count: number },
): Promise<ApprovalLatency> {
  const quorum = options.action === "gated_quorum2" ? 2 : 1;
  const db = await ownerClient(databaseUrl);
  try {
    const offset = await clockOffset(db);
    const call = async (path: string, token: string, body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as Record<string, unknown>;
      return { status: response.status, json };
    };

    // Submit every run first: the measured part is the approvals alone.
    const pending: { runId: string; approvalId: string }[] = [];
    const tag = Math.random().toString(36).slice(2, 8);
    for (let i = 0; i < options.count; i++) {
      const { status, json } = await call(
        `/api/v1/actions/${options.action}/runs`,
        server.tokens.operator,
        { params: { accountId: "acc_bench", amountCents: 1250 }, reason: "bench" },
        { "idempotency-key": `bench-approval-${tag}-${i}` },
      );
      if (status !== 202 || json.status !== "pending_approval" || typeof json.approvalRequestId !== "string")
        throw new Error(`submit ${options.action}: ${status} ${JSON.stringify(json)}`);
      pending.push({ runId: json.id as string, approvalId: json.approvalRequestId });
    }

    const toStarted: number[] = [];
    const toFinished: number[] = [];
    const approveCall: number[] = [];
    const decidedToStarted: number[] = [];
    const approvedToStarted: number[] = [];
    for (const { runId, approvalId } of pending) {
      // Quorum 2: the first approval is not measured; the second one releases the run.
      if (quorum === 2) {
        const first = await call(`/api/v1/approvals/${approvalId}/approve`, server.tokens.reviewer, {});
        if (first.status !== 200) throw new Error(`approve: ${first.status} ${JSON.stringify(first.json)}`);
      }
      const sentAt = now();
      const { status, json } = await call(
        `/api/v1/approvals/${approvalId}/approve`,
        quorum === 2 ? server.tokens.reviewer2 : server.tokens.reviewer,
        {},
      );
      approveCall.push(now() - sentAt);
      const approval = json.approval as { status?: string } | undefined;
      if (status !== 200 || approval?.status !== "approved")
        throw new Error(`approve: ${status} ${JSON.stringify(json)}`);
      const run = await waitFinished(db, runId);
      const sentDb = sentAt + offset;
      toStarted.push(run.started - sentDb);
      toFinished.push(run.finished - sentDb);
      decidedToStarted.push(run.started - run.decided);
      approvedToStarted.push(run.started - run.approved);
    }
    return {
      action: options.action,
      quorum,
      n: pending.length,
      toStarted: percentiles(toStarted),
      toFinished: percentiles(toFinished),
      approveCall: percentiles(approveCall),
      decidedToStarted: percentiles(decidedToStarted),
      approvedToStarted: percentiles(approvedToStarted),
      clockOffsetMs: round(offset, 3),
    };
  } finally {
    await db.end();
  }
}

function percentiles(samples: number[]): Percentiles {
  const s = summarize(samples);
  return { p50: round(s.p50, 2), p95: round(s.p95, 2), p99: round(s.p99, 2), max: round(s.max, 2) };
}

/** Database clock minus this process's clock (ms), from the sample with the smallest round trip. */
async function clockOffset(db: pg.Client): Promise<number> {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 20; i++) {
    const before = now();
    const result = await db.query("SELECT extract(epoch FROM clock_timestamp())::float8 * 1000 AS ms");
    const after = now();
    const rtt = after - before;
    if (rtt < best.rtt) best = { rtt, offset: Number(result.rows[0].ms) - (before + after) / 2 };
  }
  return best.offset;
}

async function waitFinished(
  db: pg.Client,
  runId: string,
): Promise<{ started: number; finished: number; decided: number; approved: number }> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    const result = await db.query(
      `SELECT r.status, extract(epoch FROM r.started_at)::float8 * 1000 AS started,
              extract(epoch FROM r.finished_at)::float8 * 1000 AS finished,
              extract(epoch FROM a.decided_at)::float8 * 1000 AS decided,
              (SELECT extract(epoch FROM max(e.occurred_at))::float8 * 1000 FROM airlock.audit_events e
                WHERE e.run_id = r.id AND e.type = 'approval.approved') AS approved
         FROM airlock.runs r JOIN airlock.approval_requests a ON a.run_id = r.id
        WHERE r.id = $1`,
      [runId],
    );
    const row = result.rows[0];
    if (row?.finished !== null && row?.finished !== undefined) {
      if (row.status !== "succeeded") throw new Error(`run ${runId} ended ${row.status}`);
      return {
        started: Number(row.started),
        finished: Number(row.finished),
        decided: Number(row.decided),
        approved: Number(row.approved),
      };
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish within ${RUN_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
