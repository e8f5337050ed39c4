import type { z } from "zod";
import type { ResourceHandle } from "./define-resource.ts";
import { withDefinitionSource } from "./definition-source.ts";
import type { Duration } from "./duration.ts";

export type Risk = "low" | "medium" | "high" | "critical";

/** The object an action affects, e.g. `{ type: "account", id: "acc_123" }`. */
export interface Target {
  type: string;
  id: string;
}

export interface Actor {
  id: string;
  kind: "human" | "service";
  name: string;
  email: string | null;
}

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/**
 * The workspace database, inside the run's transaction: what the handler writes commits together
 * with the run's final state and its audit event, or not at all. Parameterized SQL only.
 */
export interface ActionDatabase {
  query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<QueryResult<R>>;
}

export interface HandlerContext {
  runId: string;
  requestId: string;
  actor: Actor;
  /**
   * The run's idempotency key, made unique across actors (`<actor id>:<key>`), so it can be a
   * unique domain reference (a ledger entry's) or be passed to downstream APIs as their key.
   * Retries of the same request (same client key) get the same value.
   */
  idempotencyKey: string;
  /** The requester's reason for the run (required for actions with `reasonRequired`), or null. */
  reason: string | null;
  /** 1 for the first execution; higher only for actions declared `retry: "safe"`. */
  attempt: number;
  log: Logger;
  db: ActionDatabase;
  /** Record the target's state before and after the change; both go to the audit event. */
  snapshot: { before(value: unknown): void; after(value: unknown): void };
  /** Aborted when the action's timeout passes. */
  signal: AbortSignal;
  /** `fetch` that sends the request ID (`X-Request-Id`, `traceparent`) and honours the timeout. */
  fetch: typeof fetch;
  /**
   * The workspace's resources by name: their calls carry the request ID (and, over HTTP, the
   * idempotency key on non-GET requests); their credentials never reach the handler.
   */
  resources: Readonly<Record<string, ResourceHandle>>;
}

/** What a policy's `when` sees besides the parameters. */
export interface PolicyContext {
  actor: Actor;
  /** Names of the groups the requester belongs to. */
  groups: readonly string[];
}

/**
 * An approval policy attached to an action. `when` returns true (or a reason string) when a run
 * needs approval. In `monitor` mode a matching run goes ahead and the match is recorded.
 */
export interface ApprovalPolicy<P = Record<string, unknown>> {
  /** Stable name, unique within the action; defaults to `<action>.approval` (or `.approval.<n>`). */
  name?: string;
  description?: string;
  when?: (params: P, ctx: PolicyContext) => boolean | string;
  reviewers: { groups?: string[]; users?: string[] };
  /** Distinct humans who must approve. Default 1. */
  quorum?: number;
  /** How long the request stays open. Default "24h". */
  expiresIn?: Duration;
  mode?: "enforce" | "monitor";
  /**
   * Let the requester narrow the reviewers to named people or groups among this policy's eligible
   * reviewers (never outside them; the quorum must stay reachable). Off by default.
   * @example approval: { reviewers: { groups: ["support-managers"] }, requesterChoosesReviewers: true }
   */
  requesterChoosesReviewers?: boolean;
}

/**
 * What a SQL or HTTP action sends to its resource (set by `defineSqlAction` / `defineHttpAction`):
 * checked against the workspace's resources at start, and part of the action's version.
 */
export type ResourceUse =
  | {
      kind: "sql";
      resource: string;
      text: string;
      write: boolean;
      maxRows: number;
      statementTimeoutMs: number;
    }
  | { kind: "http"; resource: string; method: string; path: string };

export interface ActionLimits {
  concurrency?: number;
  perMinute?: number;
  perActor?: number;
  /**
   * What a run over `perMinute` or `perActor` meets: `refuse` (default) answers 429 with
   * `Retry-After`; `queue` accepts it (202, `queued`) and executes it once the window has room.
   * `queue` needs `execution: "queued"`.
   */
  whenFull?: "refuse" | "queue";
}

/** What a batch's own policy sees: the item set as previewed. */
export interface BatchSummary {
  count: number;
  /** Sum of the items' amounts per currency (minor units), from `bulk.amount`. */
  totals: Readonly<Record<string, number>>;
}

/**
 * An action that may run over many items as one governed batch: previewed, approved once (bound
 * to the hash of the item set), then each item executed as its own run.
 */
