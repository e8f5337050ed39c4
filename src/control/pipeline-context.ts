// What flows through the control pipeline, and how a run through it ends. The context grows as
// the run moves: each stage takes the context the stage before it made and passes a richer one on
// (or ends the run with an outcome), so a stage can read only what every run reaching it has —
// `validate` has an authorized principal, `record` has a transaction and what `execute` did.
import type pg from "pg";
import type { ChosenReviewers, ReviewerChoiceInput } from "../approval/reviewer-choice.ts";
import type { ClientInfo } from "../audit/audit-event.ts";
import type { HeldSlot } from "../engine/held-job.ts";
import type { AirlockError } from "../errors/airlock-error.ts";
import type { Decision } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import type { TraceContext } from "../observe/request-id.ts";
import type { RunStatus } from "../runs/run-status.ts";
import type { NewRun, RunRow } from "../runs/run-store.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction, CompiledPolicy } from "../workspace/compile-workspace.ts";
import type { ControlDeps } from "./control-deps.ts";
import type { HandlerOutcome } from "./run-handler.ts";

export type Channel = "api" | "web" | "cli" | "slack" | "schedule" | "runbook" | "bulk";

/** A request to run an action, from any entry point. */
export interface RunRequest {
  channel: Channel;
  /** Resolved by the entry point's authentication (session, token or service identity). */
  principal: Principal | null;
  actionName: string;
  params: unknown;
  idempotencyKey: string | null;
  reason: string | null;
  trace: TraceContext | null;
  client: ClientInfo;
  onBehalfOf?: string | null;
  /** Set by runbooks and schedules: the request this one was made on behalf of. */
  parentRequestId?: string | null;
  /**
   * An approved request that already covers this run (a bulk batch's, checked by its runner):
   * the action's own policies do not hold the run again, and the run names that approval. Set
   * server side only, never from a client's input.
   */
  coveredBy?: { approvalRequestId: string } | null;
  /**
   * The reviewers the requester narrows the approval to, if the run is held and its policies allow
   * it (approval/reviewer-choice.ts): people by id or email, groups by name.
   */
  reviewers?: ReviewerChoiceInput | null;
  /**
   * The caller's own rows that say where this run stands (a runbook's action step), written in the
   * run's transaction with its record, so they commit with the run or not at all. Called once the
   * run is recorded (not on a refusal or a replay), with the status it commits in; it must issue
   * its statements before its first await (they share the COMMIT's write). Set server side only.
   */
  recordWith?: ((db: Queryable, run: RecordedRun) => Promise<unknown>) | null;
  /**
   * An inline run's key claim is confirmed with its record, not awaited before its handler: one
   * round trip fewer. While another transaction holds the key, the handler then starts anyway
   * (its statements wait behind the claim, and roll back with it; its calls to other systems
   * carry the key), so only for a caller whose key nothing but a second execution of the same work
   * can hold (a runbook's action step). Set server side only.
   */
  claimWithRecord?: boolean;
  /**
   * A slot of this process's workers, reserved by the submit for a queued run it will execute
   * itself once committed (control.ts): its job is sent held for this process. Used only by a
   * queued run without a concurrency limit or a queueing rate (those wait their turn on the
   * queue). Set server side only.
   */
  localSlot?: LocalStart | null;
}

/** A worker slot of this process for a queued run it executes itself, and who started the run. */
export interface LocalStart {
  slot: HeldSlot;
  /** Set by `execute` as it sends the run: the principal the run was decided on. */
  startedBy: Principal | null;
}

