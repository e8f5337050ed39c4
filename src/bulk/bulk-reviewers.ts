// The reviewers a batch's requester picks (approval/reviewer-choice.ts, the same rules as a run's):
// checked at start against the policies that hold this item set, stored on the batch's approval
// request, carried over to a retry of its failed items, and compared on an idempotent replay.
import type { PolicySnapshot } from "../approval/approval-store.ts";
import {
  type ChosenReviewers,
  isEmptyChoice,
  type ReviewerChoiceInput,
  resolveReviewerChoice,
} from "../approval/reviewer-choice.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import { BULK_SUBJECT } from "./bulk-subject.ts";
import type { Asker } from "./bulks.ts";

/** The stored choice, or null for none; a refused choice is audited and thrown (nothing stored). */
export async function chooseBatchReviewers(
  deps: { pool: Queryable; authorizer: Authorizer },
  asker: Asker,
  action: CompiledAction,
  decision: { policies: PolicySnapshot[]; choosable: string[] },
  given: ReviewerChoiceInput | null,
): Promise<ChosenReviewers | null> {
  if (isEmptyChoice(given)) return null;
  const choice = await resolveReviewerChoice(deps.pool, deps.authorizer, {
    action,
    policies: decision.policies,
    allowsChoice: (name) => decision.choosable.includes(name),
    requester: asker.principal,
    onBehalfOf: null,
    choice: given!,
  });
  if (choice.ok) return choice.chosen;
  await appendAudit(deps.pool, [
    {
      type: "approval.refused",
      outcome: "denied",
      actorId: asker.principal.id,
      actorKind: asker.principal.kind,
      action: action.name,
      actionVersion: action.version,
      requestId: asker.requestId,
      errorCode: choice.error.code,
      data: { attempted: "request", subjectKind: BULK_SUBJECT, reviewers: "chosen by the requester" },
      clientIp: asker.client.clientIp,
      userAgent: asker.client.userAgent,
    },
  ]);
  throw choice.error;
}

/** A given choice in its stored form (people by id), for comparing a replay with the original. */
export async function asStoredChoice(
  db: Queryable,
  given: ReviewerChoiceInput | null | undefined,
): Promise<ChosenReviewers | null> {
  if (isEmptyChoice(given)) return null;
  const named = (given!.users ?? []).map((u) => u.trim().toLowerCase());
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM airlock.users WHERE lower(id) = ANY($1::text[]) OR lower(email) = ANY($1::text[])",
    [named],
  );
  return { users: rows.map((r) => r.id), groups: [...new Set((given!.groups ?? []).map((g) => g.trim()))] };
}

/** The reviewers picked on a batch's approval request; null when none (or no request). */
export async function chosenReviewersOfBatch(
  db: Queryable,
  batch: { approval_request_id: string | null },
): Promise<ChosenReviewers | null> {
  if (!batch.approval_request_id) return null;
  const { rows } = await db.query<{ chosen_reviewers: ChosenReviewers | null }>(
    "SELECT chosen_reviewers FROM airlock.approval_requests WHERE id = $1",
    [batch.approval_request_id],
  );
  return rows[0]?.chosen_reviewers ?? null;
}