export interface BulkOptions<P = Record<string, unknown>> {
  /** Largest item set accepted; a larger one is refused before preview. */
  maxItems: number;
  /** One selected row (of a lookup's result, or a CSV line) → the item's parameters. */
  paramsFrom: (row: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  /** The item's amount in minor units and its currency, for the preview's totals. */
  amount?: (params: P) => { amount: number; currency: string } | null;
  /**
   * The batch's own policy: when it applies, a second person approves the whole batch (once).
   * Without it, a batch needs approval when any item would need one under the action's policies.
   */
  approval?: {
    when: (batch: BatchSummary) => boolean | string;
    reviewers: { groups?: string[]; users?: string[] };
    quorum?: number;
    expiresIn?: Duration;
    /**
     * The requester may narrow the batch's reviewers to named people or groups among these
     * reviewers when starting it (as `requesterChoosesReviewers` on an action's policy). Default false.
     */
    requesterChoosesReviewers?: boolean;
  };
  /** Items run at once. Default 4. */
  concurrency?: number;
  /** Stop the batch after this many failures in a row (default 10), or above this failure rate (0–1) once 20 items ended. */
  stopAfter?: { consecutiveFailures?: number; failureRate?: number };
}

export interface ActionDefinition<P extends z.ZodObject = z.ZodObject, O = unknown> {
  /** snake_case, unique in the workspace: `issue_credit`. */
  name: string;
  title: string;
  description?: string;
  tags?: string[];
  risk?: Risk;
  params: P;
  /** Schema of the result; its `.meta({ pii })` fields are masked everywhere. */
  output?: z.ZodType<O>;
  target?: (params: z.infer<P>) => Target | null;
  approval?: ApprovalPolicy<z.infer<P>> | ApprovalPolicy<z.infer<P>>[];
  /** The requester must give a reason (sensitive actions). */
  reasonRequired?: boolean;
  /** Handler time limit. Default "30s". */
  timeout?: Duration;
  /**
   * `safe`: a run interrupted by a dead worker is executed again (the handler is idempotent).
   * `never` (default): an interrupted run fails with `run.interrupted` and is not re-executed.
   */
  retry?: "safe" | "never";
  /**
   * `queued` (default): the run is recorded, enqueued on the engine and executed by a worker.
   * `inline`: the handler runs in the request's own transaction — effects, run and audit commit
   * together or not at all; for short actions whose effects are all in the database.
   */
  execution?: "queued" | "inline";
  /**
   * Limits shared by every Airlock process on the database (docs/resources.md, "Limits"):
   * `concurrency` runs executing at once (an inline run over it is refused, a queued one waits in
   * the queue), `perMinute` runs admitted in any 60 s, `perActor` runs admitted per person in any
   * 60 s. A run over a rate is refused with `request.rate_limited` and `Retry-After`, or, with
   * `whenFull: "queue"`, waits in the queue until the window has room.
   *
   * @example
   * limits: { concurrency: 2, perMinute: 60, perActor: 10 }
   */
  limits?: ActionLimits;
  /** Set by defineSqlAction / defineHttpAction. */
  uses?: ResourceUse;
  /** Allows running the action over many items as one batch (see `BulkOptions`). */
  bulk?: BulkOptions<z.infer<P>>;
  /** The target's current state, shown to reviewers of an approval request. */
  describe?: (target: Target, ctx: { db: ActionDatabase }) => Promise<unknown>;
  handler: (params: z.infer<P>, ctx: HandlerContext) => Promise<O> | O;
}

export interface Action<P extends z.ZodObject = z.ZodObject, O = unknown> extends ActionDefinition<P, O> {
  readonly kind: "action";
}

export type AnyAction = Action<z.ZodObject, unknown>;

/**
 * Define an action: one named operation with typed parameters, a target, a risk level and a
 * handler. Returns a plain frozen value; nothing is registered until the workspace lists it.
 *
 * @example
 * export const issueCredit = defineAction({
 *   name: "issue_credit",
 *   title: "Issue a credit",
 *   params: z.object({ accountId: z.string(), amountCents: z.number().int().positive() }),
 *   target: (p) => ({ type: "account", id: p.accountId }),
 *   async handler(p, ctx) { ... },
 * });
 */
export function defineAction<P extends z.ZodObject, O = unknown>(
  definition: ActionDefinition<P, O>,
): Action<P, O> {
  return Object.freeze(withDefinitionSource({ ...definition, kind: "action" as const }, defineAction));
}
