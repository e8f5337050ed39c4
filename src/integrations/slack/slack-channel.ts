// Slack as a notification channel (notify/notifier.ts): an approval request is posted to the
// configured channel with Approve / Reject buttons; when the request ends — decided in Slack, the
// web UI, the CLI, or expired — the same message is updated (chat.update) to show the outcome and
// who decided, and its buttons go. Both are notification rows, delivered and retried by the engine.
//
// And as direct messages: each person told of an event who linked their Slack account
// (slack-links.ts) and has the Slack switch on for that event type gets it as a direct message
// (chat.postMessage with `channel` = their Slack user id). A reviewer's message carries the same
// buttons as the channel's — a click goes through the same interactivity endpoint and rules — and
// is updated like it when the request ends. A reviewer who is a member of the team channel the
// request is posted to is not sent it again as a direct message (slack-channel-members.ts); a
// notice nobody posts to the channel (a decision, a failed run) still goes to each directly.
import { decisionsOf, getApprovalRequest } from "../../approval/approval-store.ts";
import type { OutboxEvent } from "../../events/event-types.ts";
import type { MessageParts } from "../../notify/message-template.ts";
import { renderText } from "../../notify/message-template.ts";
import type { EventContent } from "../../notify/notification-content.ts";
import { wantedBy } from "../../notify/notification-preferences.ts";
import {
  getNotification,
  listNotifications,
  type NewNotification,
  type NotificationRow,
} from "../../notify/notification-store.ts";
import type { ChannelSender } from "../../notify/notifier.ts";
import type { Log } from "../../observe/logger.ts";
import type { Queryable } from "../../store/queryable.ts";
import type { SlackApi } from "./slack-api.ts";
import { type ChannelMembers, channelMembers } from "./slack-channel-members.ts";
import { slackUsersOf } from "./slack-links.ts";
import { approvalRequestMessage, decidedMessage, noticeMessage } from "./slack-message.ts";

type SlackContent =
  // `decidable: false`: a notice without Approve / Reject (a direct message of a decision, a
  // failed run, a waiting runbook). Absent (rows from before direct messages): decidable.
  | { kind: "post"; parts: MessageParts; channel?: string; ts?: string; decidable?: boolean }
  | { kind: "update"; postId: string; outcome: string };

/** The direct messages of one event: to each linked person told of it who wants it in Slack. */
async function directMessages(
  db: Queryable,
  event: OutboxEvent,
  content: EventContent,
): Promise<NewNotification[]> {
  const ids = content.recipients.map((p) => p.id);
  const [slackUsers, wanted] = await Promise.all([
    slackUsersOf(db, ids),
    wantedBy(db, ids, event.type, "slack"),
  ]);
  const decidable = event.type === "approval.requested" && content.decidable;
  return content.recipients.flatMap((person) => {
    const slackUserId = slackUsers.get(person.id);
    if (!slackUserId || !wanted.has(person.id)) return [];
    return [
      {
        eventId: event.id,
        eventType: event.type,
        channel: "slack" as const,
        recipientId: person.id,
        address: slackUserId,
        subject: content.parts.subject,
        text: renderText(content.parts),
        html: null,
        content: { kind: "post", parts: content.parts, decidable } satisfies SlackContent,
        approvalRequestId: content.approvalRequestId,
        runId: content.runId,
      },
    ];
  });
}

export function slackChannel(options: {
  db: Queryable;
  api: SlackApi;
  channel: string;
  log?: Log;
  members?: ChannelMembers;
}): ChannelSender {
  const { db, api } = options;
  const members = options.members ?? channelMembers({ api, ...(options.log ? { log: options.log } : {}) });
  return {
    async rowsFor(event: OutboxEvent, content: EventContent | null): Promise<NewNotification[]> {
      if (!content) return [];
      const direct = await directMessages(db, event, content);
      const approvalRequestId = content.approvalRequestId;
      if (!approvalRequestId) return direct;
      const base = {
        eventId: event.id,
        eventType: event.type,
        channel: "slack" as const,
        recipientId: null,
        address: options.channel,
        html: null,
        approvalRequestId,
        runId: content.runId,
      };
      if (event.type === "approval.requested" && content.decidable) {
        // The channel's members see the post with its buttons: no second copy for them.
        const inChannel = direct.length > 0 ? await members.of(options.channel) : null;
        return [
          {
            ...base,
            subject: content.parts.subject,
            text: renderText(content.parts),
            content: { kind: "post", parts: content.parts } satisfies SlackContent,
          },
          ...direct.filter((dm) => !inChannel?.has(dm.address)),
        ];
      }
      if (event.type === "approval.decided") {
        // Every message that asked for this decision — the channel's and each reviewer's direct
        // message — loses its buttons and says who decided.
        const posts = (
          await listNotifications(db, { channel: "slack", approvalRequestId, limit: 500 })
        ).filter((row) => row.event_type === "approval.requested");
        if (posts.length === 0) return direct;
        const outcome = await outcomeOf(db, approvalRequestId);
        return [
          ...posts.map((post) => ({
            ...base,
            recipientId: post.recipient_id,
            address: post.address,
            subject: `${post.subject} — ${outcome}`,
            text: outcome,
            content: { kind: "update", postId: post.id, outcome } satisfies SlackContent,
          })),
          ...direct,
        ];
      }
      return direct;
    },

    async send(row: NotificationRow): Promise<object | null> {
      const content = row.content as SlackContent;
      if (content.kind === "post") {
        const message =
          content.decidable === false || !row.approval_request_id
            ? noticeMessage(content.parts)
            : approvalRequestMessage(content.parts, row.approval_request_id);
        const answer = await api.call<{ channel: string; ts: string }>("chat.postMessage", {
          channel: row.address,
          ...message,
        });
        return { channel: answer.channel, ts: answer.ts };
      }
      const post = await getNotification(db, content.postId);
      const posted = post?.content as Extract<SlackContent, { kind: "post" }> | undefined;
      // The request's message is not out yet (its own delivery is being retried): try again later.
      if (!posted?.ts || !posted.channel) throw new Error("the request's Slack message is not posted yet");
      await api.call("chat.update", {
        channel: posted.channel,
        ts: posted.ts,
        ...decidedMessage(posted.parts, content.outcome),
      });
      return null;
    },
  };
}

/** "Approved by Mia Manager (slack)", "Rejected by …: reason", "Expired". Names only; reasons scrubbed when stored. */
async function outcomeOf(db: Queryable, approvalRequestId: string): Promise<string> {
  const request = await getApprovalRequest(db, approvalRequestId);
  if (!request) return "Ended";
  const decisions = await decisionsOf(db, approvalRequestId);
  const by = (decision: "approve" | "reject") =>
    decisions
      .filter((d) => d.decision === decision)
      .map((d) => `${d.reviewer_name} (${d.channel})`)
      .join(", ");
  switch (request.status) {
    case "approved":
      return `Approved by ${by("approve")}`;
    case "rejected": {
      const reason = decisions.find((d) => d.decision === "reject")?.reason;
      return `Rejected by ${by("reject")}${reason ? `: ${reason}` : ""}`;
    }
    case "cancelled":
      return "Cancelled by the requester";
    case "expired":
      return "Expired before enough approvals";
    default:
      return request.status;
  }
}
