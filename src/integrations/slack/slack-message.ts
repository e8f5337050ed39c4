// Slack's view of a message (Block Kit): the approval request with Approve / Reject buttons, the
// same message once decided (buttons gone, who decided shown), and the modal that asks for a
// rejection's reason. Built from the same masked parts as the email (notify/message-template.ts).
import type { MessageParts } from "../../notify/message-template.ts";

export const APPROVE_ACTION = "airlock_approve";
export const REJECT_ACTION = "airlock_reject";
export const REJECT_VIEW = "airlock_reject_reason";
export const REASON_BLOCK = "reason";
export const REASON_INPUT = "reason_input";

// Slack's limits: 3,000 characters in a section's text.
const SECTION_MAX = 2_900;

function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function summaryBlocks(parts: MessageParts) {
  const facts = parts.facts
    .map(([label, value]) => `*${escapeMrkdwn(label)}:* ${escapeMrkdwn(value)}`)
    .join("\n");
  return [
    { type: "section", text: { type: "mrkdwn", text: escapeMrkdwn(parts.intro).slice(0, SECTION_MAX) } },
    { type: "section", text: { type: "mrkdwn", text: facts.slice(0, SECTION_MAX) } },
  ];
}

/** The approval-needed message: the summary, a link, and the two decisions. */
export function approvalRequestMessage(parts: MessageParts, approvalRequestId: string) {
  return {
    text: parts.subject,
    blocks: [
      ...summaryBlocks(parts),
      {
        type: "actions",
        block_id: `decide:${approvalRequestId}`,
        elements: [
          {
            type: "button",
            action_id: APPROVE_ACTION,
            text: { type: "plain_text", text: "Approve" },
            style: "primary",
            value: approvalRequestId,
          },
          {
            type: "button",
            action_id: REJECT_ACTION,
            text: { type: "plain_text", text: "Reject" },
            style: "danger",
            value: approvalRequestId,
          },
          {
            type: "button",
            action_id: "airlock_open",
            text: { type: "plain_text", text: "Open in Airlock" },
            url: parts.link.href,
          },
        ],
      },
    ],
  };
}

/** A notice (a decision, a failed run, a waiting runbook): the summary and a link, no decision. */
export function noticeMessage(parts: MessageParts) {
  return {
    text: parts.subject,
    blocks: [
      ...summaryBlocks(parts),
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: "airlock_open",
            text: { type: "plain_text", text: parts.link.label },
            url: parts.link.href,
          },
        ],
      },
    ],
  };
}

/** The same message after the request ended: no buttons, the outcome instead. */
export function decidedMessage(parts: MessageParts, outcome: string) {
  return {
    text: `${parts.subject} — ${outcome}`,
    blocks: [
      ...summaryBlocks(parts),
      { type: "context", elements: [{ type: "mrkdwn", text: escapeMrkdwn(outcome).slice(0, SECTION_MAX) }] },
    ],
  };
}

/** The modal asking for a rejection's reason (a rejection needs one). */
export function rejectReasonView(approvalRequestId: string, title: string) {
  return {
    type: "modal",
    callback_id: REJECT_VIEW,
    private_metadata: approvalRequestId,
    title: { type: "plain_text", text: "Reject request" },
    submit: { type: "plain_text", text: "Reject" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: escapeMrkdwn(title).slice(0, SECTION_MAX) } },
      {
        type: "input",
        block_id: REASON_BLOCK,
        label: { type: "plain_text", text: "Reason" },
        element: { type: "plain_text_input", action_id: REASON_INPUT, multiline: true, max_length: 2000 },
      },
    ],
  };
}