/** A run as its transaction commits it: what a `recordWith` caller needs to know of it. */
export interface RecordedRun {
  id: string;
  status: RunStatus;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface PolicyMatch {
  policy: CompiledPolicy;
  /** Why it applied: `true`, or the reason string returned by `when`. */
  because: string | null;
}

// The contexts, in the order the stages make them.

export interface Submitted {
  request: RunRequest;
  deps: ControlDeps;
}
export interface Authenticated extends Submitted {
  principal: Principal;
}
export interface Resolved extends Authenticated {
  action: CompiledAction;
}
export interface Identified extends Resolved {
  /** The run's request ID: the inbound one, or a new one. */
  requestId: string;
}
export interface Authorized extends Identified {
  /** The grant that allowed `run`, for the audit. */
  authorizedBy: { grant: Decision["grant"]; roles: string[] };
}
export interface Validated extends Authorized {
  params: Record<string, unknown>;
}
export interface Keyed extends Validated {
  idempotencyKey: string;
  paramsHash: string;
}
export interface Gated extends Keyed {
  /** Policies in enforce mode that apply: the run waits for approval. */
  enforced: PolicyMatch[];
  /** Policies in monitor mode that apply: recorded, not blocking. */
  monitored: PolicyMatch[];
  /** The reviewers the requester picked, checked against the enforced policies; null: all eligible. */
  chosenReviewers: ChosenReviewers | null;
}
export interface InTransaction extends Gated {
  tx: RunTransaction;
}
/** What `execute` did, in the run's transaction. */
export type Executed = InTransaction &
  (
    | { execution: "held"; run: RunRow; approvalExpiresAt: Date }
    /**
     * A queued run's row as its insert answers (sent ahead of the record: it may still be on its
     * way); `startedHere`: created started, for this process to execute once committed.
     */
    | { execution: "queued"; newRun: NewRun; created: Promise<RunRow>; startedHere: boolean }
    /** An inline run's row does not exist yet: `record` writes it, once, in its final state. */
    | { execution: "inline"; newRun: NewRun; outcome: HandlerOutcome }
  );

/**
 * The run's transaction as the stages inside it see it. Only the `transaction` stage commits or
 * rolls it back; BEGIN goes out with the first statements (one socket write, one round trip).
 */
export interface RunTransaction {
  /** Sends BEGIN and `first`'s statements in one write; resolves to their results. */
  begin<T extends readonly unknown[]>(
    first: (client: pg.PoolClient) => T,
  ): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }>;
  /**
   * Sends BEGIN and `first`'s statements in one write and goes on without their answer: the
   * `transaction` stage settles them with the record's write, or when a later statement fails.
   * If they failed, `failed` gives the run's outcome in place of whatever followed (the
   * transaction rolls back). A cached principal's credentials are checked in the same write, and
   * fail the transaction if they changed.
   */
  beginAhead(first: (client: pg.PoolClient) => Promise<unknown>, failed: (error: unknown) => Outcome): void;
  /** The transaction's connection, once begun. */
  readonly client: pg.PoolClient;
}

// How a run through the pipeline ends.

/** An expected refusal: a catalogued error, nothing of the run kept but its audit. */
export interface Refused {
  kind: "refused";
  error: AirlockError;
  requestId: string;
}
/** The run as created, finished or replayed. */
export interface Answered {
  kind: "run";
  run: RunRow;
  replayed: boolean;
  requestId: string;
}
/** Inside only: `execute` found the key claimed by a committed run; `idempotency` answers it. */
export interface KeyTaken {
  kind: "key_taken";
  /** The reviewers this request picked (as checked by `approvalPolicy`): part of what a replay must repeat. */
  chosenReviewers: ChosenReviewers | null;
}
/** Inside only: what `record` writes; the `transaction` stage sends it in one write with COMMIT. */
export interface Recorded {
  kind: "recorded";
  /** Issues its statements synchronously (so they share the COMMIT's write); the run's row. */
  write(client: pg.PoolClient): Promise<RunRow>;
}
export type Outcome = Refused | Answered | KeyTaken | Recorded;

export type Next<Out> = (ctx: Out) => Promise<Outcome>;
/** A stage passes a richer context to `next`, or ends the run with an outcome of its own. */
export type Stage<In, Out> = (ctx: In, next: Next<Out>) => Promise<Outcome>;

export function refuse(ctx: Submitted & { requestId?: string }, error: AirlockError): Refused {
  // Before the request-ID stage, a refusal carries the inbound ID (or none).
  return { kind: "refused", error, requestId: ctx.requestId ?? ctx.request.trace?.requestId ?? "" };
}
