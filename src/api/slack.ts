// Slack: the interactivity endpoint's answers, and linking a Slack account to an Airlock user.
import { z } from "zod";

/** What a modal submission gets back when it is refused (Slack shows the errors in the modal). */
export const slackAnswer = z
  .strictObject({
    response_action: z.literal("errors"),
    errors: z.record(z.string(), z.string()),
  })
  .describe("Empty (text/plain) when acknowledged; the errors to show in a modal otherwise");

export const slackLinkBody = z.strictObject({
  userId: z.string().min(1).max(100),
  slackUserId: z.string().regex(/^[UW][A-Z0-9]{2,20}$/, "must be a Slack user id (U… or W…)"),
});

export const slackLink = z.strictObject({
  slackTeamId: z.string(),
  slackUserId: z.string(),
  userId: z.string(),
});

/** A one-time code to link your Slack account: type `/airlock link <code>` in Slack. */
export const slackLinkCode = z.strictObject({ code: z.string(), command: z.string(), expiresAt: z.string() });

/** The answer to a slash command: a message only the person who typed it sees. */
export const slackCommandAnswer = z.strictObject({ response_type: z.literal("ephemeral"), text: z.string() });

/** One of the signed-in person's Slack links. */
export const mySlackLink = z.strictObject({
  slackTeamId: z.string(),
  slackUserId: z.string(),
  verifiedBy: z
    .enum(["email", "code"])
    .describe("email: Slack showed the account's confirmed email equal to yours"),
  linkedAt: z.string(),
});

/** Whether Slack is set up on this Airlock, and the person's links (Approve / Reject in Slack act as them). */
export const mySlackLinks = z.strictObject({ slack: z.boolean(), links: z.array(mySlackLink) });

/** Confirm a link request: the token from the one-time link Slack gave (`/airlock link`). */
export const slackLinkConfirmBody = z.strictObject({ token: z.string().min(10).max(100) });

export const slackUnlinked = z.strictObject({ unlinked: z.number().int() });
