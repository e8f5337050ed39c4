// Linking from Slack's side (migrations/0140_slack_link_requests.sql): `/airlock link`, or a click
// by a Slack user who is not linked yet, answers — only to them — with a one-time link into
// Airlock. The person opens it signed in and confirms; Airlock then links the Slack user who asked
// to them. Following the link does nothing by itself (Slack unfurls links, scanners follow them):
// the link is made by a POST from the signed-in page.
//
// Why the email check: the Slack user who asks for the link is the one who gets the power to
// decide as whoever confirms it, so a link forwarded to someone else ("can you click this?") must
// not hand their approvals to the asker. Slack must show the asking account's confirmed email
// equal to the confirming person's Airlock email. A person whose emails differ links the other
// way round (a code made in their Airlock session, typed in Slack: slack-links.ts), where the
// secret starts on the side that holds the power.
import { createHash, randomBytes } from "node:crypto";
import type pg from "pg";
import { appendAudit } from "../../audit/audit-writer.ts";
import { AirlockError } from "../../errors/airlock-error.ts";
import type { ChangeContext } from "../../identity/admin-change.ts";
import type { Queryable } from "../../store/queryable.ts";
import { inTransaction } from "../../store/transaction.ts";
import type { SlackApi } from "./slack-api.ts";
import { confirmedSlackEmail, replacePersonsLink } from "./slack-links.ts";

const REQUEST_MINUTES = 10;

/** Where the web UI takes a link request: the notification settings, token in the fragment (never sent to a server). */
export function linkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/settings/notifications#slack-link=${token}`;
}

/** A one-time link request for the Slack user who asked (a signed request, so Slack's word). */
export async function newLinkRequest(
  db: Queryable,
  input: { teamId: string; slackUserId: string },
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(18).toString("base64url");
  const result = await db.query<{ expires_at: Date }>(
    `INSERT INTO airlock.slack_link_requests (token_hash, slack_team_id, slack_user_id, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(mins => $4)) RETURNING expires_at`,
    [hashToken(token), input.teamId, input.slackUserId, REQUEST_MINUTES],
  );
  return { token, expiresAt: result.rows[0]!.expires_at };
}

export interface SlackLinkView {
  slackTeamId: string;
  slackUserId: string;
  verifiedBy: "email" | "code";
  linkedAt: string;
}

/**
 * The signed-in person confirms a link request: refused with `slack.link_expired` (unknown, used
 * or expired) or `slack.link_unverified` (Slack does not show the asking account's confirmed email
 * equal to theirs). The request is used up only by a link that is made.
 */
export async function linkByRequest(
  pool: pg.Pool,
  api: SlackApi,
  ctx: ChangeContext,
  token: string,
): Promise<SlackLinkView> {
  const hash = hashToken(token);
  const pending = await pool.query<{ slack_team_id: string; slack_user_id: string }>(
    `SELECT slack_team_id, slack_user_id FROM airlock.slack_link_requests
      WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`,
    [hash],
  );
  const request = pending.rows[0];
  if (!request) throw new AirlockError("slack.link_expired");
  const person = await pool.query<{ email: string | null }>(
    "SELECT email FROM airlock.users WHERE id = $1 AND status = 'active' AND kind = 'human'",
    [ctx.actor.id],
  );
  const email = person.rows[0]?.email;
  const slack = await confirmedSlackEmail(api, request.slack_user_id);
  if (!email || !slack || slack.teamId !== request.slack_team_id || slack.email !== email.toLowerCase())
    throw new AirlockError(
      "slack.link_unverified",
      "Slack does not show a confirmed email on the account that asked for this link equal to your Airlock email. If it is your Slack account, link it with a code instead: make one on this page and type it in Slack.",
    );
  return await inTransaction(pool, async (tx) => {
    // Used once: of two confirmations racing, one finds it still unused.
    const used = await tx.query(
      `UPDATE airlock.slack_link_requests SET used_at = now()
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`,
      [hash],
    );
    if (used.rowCount !== 1) throw new AirlockError("slack.link_expired");
    await replacePersonsLink(tx, request.slack_team_id, ctx.actor.id, request.slack_user_id);
    const linked = await tx.query<{ linked_at: Date }>(
      `INSERT INTO airlock.slack_links (slack_team_id, slack_user_id, user_id, verified_by, linked_by)
       VALUES ($1, $2, $3, 'email', $3)
       ON CONFLICT (slack_team_id, slack_user_id) DO UPDATE
         SET user_id = EXCLUDED.user_id, verified_by = 'email', linked_by = EXCLUDED.linked_by, linked_at = now()
       RETURNING linked_at`,
      [request.slack_team_id, request.slack_user_id, ctx.actor.id],
    );
    await appendAudit(tx, [
      {
        type: "slack.user_linked",
        outcome: "success",
        actorId: ctx.actor.id,
        actorKind: ctx.actor.kind,
        requestId: ctx.requestId,
        data: {
          userId: ctx.actor.id,
          slackTeamId: request.slack_team_id,
          slackUserId: request.slack_user_id,
          verifiedBy: "email",
          from: "slack link",
        },
        clientIp: ctx.client.clientIp,
        userAgent: ctx.client.userAgent,
      },
    ]);
    return {
      slackTeamId: request.slack_team_id,
      slackUserId: request.slack_user_id,
      verifiedBy: "email",
      linkedAt: linked.rows[0]!.linked_at.toISOString(),
    };
  });
}

