// What a click in Slack does. The request is already verified as Slack's (slack-signature.ts);
// here: each interaction acts once (Slack retries what it did not see answered), the Slack user
// must be linked to an Airlock user (slack-links.ts) or nothing happens, and the decision goes
// through the same approval module as the web UI and the API — self-approval, grants, quorum,
// the stored parameters' hash and expiry are checked there — with channel "slack" in the audit.

import type { SubjectDecisionOutcome } from "../../approval/approval-decision.ts";
import { getApprovalRequest } from "../../approval/approval-store.ts";
import type { Approvals } from "../../approval/approvals.ts";
import type { Log } from "../../observe/logger.ts";
import type { Queryable } from "../../store/queryable.ts";
import type { SlackApi } from "./slack-api.ts";
import { linkUrl, newLinkRequest } from "./slack-link-requests.ts";
import { linkedPrincipal } from "./slack-links.ts";
import {
  APPROVE_ACTION,
  REASON_BLOCK,
  REASON_INPUT,
  REJECT_ACTION,
  REJECT_VIEW,
  rejectReasonView,
} from "./slack-message.ts";

export interface SlackInteractionDeps {
  db: Queryable;
  approvals: Approvals;
  api: SlackApi;
  log: Log;
  /** Where a person links their account (the web UI). */
  baseUrl: string;
}

/** The part of Slack's interaction payload Airlock reads. */
export interface SlackPayload {
  type: string;
  team?: { id?: string };
  user?: { id?: string };
  channel?: { id?: string };
  trigger_id?: string;
  actions?: { action_id?: string; value?: string; action_ts?: string }[];
  view?: {
    id?: string;
    callback_id?: string;
    private_metadata?: string;
    state?: { values?: Record<string, Record<string, { value?: string | null }>> };
  };
}

/** The body Slack gets back: nothing, or (a modal) the errors to show in it. */
export type SlackAnswer = { response_action: "errors"; errors: Record<string, string> } | null;

const DECISION_CLIENT = { clientIp: null, userAgent: "Slack" };

/** The key that makes an interaction act once; null when the payload has none (ignored). */
export function interactionKey(payload: SlackPayload): string | null {
  const team = payload.team?.id;
  const user = payload.user?.id;
  if (!team || !user) return null;
  if (payload.type === "block_actions") {
    const ts = payload.actions?.[0]?.action_ts;
    return ts ? `block_actions:${team}:${user}:${ts}` : null;
  }
  if (payload.type === "view_submission" && payload.view?.id)
    return `view_submission:${team}:${user}:${payload.view.id}`;
  return null;
}

/** Claims the interaction; false when it was already handled (a retry or a replay). */
export async function claimInteraction(db: Queryable, key: string): Promise<boolean> {
  const result = await db.query(
    "INSERT INTO airlock.slack_interactions (key) VALUES ($1) ON CONFLICT DO NOTHING",
    [key],
  );
  return result.rowCount === 1;
}

export async function handleInteraction(
  deps: SlackInteractionDeps,
  payload: SlackPayload,
  requestId: string,
): Promise<SlackAnswer> {
  const teamId = payload.team!.id!;
  const slackUserId = payload.user!.id!;
  const principal = await linkedPrincipal(deps.db, teamId, slackUserId);
  const tell = (text: string) => ephemeral(deps, payload, text);

  if (payload.type === "block_actions") {
    const action = payload.actions?.[0];
    const approvalRequestId = action?.value ?? "";
    if (action?.action_id !== APPROVE_ACTION && action?.action_id !== REJECT_ACTION) return null;
    if (!principal) {
      // Nothing is decided for a Slack user Airlock cannot name; they get their own way to link.
      const { token } = await newLinkRequest(deps.db, { teamId, slackUserId });
      await tell(
        `Nothing was done: your Slack account is not linked to Airlock. Open this link while signed in to Airlock to link it (once, within 10 minutes; do not share it), then click again: ${linkUrl(deps.baseUrl, token)}`,
      );
      return null;
    }
    if (action.action_id === REJECT_ACTION) {
      // A rejection needs a reason: ask for it in a modal (its trigger is valid for 3 s).
      const view = await deps.approvals.view(principal, approvalRequestId).catch(() => null);
      if (view && !view.canDecide) {
        await tell(view.whyNot?.message ?? "You cannot decide on this request.");
        return null;
      }
      // The view above covers a run's request; a batch's or a gate's is checked in full when the
      // modal is submitted (the same decision as the API's), so here it only has to exist.
      const other = view ? null : await getApprovalRequest(deps.db, approvalRequestId).catch(() => null);
      if (!view && (!other || other.subject_kind === "run")) {
        await tell("There is no such approval request, or you may not see it.");
        return null;
      }
      await deps.api.call("views.open", {
        trigger_id: payload.trigger_id,
        view: rejectReasonView(
          approvalRequestId,
          view
            ? `Reject *${view.action.title}* requested by ${view.requester.name}?`
            : "Reject this request? The reason is shown to the requester.",
        ),
      });
      return null;
    }
    // The kinds the approvals API decides (a run's request, a bulk batch's, …), with its rules.
    const outcome = await deps.approvals.decideListed("approve", {
      approvalRequestId,
      principal,
      channel: "slack",
      requestId,
      client: DECISION_CLIENT,
      reason: null,
    });
    await tell(approveMessage(outcome));
    return null;
  }

  if (payload.type === "view_submission" && payload.view?.callback_id === REJECT_VIEW) {
    if (!principal)
      return {
        response_action: "errors",
        errors: {
          [REASON_BLOCK]:
            "Nothing was done: your Slack account is not linked to Airlock. Type /airlock link to link it.",
        },
      };
    const reason = payload.view.state?.values?.[REASON_BLOCK]?.[REASON_INPUT]?.value?.trim() ?? "";
    const outcome = await deps.approvals.decideListed("reject", {
      approvalRequestId: payload.view.private_metadata ?? "",
      principal,
      channel: "slack",
      requestId,
      client: DECISION_CLIENT,
      reason: reason === "" ? null : reason,
    });
    return outcome.ok
      ? null
      : { response_action: "errors", errors: { [REASON_BLOCK]: outcome.error.message } };
  }
  return null;
}

function approveMessage(outcome: SubjectDecisionOutcome): string {
  if (!outcome.ok) return `Not approved: ${outcome.error.message}`;
  return outcome.queued
    ? "You approved the request; it runs now."
    : "Your approval is recorded; the request waits for more approvals.";
}

/** A message only the clicking person sees (Slack's ephemeral message), in the message's channel. */
async function ephemeral(deps: SlackInteractionDeps, payload: SlackPayload, text: string): Promise<void> {
  const channel = payload.channel?.id;
  if (!channel) return;
  await deps.api
    .call("chat.postEphemeral", { channel, user: payload.user!.id, text })
    .catch((error) => deps.log.warn({ err: error }, "Slack ephemeral message not sent"));
}

/**
 * Forget handled interactions after a day: Slack retries within minutes and a signature is
 * accepted for 5 minutes, so an older key can never come back authentic.
 */
export async function pruneInteractions(db: Queryable): Promise<number> {
  const result = await db.query(
    "DELETE FROM airlock.slack_interactions WHERE received_at < now() - interval '1 day'",
  );
  return result.rowCount ?? 0;
}
