// Slack user → Airlock user, only through a verified link (migrations/0051_slack.sql): an admin
// links after Slack's users.info shows the Slack account's confirmed email equal to the Airlock
// user's, or the user links themself — a one-time code made in their Airlock session, sent back
// from their Slack account as `/airlock link CODE` (a signed request). Every link is audited.

import { createHash, randomBytes } from "node:crypto";
import type pg from "pg";
import { appendAudit } from "../../audit/audit-writer.ts";
import { AirlockError } from "../../errors/airlock-error.ts";
import type { ChangeContext } from "../../identity/admin-change.ts";
import { loadPrincipal } from "../../identity/load-principal.ts";
import type { Principal } from "../../identity/principal.ts";
import type { Queryable } from "../../store/queryable.ts";
import { inTransaction } from "../../store/transaction.ts";
import type { SlackApi } from "./slack-api.ts";

/** The Airlock user a Slack user is linked to (active), or null. */
export async function linkedPrincipal(
  db: Queryable,
  teamId: string,
  slackUserId: string,
): Promise<Principal | null> {
  const result = await db.query<{ user_id: string }>(
    "SELECT user_id FROM airlock.slack_links WHERE slack_team_id = $1 AND slack_user_id = $2",
    [teamId, slackUserId],
  );
  const row = result.rows[0];
  return row ? await loadPrincipal(db, row.user_id) : null;
}

/**
 * The Slack user ids of the people in `userIds` who linked Slack (their latest link), for direct
 * messages: user id → Slack user id.
 */
export async function slackUsersOf(db: Queryable, userIds: readonly string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const result = await db.query<{ user_id: string; slack_user_id: string }>(
    `SELECT DISTINCT ON (user_id) user_id, slack_user_id FROM airlock.slack_links
      WHERE user_id = ANY($1::text[]) ORDER BY user_id, linked_at DESC`,
    [userIds],
  );
  return new Map(result.rows.map((r) => [r.user_id, r.slack_user_id]));
}

interface SlackUserInfo {
  user?: {
    id?: string;
    team_id?: string;
    deleted?: boolean;
    is_bot?: boolean;
    is_email_confirmed?: boolean;
    profile?: { email?: string };
  };
}

/**
 * Link `slackUserId` to the Airlock user `userId` if Slack confirms the account's email is theirs.
 * Returns the link. Refuses (slack.link_unverified) a bot, a deleted account, an unconfirmed or
 * different email.
 */
export async function linkByVerifiedEmail(
  pool: pg.Pool,
  api: SlackApi,
  ctx: ChangeContext,
  input: { userId: string; slackUserId: string },
): Promise<{ slackTeamId: string; slackUserId: string; userId: string }> {
  const user = await pool.query<{ email: string | null; kind: string }>(
    "SELECT email, kind FROM airlock.users WHERE id = $1 AND status = 'active'",
    [input.userId],
  );
  const airlockUser = user.rows[0];
  if (airlockUser?.kind !== "human" || !airlockUser.email)
    throw new AirlockError("admin.not_found", "There is no such active person in Airlock.");
  const slack = await confirmedSlackEmail(api, input.slackUserId);
  if (!slack || slack.email !== airlockUser.email.toLowerCase())
    throw new AirlockError("slack.link_unverified");
  const teamId = slack.teamId;
  await inTransaction(pool, async (tx) => {
    await replacePersonsLink(tx, teamId, input.userId, input.slackUserId);
    await tx.query(
      `INSERT INTO airlock.slack_links (slack_team_id, slack_user_id, user_id, verified_by, linked_by)
       VALUES ($1, $2, $3, 'email', $4)
       ON CONFLICT (slack_team_id, slack_user_id) DO UPDATE
         SET user_id = EXCLUDED.user_id, verified_by = 'email', linked_by = EXCLUDED.linked_by, linked_at = now()`,
      [teamId, input.slackUserId, input.userId, ctx.actor.id],
    );
    await appendAudit(tx, [
      {
        type: "slack.user_linked",
        outcome: "success",
        actorId: ctx.actor.id,
        actorKind: ctx.actor.kind,
        requestId: ctx.requestId,
        data: {
          userId: input.userId,
          slackTeamId: teamId,
          slackUserId: input.slackUserId,
          verifiedBy: "email",
        },
        clientIp: ctx.client.clientIp,
        userAgent: ctx.client.userAgent,
      },
    ]);
  });
  return { slackTeamId: teamId, slackUserId: input.slackUserId, userId: input.userId };
}