/** The person's Slack links (one per Slack team; in practice one). */
export async function slackLinksOf(db: Queryable, userId: string): Promise<SlackLinkView[]> {
  const result = await db.query<{
    slack_team_id: string;
    slack_user_id: string;
    verified_by: "email" | "code";
    linked_at: Date;
  }>(
    `SELECT slack_team_id, slack_user_id, verified_by, linked_at FROM airlock.slack_links
      WHERE user_id = $1 ORDER BY linked_at`,
    [userId],
  );
  return result.rows.map((r) => ({
    slackTeamId: r.slack_team_id,
    slackUserId: r.slack_user_id,
    verifiedBy: r.verified_by,
    linkedAt: r.linked_at.toISOString(),
  }));
}

/**
 * Remove links, audited (`slack.user_unlinked`): the person's own (from Airlock), or the Slack
 * user's (`/airlock unlink`, a signed request). Returns how many were removed.
 */
export async function unlinkSlack(
  pool: pg.Pool,
  input: {
    by: { kind: "user"; userId: string } | { kind: "slack"; teamId: string; slackUserId: string };
    actor: { id: string; kind: ChangeContext["actor"]["kind"] } | null;
    requestId: string;
    client?: ChangeContext["client"];
  },
): Promise<number> {
  return await inTransaction(pool, async (tx) => {
    const removed =
      input.by.kind === "user"
        ? await tx.query<{ slack_team_id: string; slack_user_id: string; user_id: string }>(
            "DELETE FROM airlock.slack_links WHERE user_id = $1 RETURNING slack_team_id, slack_user_id, user_id",
            [input.by.userId],
          )
        : await tx.query<{ slack_team_id: string; slack_user_id: string; user_id: string }>(
            `DELETE FROM airlock.slack_links WHERE slack_team_id = $1 AND slack_user_id = $2
             RETURNING slack_team_id, slack_user_id, user_id`,
            [input.by.teamId, input.by.slackUserId],
          );
    if (removed.rows.length > 0)
      await appendAudit(
        tx,
        removed.rows.map((row) => ({
          type: "slack.user_unlinked" as const,
          outcome: "success" as const,
          actorId: input.actor?.id ?? row.user_id,
          actorKind: input.actor?.kind ?? "human",
          requestId: input.requestId,
          data: {
            userId: row.user_id,
            slackTeamId: row.slack_team_id,
            slackUserId: row.slack_user_id,
            from: input.by.kind === "user" ? "airlock" : "slack",
          },
          clientIp: input.client?.clientIp ?? null,
          userAgent: input.client?.userAgent ?? null,
        })),
      );
    return removed.rows.length;
  });
}

/** Forget link requests an hour after they expired (used or not). */
export async function pruneLinkRequests(db: Queryable): Promise<number> {
  const result = await db.query(
    "DELETE FROM airlock.slack_link_requests WHERE expires_at < now() - interval '1 hour'",
  );
  return result.rowCount ?? 0;
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
