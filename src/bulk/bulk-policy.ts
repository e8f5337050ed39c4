// Whether a batch needs a second person, and who. Two sources, both decided on the whole item set
// before anything runs: the batch's own policy (`bulk.approval`, e.g. more than 100 items or a
// total above $5,000), and the action's per-item policies — if any item would be held for
// approval on its own, the batch is held once instead, by those policies' reviewers. Once the
// batch is approved its items run under that one approval (never N separate requests).
import type { PolicySnapshot } from "../approval/approval-store.ts";
import type { Principal } from "../identity/principal.ts";
import { actorOf } from "../identity/principal.ts";
import type { Log } from "../observe/logger.ts";
import type { BulkOptions } from "../sdk/define-action.ts";
import { durationMs } from "../sdk/duration.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import type { BatchItem } from "./bulk-item-set.ts";

const DEFAULT_EXPIRY_MS = 24 * 3_600_000;

export interface BatchPolicyDecision {
  policies: PolicySnapshot[];
  expiresInMs: number;
  /** The names of the policies that let the requester narrow the reviewers (reviewer-choice.ts). */
  choosable: string[];
}

/** The policies that hold the batch (empty: it starts at once). A `when` that throws applies. */
export async function batchPolicy(
  deps: {
    log: Log;
    policyModes?: {
      effectiveMode(action: string, policy: CompiledAction["policies"][number]): Promise<string>;
    };
  },
  action: CompiledAction,
  bulk: BulkOptions,
  principal: Principal,
  batch: { items: readonly BatchItem[]; totals: Record<string, number> },
): Promise<BatchPolicyDecision> {
  const policies: PolicySnapshot[] = [];
  const choosable: string[] = [];
  let expiresInMs = Number.POSITIVE_INFINITY;
  if (bulk.approval) {
    let because: string | null = null;
    let applies: boolean;
    try {
      const verdict = bulk.approval.when({ count: batch.items.length, totals: batch.totals });
      applies = verdict === true || (typeof verdict === "string" && verdict.length > 0);
      if (typeof verdict === "string") because = verdict;
    } catch (error) {
      deps.log.error(
        { err: error, action: action.name },
        "batch policy failed to evaluate; requiring approval",
      );
      applies = true;
      because = "the batch policy could not be evaluated";
    }
    if (applies) {
      policies.push({
        name: `${action.name}.bulk`,
        reviewers: {
          groups: [...(bulk.approval.reviewers.groups ?? [])],
          users: [...(bulk.approval.reviewers.users ?? [])],
        },
        quorum: bulk.approval.quorum ?? 1,
        because,
      });
      if (bulk.approval.requesterChoosesReviewers === true) choosable.push(`${action.name}.bulk`);
      expiresInMs =
        bulk.approval.expiresIn !== undefined ? durationMs(bulk.approval.expiresIn) : DEFAULT_EXPIRY_MS;
    }
  }
  const ctx = { actor: actorOf(principal), groups: principal.groups };
  for (const policy of action.policies) {
    const mode = deps.policyModes ? await deps.policyModes.effectiveMode(action.name, policy) : policy.mode;
    if (mode !== "enforce") continue;
    let held = 0;
    for (const item of batch.items) {
      try {
        const verdict = policy.when ? policy.when(item.params, ctx) : true;
        if (verdict === true || (typeof verdict === "string" && verdict.length > 0)) held++;
      } catch {
        held++;
      }
    }
    if (held === 0) continue;
    policies.push({
      name: policy.name,
      reviewers: policy.reviewers,
      quorum: policy.quorum,
      because: `${held} of ${batch.items.length} items would need approval on their own`,
    });
    if (policy.requesterChoosesReviewers) choosable.push(policy.name);
    expiresInMs = Math.min(expiresInMs, policy.expiresInMs);
  }
  return {
    policies,
    expiresInMs: Number.isFinite(expiresInMs) ? expiresInMs : DEFAULT_EXPIRY_MS,
    choosable,
  };
}
