import type { z } from "zod";
import type { Actor } from "./define-action.ts";
import type { Duration } from "./duration.ts";

/** Who answers a human step: the members of a group, or one user (by email). */
export type Assignee = { group: string } | { user: string };

export interface InputOptions {
  /** The step's name, unique within the runbook (default `input`, then `input_2`, …). */
  step?: string;
  assignee: Assignee;
  /** What the person is asked, shown in the inbox and on the runbook's page. */
  title: string;
  /** After this the step fails and so does the runbook. Default 24 h. */
  expiresIn?: Duration;
}

export interface ApproveOptions {
  /** The step's name, unique within the runbook (default `approval`, then `approval_2`, …). */
  step?: string;
  /**
   * Who may approve: members of these groups and these users (by email). They also need
   * `approve` on the runbook. The runbook's starter never counts, even if listed.
   */
  reviewers: { groups?: string[]; users?: string[] };
  /** Why the runbook asks, shown to the reviewers (free text is scrubbed of PII). */
  reason: string;
  /** Distinct approvals needed. Default 1. */
  quorum?: number;
  /** Undecided by then, the gate expires and the runbook fails. Default 24 h. */
  expiresIn?: Duration;
  /**
   * The starter may narrow the gate's reviewers to named people or groups among these reviewers
   * when starting the runbook (`gateReviewers`, by the gate's step name). Default false.
   */
  requesterChoosesReviewers?: boolean;
}

/** What an approved gate returns. */
export interface GateApproval {
  approvalRequestId: string;
  /** Ids of the people who approved, in order. */
  approvedBy: string[];
}

/**
 * What a runbook's function works with. Every method is a durable step: after a crash the
 * runbook resumes where it was, steps already done are not done again (their recorded outputs
 * are returned), and the step that was interrupted runs again — an action step with the same
 * idempotency key, so its effect happens once.
 */
export interface RunbookContext {
  /** The runbook run's id (`rbr_…`). */
  readonly runbookRunId: string;
  /** Who started the runbook: every action step runs as this actor, through the control layer. */
  readonly actor: Actor;
  /**
   * Run a workspace action as a step, through the whole control layer (grants of the runbook's
   * actor, validation, approval policies, idempotency, audit). A run held for approval waits for
   * its decision in the inbox. Returns the run's result; a failed, rejected or expired run fails
   * the step (and the runbook, which can then be retried from this step).
   *
   * `approval`: a gate of this runbook run, approved (what `rb.approve` returned). The step then
   * runs under that approval: the action's own policies do not hold it a second time, and its run
   * names the gate's request. For an action whose policy asks for the same reviewers as the gate
   * (a direct run is held; through the runbook the gate is the approval). Checked server side:
   * a request that is not this run's approved gate fails the step.
   *
   * @example
   * const gate = await rb.approve({ reviewers: { groups: ["ops"] }, reason: "New fee" });
   * await rb.run("set_plan_fee", { plan, monthlyFeeCents }, { approval: gate });
   */
  run<R = unknown>(
    action: string,
    params: Record<string, unknown>,
    options?: { step?: string; approval?: GateApproval },
  ): Promise<R>;
  /** A computation whose result is recorded: after a crash it is not computed again. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** A human step: waits until the assignee answers the form (a zod object) in the UI, API or CLI. */
  input<S extends z.ZodObject>(form: S, options: InputOptions): Promise<z.output<S>>;
  /**
   * An approval gate: waits until the reviewers approve, decided like any approval request (in
   * the UI, API or CLI; quorum of distinct people; never by the runbook's starter). A rejection,
   * a withdrawal or an expiry fails the step (and the runbook, which can be retried from it).
   */
  approve(options: ApproveOptions): Promise<GateApproval>;
  /** Wait, durably (a restart does not start the wait again). */
  sleep(duration: Duration, options?: { step?: string }): Promise<void>;
  /** Wait until a time, durably. */
  waitUntil(at: Date, options?: { step?: string }): Promise<void>;
  /** A line in the runbook's log (shown on its page). Free text is scrubbed of PII. */
  log(message: string): Promise<void>;
  /** Progress shown on the runbook's page. */
  progress(done: number, total: number, label?: string): Promise<void>;
}

export interface RunbookDefinition<P extends z.ZodObject = z.ZodObject> {
  /** Stable identifier (`fraud_review`), unique among actions and runbooks. */
  name: string;
  title: string;
  description?: string;
  /** Bumped when the steps change; recorded with each runbook run. Default `1`. */
  version?: string;
  tags?: string[];
  params: P;
  /**
   * The actions the runbook runs. Checked at load (each must exist) and at start (the starter
   * must hold `run` on each), so a runbook that could not finish is refused before it begins.
   */
  uses: string[];
  handler(rb: RunbookContext, params: z.output<P>): Promise<unknown>;
}

export interface Runbook<P extends z.ZodObject = z.ZodObject> extends RunbookDefinition<P> {
  readonly kind: "runbook";
}

// biome-ignore lint/suspicious/noExplicitAny: a list of runbooks of any parameter shape
export type AnyRunbook = Runbook<any>;

/**
 * A durable multi-step procedure: action steps through the control layer, human steps, sleeps.
 * List it in `defineWorkspace({ runbooks: [...] })`; grant it like an action
 * (`{ to: "risk", verbs: ["view", "run"], on: { runbook: "fraud_review" } }`).
 *
 * @example
 * export const fraudReview = defineRunbook({
 *   name: "fraud_review",
 *   title: "Review flagged transactions",
 *   params: z.object({ accountId: z.string() }),
 *   uses: ["list_flagged_transactions", "confirm_fraud_flag"],
 *   async handler(rb, { accountId }) {
 *     const flagged = await rb.run("list_flagged_transactions", { accountId });
 *     const { decision } = await rb.input(z.object({ decision: z.enum(["clear", "confirm"]) }), {
 *       assignee: { group: "risk-analysts" },
 *       title: `Decide on ${accountId}`,
 *     });
 *     if (decision === "confirm") await rb.run("confirm_fraud_flag", { accountId });
 *   },
 * });
 */
export function defineRunbook<P extends z.ZodObject>(definition: RunbookDefinition<P>): Runbook<P> {
  return Object.freeze({ ...definition, kind: "runbook" as const });
}
