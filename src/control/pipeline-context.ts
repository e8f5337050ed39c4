// What flows through the control pipeline. Stages read what earlier stages established and add
// their own part; a stage that refuses returns an AirlockError and the run ends there.
import type pg from "pg";
import type { ClientInfo } from "../audit/audit-event.ts";
import type { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import type { TraceContext } from "../observe/request-id.ts";
import type { NewRun, RunRow } from "../runs/run-store.ts";
import type { CompiledAction, CompiledPolicy } from "../workspace/compile-workspace.ts";
import type { ControlDeps } from "./control-deps.ts";
import type { HandlerOutcome } from "./run-handler.ts";

export type Channel = "api" | "web" | "cli" | "slack" | "schedule" | "runbook";

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
}

export interface PolicyMatch {
  policy: CompiledPolicy;
  /** Why it applied: `true`, or the reason string returned by `when`. */
  because: string | null;
}

export interface PipelineContext {
  request: RunRequest;
  deps: ControlDeps;
  requestId: string;
  principal?: Principal;
  action?: CompiledAction;
  /** The grant that allowed `run`. */
  authorizedBy?: unknown;
  params?: Record<string, unknown>;
  paramsHash?: string;
  idempotencyKey?: string;
  /** Policies in enforce mode that apply: the run waits for approval. */
  enforced?: PolicyMatch[];
  /** Policies in monitor mode that apply: recorded, not blocking. */
  monitored?: PolicyMatch[];
  runId?: string;
  /** The transaction that creates the run and records it (opened by execute, closed by record). */
  tx?: pg.PoolClient;
  /** The run's final state once recorded. */
  run?: RunRow;
  /** An inline run between execute and record: its row is written once, by record, when it ends. */
  inlineRun?: NewRun;
  /** A replay of an earlier run with the same idempotency key. */
  replayed?: RunRow;
  /** Set by execute for inline runs: what the handler did. */
  outcome?: HandlerOutcome;
  approvalExpiresAt?: Date;
}

export type StageResult = { next: true } | { refuse: AirlockError } | { done: true };

export interface Stage {
  name: string;
  run(ctx: PipelineContext): Promise<StageResult>;
}

export const NEXT: StageResult = { next: true };
