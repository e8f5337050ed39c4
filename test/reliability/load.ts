// A client as a careful integrator writes one: every credit carries an idempotency key and its own
// request ID; an answer that is not an acknowledgement (503, or no answer) is retried with the same
// key until it is acknowledged. Every attempt is recorded, so the tests can check what each one
// got back, and afterwards, in the database, that each key had exactly one effect.
import { sleep } from "./cluster.ts";

export interface Credit {
  key: string;
  action: "credit_inline" | "credit_queued";
  account: string;
  amount: number;
  holdMs?: number;
}

export interface Attempt {
  what: "submit" | "approve";
  key: string;
  requestId: string;
  server: string;
  sentAt: number;
  receivedAt: number;
  /** HTTP status, or 0 when the connection failed or was reset (no answer at all). */
  status: number;
  code: string | null;
  bodyRequestId: string | null;
  headerRequestId: string | null;
  failure: string | null;
}

export interface Acknowledged {
  key: string;
  runId: string;
  status: string;
  approvalRequestId: string | null;
}

export class CreditLoad {
  readonly attempts: Attempt[] = [];
  readonly acknowledged = new Map<string, Acknowledged>();
  readonly approved = new Set<string>();
  private readonly servers: () => string[];
  private readonly operator: Record<string, string>;
  private readonly manager: Record<string, string>;
  private readonly deadline: number;
  private turn = 0;

  constructor(options: {
    servers: () => string[];
    operator: Record<string, string>;
    manager: Record<string, string>;
    deadline: number;
  }) {
    this.servers = options.servers;
    this.operator = options.operator;
    this.manager = options.manager;
    this.deadline = options.deadline;
  }

  /** Submits until acknowledged (200/202); approves it when it waits for approval. */
  async credit(credit: Credit): Promise<void> {
    const body = {
      params: { account: credit.account, amount: credit.amount, holdMs: credit.holdMs ?? 0 },
    };
    const answer = await this.untilAcknowledged("submit", credit.key, (requestId) => ({
      path: `/api/v1/actions/${credit.action}/runs`,
      headers: { ...this.operator, "idempotency-key": credit.key, "x-request-id": requestId },
      body,
    }));
    const run = answer as { id: string; status: string; approvalRequestId: string | null };
    this.acknowledged.set(credit.key, {
      key: credit.key,
      runId: run.id,
      status: run.status,
      approvalRequestId: run.approvalRequestId,
    });
    if (run.status === "pending_approval" && run.approvalRequestId)
      await this.approve(credit.key, run.approvalRequestId);
  }

  private async approve(key: string, approvalRequestId: string): Promise<void> {
    await this.untilAcknowledged(
      "approve",
      key,
      (requestId) => ({
        path: `/api/v1/approvals/${approvalRequestId}/approve`,
        headers: { ...this.manager, "x-request-id": requestId },
        body: { reason: "reliability test" },
      }),
      // An approval that committed but whose answer was lost: the retry finds it decided.
      (status, code) =>
        status === 409 && (code === "approval.not_pending" || code === "approval.already_decided"),
    );
    this.approved.add(key);
  }

  private async untilAcknowledged(
    what: Attempt["what"],
    key: string,
    build: (requestId: string) => { path: string; headers: Record<string, string>; body: unknown },
    alsoDone: (status: number, code: string | null) => boolean = () => false,
  ): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const servers = this.servers();
      const server = servers[this.turn++ % servers.length]!;
      const requestId = `rel-${what}-${key}-${attempt}`;
      const request = build(requestId);
      const sentAt = Date.now();
      const record: Attempt = {
        what,
        key,
        requestId,
        server,
        sentAt,
        receivedAt: 0,
        status: 0,
        code: null,
        bodyRequestId: null,
        headerRequestId: null,
        failure: null,
      };
      let body: unknown = null;
      try {
        const res = await fetch(`${server}${request.path}`, {
          method: "POST",
          headers: request.headers,
          body: JSON.stringify(request.body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        record.status = res.status;
        record.headerRequestId = res.headers.get("x-request-id");
        body = text ? JSON.parse(text) : null;
        const error = (body as { error?: { code?: string; requestId?: string } } | null)?.error;
        record.code = error?.code ?? null;
        record.bodyRequestId = error?.requestId ?? null;
      } catch (error) {
        record.failure = (error as Error).message;
      }
      record.receivedAt = Date.now();
      this.attempts.push(record);
      if (record.status === 200 || record.status === 202) return body;
      if (alsoDone(record.status, record.code)) return body;
      // Only "try again" answers are retried; anything else is a finding for the test. A retry
      // whose first attempt committed but lost its answer finds its run still queued or running:
      // 409 idempotency.in_progress, and later the replay.
      const again = record.status === 503 || record.status === 0 || record.code === "idempotency.in_progress";
      if (!again) return body;
      if (Date.now() > this.deadline) throw new Error(`${what} ${key} not acknowledged before the deadline`);
      await sleep(150 + Math.floor(Math.random() * 150));
    }
  }
}

/** Runs `jobs` on `clients` concurrent loops, each pausing `pauseMs` between its credits. */
export async function runClients(
  credits: Credit[],
  clients: number,
  pauseMs: number,
  send: (credit: Credit) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < credits.length) {
        const credit = credits[next++]!;
        await send(credit);
        await sleep(pauseMs);
      }
    }),
  );
}

/** A fixed mix: inline and queued credits, every `gatedEvery`-th one large enough to need approval. */
export function creditMix(prefix: string, count: number, gatedEvery: number): Credit[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}-${String(i).padStart(4, "0")}`,
    action: i % 2 === 0 ? "credit_inline" : "credit_queued",
    account: `acc_${i % 7}`,
    amount: i % gatedEvery === gatedEvery - 1 ? 900_00 + i : 100 + i,
  }));
}
