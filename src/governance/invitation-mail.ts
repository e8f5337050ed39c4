// Sending invitations. A committed `user.invited` event (the user was created, or an admin sent
// the invitation again) gets one email with a fresh one-time link. The token is minted here, just
// before the send, and only its hash is stored (identity/invitations.ts): the delivery log row
// records that an invitation was sent, never the link — except in demo mode, where the Mailbox
// stands for everyone's inbox and shows it. A failed send throws, so the event is retried with
// backoff (events/); each retry mints a new token, so only the link of the last email works.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { emitEvents } from "../events/event-emit.ts";
import type { EventOutbox } from "../events/event-outbox.ts";
import type { OutboxEvent } from "../events/event-types.ts";
import type { ChangeContext } from "../identity/admin-change.ts";
import { createInvitationIn, getInvitation, mintInvitationToken } from "../identity/invitations.ts";
import type { EmailSender } from "../notify/email-sender.ts";
import { insertNotifications, markAttemptFailed, markDelivered } from "../notify/notification-store.ts";
import type { Log } from "../observe/logger.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";

export interface InvitationMailDeps {
  pool: pg.Pool;
  events: EventOutbox;
  /** Null: no email is configured; the delivery log says so and an admin can send again later. */
  email: EmailSender | null;
  baseUrl: string;
  /** Demo mode: the Mailbox shows the link (it stands for the invitee's inbox). */
  showLinks: boolean;
  log: Log;
}

const WITHHELD =
  "(The link is in the email only: it lets the person set their password, so Airlock keeps no copy.)";

/** Starts sending invitation emails; returns the function that stops it. */
export function startInvitationMail(deps: InvitationMailDeps): () => void {
  const { pool } = deps;

  async function send(event: OutboxEvent): Promise<void> {
    const { invitationId, userId } = (event as OutboxEvent<"user.invited">).payload;
    const invitation = await getInvitation(pool, invitationId);
    if (invitation?.status !== "pending") return;
    const people = await pool.query<{ id: string; email: string | null; name: string }>(
      "SELECT id, email, name FROM airlock.users WHERE id = ANY($1::text[])",
      [[userId, invitation.invited_by]],
    );
    const user = people.rows.find((p) => p.id === userId);
    const inviter = people.rows.find((p) => p.id === invitation.invited_by);
    if (!user?.email) return;
    // One row per event: a repeat of the event (at-least-once) finds it, and sends only if the
    // first attempt did not get through.
    const existing = await pool.query<{ id: string; status: string }>(
      "SELECT id, status FROM airlock.notifications WHERE event_id = $1::bigint AND channel = 'email'",
      [event.id],
    );
    if (existing.rows[0]?.status === "delivered") return;
    const expires = invitation.expires_at.toISOString().slice(0, 16).replace("T", " ");
    const subject = "You are invited to Airlock: choose your password";
    const body = (link: string) =>
      [
        `Hello ${user.name},`,
        "",
        `${inviter?.name ?? "An admin"} invited you to Airlock. Choose your own password with this link; it works once, until ${expires} UTC:`,
        "",
        link,
        "",
        "Nobody else knows or chooses your password. If you did not expect this email, ignore it.",
      ].join("\n");
    let notificationId = existing.rows[0]?.id;
    if (!notificationId) {
      [notificationId] = await insertNotifications(pool, [
        {
          eventId: event.id,
          eventType: event.type,
          channel: "email",
          recipientId: user.id,
          address: user.email,
          subject,
          text: body(deps.showLinks ? `${deps.baseUrl}/set-password#invitation=…` : WITHHELD),
          html: null,
          content: null,
          approvalRequestId: null,
          runId: null,
        },
      ]);
    }
    if (!notificationId) return;
    if (!deps.email) {
      await markAttemptFailed(
        pool,
        notificationId,
        "email is not configured (AIRLOCK_SMTP_URL); send the invitation again once it is, or let the person sign in by SSO",
        true,
      );
      return;
    }
    const minted = await mintInvitationToken(pool, invitationId);
    if (!minted) return;
    const link = `${deps.baseUrl}/set-password#invitation=${minted.token}`;
    const text = body(link);
    try {
      await deps.email.send({
        id: notificationId,
        address: user.email,
        subject,
        body_text: text,
        body_html: null,
      });
    } catch (error) {
      await markAttemptFailed(pool, notificationId, (error as Error).message, false);
      throw error;
    }
    await inTransaction(pool, async (tx) => {
      // The demo's Mailbox stands for the invitee's inbox: it shows the working link.
      if (deps.showLinks)
        await tx.query("UPDATE airlock.notifications SET body_text = $2 WHERE id = $1", [
          notificationId,
          text,
        ]);
      await markDelivered(tx, notificationId);
      await appendAudit(tx, [
        {
          type: "invitation.sent",
          outcome: "success",
          actorId: null,
          actorKind: null,
          targetType: "user",
          targetId: user.id,
          data: { invitationId, notificationId, expiresAt: minted.expiresAt.toISOString() },
        },
      ]);
    });
    deps.log.info({ invitationId, userId: user.id }, "invitation sent");
  }

  return deps.events.consume({ name: "invitations", types: ["user.invited"] }, send);
}

/**
 * An admin sends a new invitation to a person who has not set a password yet (the last link was
 * lost or expired). Earlier links stop working. The new link goes to the person's own email, as
 * the first did; the admin never sees it.
 */
export async function inviteAgain(
  pool: pg.Pool,
  ctx: ChangeContext,
  workspace: CompiledWorkspace,
  userId: string,
): Promise<{ userId: string; invitationId: string; expiresAt: Date }> {
  return await inTransaction(pool, async (tx) => {
    const found = await tx.query<{
      kind: string;
      status: string;
      has_password: boolean;
      email: string | null;
    }>(
      `SELECT kind, status, password_hash IS NOT NULL AS has_password, email
         FROM airlock.users WHERE id = $1 FOR UPDATE`,
      [userId],
    );
    const user = found.rows[0];
    if (!user) throw new AirlockError("admin.not_found", "There is no such user.");
    if (user.kind !== "human" || user.has_password || !user.email)
      throw new AirlockError("invitation.not_needed");
    if (user.status !== "active") throw new AirlockError("auth.user_disabled");
    const invitation = await createInvitationIn(tx, ctx, {
      userId,
      expiresInMs: workspace.governance.invitationExpiryMs,
    });
    await emitEvents(tx, [{ type: "user.invited", payload: { invitationId: invitation.id, userId } }]);
    return { userId, invitationId: invitation.id, expiresAt: invitation.expires_at };
  });
}
