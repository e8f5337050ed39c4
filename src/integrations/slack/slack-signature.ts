// Verifying a request from Slack (Slack's "Verifying requests from Slack"): X-Slack-Signature is
// `v0=` + hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}` under the app's signing
// secret. The comparison is constant-time, and a timestamp more than 5 minutes off either way is
// refused, so a captured request cannot be replayed later. The signature proves the request came
// from Slack; who may decide is still Airlock's question (slack-links.ts, the approval rules).
import { createHmac, timingSafeEqual } from "node:crypto";

export const MAX_SKEW_SECONDS = 5 * 60;

export type SignatureRefusal =
  | "slack.signature_missing"
  | "slack.signature_invalid"
  | "slack.timestamp_stale";

export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`;
}

/** Null when the request is authentic and fresh; otherwise why not. */
export function verifySlackRequest(input: {
  secret: string;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
  rawBody: string;
  nowSeconds: number;
}): SignatureRefusal | null {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return "slack.signature_missing";
  if (!/^\d{1,12}$/.test(timestamp)) return "slack.timestamp_stale";
  if (Math.abs(input.nowSeconds - Number(timestamp)) > MAX_SKEW_SECONDS) return "slack.timestamp_stale";
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return "slack.signature_invalid";
  const expected = Buffer.from(slackSignature(input.secret, timestamp, input.rawBody));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given)
    ? null
    : "slack.signature_invalid";
}