/**
 * The Slack account's team and email (lower case), when Slack's users.info shows it is a person
 * (not a bot, not deleted) whose email is confirmed; otherwise null. `slack.unavailable` when Slack
 * does not answer.
 */
export async function confirmedSlackEmail(
  api: SlackApi,
  slackUserId: string,
): Promise<{ teamId: string; email: string } | null> {
  let info: SlackUserInfo;
  try {
    info = await api.call<SlackUserInfo>("users.info", { user: slackUserId });
  } catch (error) {
    throw new AirlockError(
      "slack.unavailable",
      `Slack did not answer users.info: ${(error as Error).message}`,
    );
  }
  const slack = info.user;
  const email = slack?.profile?.email?.toLowerCase();
  if (!slack?.team_id || slack.deleted || slack.is_bot || slack.is_email_confirmed !== true || !email)
    return null;
  return { teamId: slack.team_id, email };
}

const CODE_MINUTES = 10;

/** A one-time code for the signed-in user to link their Slack account (`/airlock link CODE`). */
export async function newLinkCode(db: Queryable, userId: string): Promise<{ code: string; expiresAt: Date }> {
  const code = randomBytes(9).toString("base64url");
  const result = await db.query<{ expires_at: Date }>(
    `INSERT INTO airlock.slack_link_codes (code_hash, user_id, expires_at)
     VALUES ($1, $2, now() + make_interval(mins => $3)) RETURNING expires_at`,
    [hashCode(code), userId, CODE_MINUTES],
  );
  return { code, expiresAt: result.rows[0]!.expires_at };
}

/**
 * Redeem a code sent from Slack (a signed request, so the Slack identity is Slack's word): links
 * that Slack user to the code's owner. Null when the code is unknown, used or expired.
 */
export async function linkByCode(
  pool: pg.Pool,
  input: { code: string; teamId: string; slackUserId: string; requestId: string },
): Promise<string | null> {
  return await inTransaction(pool, async (tx) => {
    const used = await tx.query<{ user_id: string }>(
      `UPDATE airlock.slack_link_codes SET used_at = now()
        WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
      [hashCode(input.code)],
    );
    const userId = used.rows[0]?.user_id;
    if (!userId) return null;
    await replacePersonsLink(tx, input.teamId, userId, input.slackUserId);
    await tx.query(
      `INSERT INTO airlock.slack_links (slack_team_id, slack_user_id, user_id, verified_by, linked_by)
       VALUES ($1, $2, $3, 'code', $3)
       ON CONFLICT (slack_team_id, slack_user_id) DO UPDATE
         SET user_id = EXCLUDED.user_id, verified_by = 'code', linked_by = EXCLUDED.linked_by, linked_at = now()`,
      [input.teamId, input.slackUserId, userId],
    );
    await appendAudit(tx, [
      {
        type: "slack.user_linked",
        outcome: "success",
        actorId: userId,
        actorKind: "human",
        requestId: input.requestId,
        data: { userId, slackTeamId: input.teamId, slackUserId: input.slackUserId, verifiedBy: "code" },
      },
    ]);
    return userId;
  });
}

/**
 * A person has one Slack user per team (a unique key): linking another replaces theirs, rather
 * than failing on the key.
 */
export async function replacePersonsLink(
  tx: Queryable,
  teamId: string,
  userId: string,
  slackUserId: string,
): Promise<void> {
  await tx.query(
    "DELETE FROM airlock.slack_links WHERE slack_team_id = $1 AND user_id = $2 AND slack_user_id <> $3",
    [teamId, userId, slackUserId],
  );
}

function hashCode(code: string): string {
  return createHash("sha256").update(code).digest("hex");
}
