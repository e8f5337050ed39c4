// Who may not approve anything right now, whatever their grants — asked by every approval
// decision in its transaction (ApprovalDeps.reviewerRefusal), so it holds in every channel (web,
// API, CLI, Slack, email link): a person whose password someone else chose (they may be that
// someone's puppet until they choose their own), and a person cooling down after joining a
// reviewer group at their own request (reviewer-cooldown.ts).
import type { ApprovalRequestRow } from "../approval/approval-store.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import type { Queryable } from "../store/queryable.ts";
import { reviewerCooldownRefusal } from "./reviewer-cooldown.ts";

export async function passwordChangeRefusal(
  db: Queryable,
  principal: Principal,
): Promise<AirlockError | null> {
  const found = await db.query<{ required: boolean }>(
    "SELECT password_change_required AS required FROM airlock.users WHERE id = $1",
    [principal.id],
  );
  return found.rows[0]?.required ? new AirlockError("approval.password_change_required") : null;
}

/** While a person holds an emergency role they approve nothing (break-glass.ts). */
export async function breakGlassRefusal(db: Queryable, principal: Principal): Promise<AirlockError | null> {
  const found = await db.query(
    "SELECT 1 FROM airlock.break_glass WHERE user_id = $1 AND ended_at IS NULL AND ends_at > now()",
    [principal.id],
  );
  return (found.rowCount ?? 0) > 0 ? new AirlockError("approval.break_glass_active") : null;
}

export async function governanceReviewerRefusal(
  db: Queryable,
  principal: Principal,
  request: ApprovalRequestRow,
): Promise<AirlockError | null> {
  return (
    (await passwordChangeRefusal(db, principal)) ??
    (await breakGlassRefusal(db, principal)) ??
    (await reviewerCooldownRefusal(db, principal, request))
  );
}
