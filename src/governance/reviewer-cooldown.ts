// A person added to a reviewer group by a change request they requested themselves cannot
// approve that group's requests for a while (24 h by default): "add myself to the managers, then
// approve my colleague's — or my puppet's — request" needs a day of visible membership first.
// Asked by every approval decision (ApprovalDeps.reviewerRefusal), inside its transaction.
import type { ApprovalRequestRow } from "../approval/approval-store.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import type { Queryable } from "../store/queryable.ts";

export async function recordCooldown(
  db: Queryable,
  input: { userId: string; groupName: string; changeRequestId: string; ms: number },
): Promise<void> {
  if (input.ms <= 0) return;
  await db.query(
    `INSERT INTO airlock.reviewer_cooldowns (user_id, group_name, change_request_id, until)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000))`,
    [input.userId, input.groupName, input.changeRequestId, input.ms],
  );
}

/** `approval.reviewer_cooldown` when the reviewer's path to this request is a group still cooling. */
export async function reviewerCooldownRefusal(
  db: Queryable,
  principal: Principal,
  request: Pick<ApprovalRequestRow, "policies">,
): Promise<AirlockError | null> {
  const groups = [...new Set(request.policies.flatMap((p) => p.reviewers.groups))];
  if (groups.length === 0) return null;
  const cooling = await db.query<{ group_name: string; until: Date }>(
    `SELECT group_name, max(until) AS until FROM airlock.reviewer_cooldowns
      WHERE user_id = $1 AND group_name = ANY($2::text[]) AND until > now()
      GROUP BY group_name ORDER BY group_name LIMIT 1`,
    [principal.id, groups],
  );
  const row = cooling.rows[0];
  if (!row) return null;
  return new AirlockError(
    "approval.reviewer_cooldown",
    `You were added to "${row.group_name}" at your own request; you may approve its requests from ${new Date(row.until).toISOString()}.`,
    { group: row.group_name, until: new Date(row.until).toISOString() },
  );
}
