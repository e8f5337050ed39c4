// Slack's interactivity endpoint (button clicks, modal submissions) and linking Slack accounts.
//
// The endpoint is public to HTTP — Slack has no Airlock credentials — so the request proves
// itself: the signature over the raw body and a fresh timestamp (slack-signature.ts). A forged,
// stale or duplicate request is refused and audited with its reason; an authentic one from an
// unlinked Slack user does nothing. Slack wants an answer within 3 s: the work gets 2.5 s, then
// the request is acknowledged and the work finishes on its own (its result is posted to Slack).

import type { Context } from "hono";
import {
  mySlackLinks,
  slackAnswer,
  slackCommandAnswer,
  slackLink,
  slackLinkBody,
  slackLinkCode,
  slackLinkConfirmBody,
  slackUnlinked,
} from "../api/slack.ts";
import type { Approvals } from "../approval/approvals.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { requireWorkspaceAdmin } from "../identity/workspace-admin.ts";
import type { SlackApi } from "../integrations/slack/slack-api.ts";
import {
  claimInteraction,
  handleInteraction,
  interactionKey,
  type SlackAnswer,
  type SlackPayload,
} from "../integrations/slack/slack-interactions.ts";
import {
  linkByRequest,
  linkUrl,
  newLinkRequest,
  slackLinksOf,
  unlinkSlack,
} from "../integrations/slack/slack-link-requests.ts";
import { linkByCode, linkByVerifiedEmail, newLinkCode } from "../integrations/slack/slack-links.ts";
import { verifySlackRequest } from "../integrations/slack/slack-signature.ts";
import type { Database } from "../store/database.ts";
import type { Queryable } from "../store/queryable.ts";
import type { AppEnv } from "./app-env.ts";
import { json, type RouteTable } from "./route.ts";
import { changeContext } from "./token-routes.ts";

export interface SlackIntegration {
  api: SlackApi;
  signingSecret: string;
  channel: string;
}

export interface SlackRoutesDeps {
  slack: SlackIntegration | null;
  database: Database;
  authorizer: Authorizer;
  approvals: Approvals;
  baseUrl: string;
}

const MAX_BODY = 256 * 1024;
const ANSWER_WITHIN_MS = 2_500;

export function slackRoutes(deps: SlackRoutesDeps) {
  const pool = deps.database.pool;
  return (routes: RouteTable) => {
    routes.add({
      method: "post",
      path: "/api/v1/integrations/slack/interactions",
      summary: "Slack interactivity: Approve / Reject buttons and the rejection modal (signed by Slack)",
      tags: ["integrations"],
      auth: "public",
      responses: {
        200: {
          description: "Acknowledged",
          schema: slackAnswer,
          mediaTypes: ["application/json", "text/plain"],
        },
      },
      async handler(c) {
        const slack = deps.slack;
        if (!slack) throw new AirlockError("slack.not_configured");
        const rawBody = await verifiedBody(c, slack, pool);
        const requestId = c.get("requestId");
        let payload: SlackPayload;
        try {
          payload = JSON.parse(new URLSearchParams(rawBody).get("payload") ?? "") as SlackPayload;
        } catch {
          throw new AirlockError("request.malformed_json", "The Slack payload field is not JSON.");
        }
        const key = interactionKey(payload);
        if (!key) return c.text("", 200);
        if (!(await claimInteraction(pool, key))) {
          // Slack's retry of an interaction already handled, or a replay within the signature's
          // 5 minutes: acknowledged, not acted on again.
          await refusal(c, pool, "slack.duplicate_interaction", `duplicate of ${key}`);
          return c.text("", 200);
        }
        const log = c.get("log");
        const work = handleInteraction(
          { db: pool, approvals: deps.approvals, api: slack.api, log, baseUrl: deps.baseUrl },
          payload,
          requestId,
        ).catch((error) => {
          log.error({ err: error }, "Slack interaction failed");
          return null;
        });
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<"late">((resolve) => {
          timer = setTimeout(() => resolve("late"), ANSWER_WITHIN_MS);
        });
        const answer: SlackAnswer | "late" = await Promise.race([work, late]);
        clearTimeout(timer);
        if (answer === "late" || answer === null) return c.text("", 200);
        return json(c, answer);
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/integrations/slack/link-code",
      summary: "A one-time code (10 minutes) to link your Slack account: type /airlock link <code> in Slack",
      tags: ["integrations"],
      auth: "principal",
      responses: { 201: { description: "The code", schema: slackLinkCode } },
      async handler(c, { principal }) {
        if (!deps.slack) throw new AirlockError("slack.not_configured");
        if (principal.kind !== "human")
          throw new AirlockError("permission.denied", "Service identities have no Slack account.");
        const { code, expiresAt } = await newLinkCode(pool, principal.id);
        return json(c, { code, command: `/airlock link ${code}`, expiresAt: expiresAt.toISOString() }, 201);
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/integrations/slack/commands",
      summary: "Slack slash command /airlock (signed by Slack): `link <code>` links your Slack account",
      tags: ["integrations"],
      auth: "public",
      responses: { 200: { description: "An answer only you see", schema: slackCommandAnswer } },
      async handler(c) {
        const slack = deps.slack;
        if (!slack) throw new AirlockError("slack.not_configured");
        const form = new URLSearchParams(await verifiedBody(c, slack, pool));
        const [verb, code] = (form.get("text") ?? "").trim().split(/\s+/);
        const teamId = form.get("team_id") ?? "";
        const slackUserId = form.get("user_id") ?? "";
        const requestId = c.get("requestId");
        const say = (text: string) => json(c, { response_type: "ephemeral", text });
        if (!teamId || !slackUserId || (verb !== "link" && verb !== "unlink"))
          return say(
            "Usage: /airlock link (a one-time link to open in Airlock), /airlock link <code> (a code made in Airlock), /airlock unlink.",
          );
        if (verb === "unlink") {
          const removed = await unlinkSlack(pool, {
            by: { kind: "slack", teamId, slackUserId },
            actor: null,
            requestId,
          });
          return say(
            removed > 0
              ? "Your Slack account is no longer linked to Airlock: Approve and Reject here do nothing until you link it again."
              : "Your Slack account is not linked to Airlock.",
          );
        }
        if (!code) {
          const { token } = await newLinkRequest(pool, { teamId, slackUserId });
          return say(
            `Open this link while signed in to Airlock to link your Slack account (once, within 10 minutes; do not share it): ${linkUrl(deps.baseUrl, token)}`,
          );
        }
        const userId = await linkByCode(pool, { code, teamId, slackUserId, requestId });
        return say(
          userId
            ? "Your Slack account is now linked to Airlock: Approve and Reject act as you."
            : "That code is unknown, used or expired; make a new one in Airlock.",
        );
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/me/slack-link",
      summary: "Your Slack links (Approve and Reject in Slack act as you), and whether Slack is set up",
      tags: ["integrations"],
      auth: "principal",
      responses: { 200: { description: "Your links", schema: mySlackLinks } },
      async handler(c, { principal }) {
        return json(c, { slack: deps.slack !== null, links: await slackLinksOf(pool, principal.id) });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/me/slack-link",
      summary:
        "Link the Slack account that asked for a one-time link (/airlock link) to you; Slack must show its confirmed email equal to yours",
      tags: ["integrations"],
      auth: "principal",
      body: slackLinkConfirmBody,
      bodyLimit: 1024,
      responses: { 201: { description: "Linked", schema: mySlackLinks } },
      async handler(c, { principal, body }) {
        const slack = deps.slack;
        if (!slack) throw new AirlockError("slack.not_configured");
        if (principal.kind !== "human")
          throw new AirlockError("permission.denied", "Service identities have no Slack account.");
        await linkByRequest(pool, slack.api, changeContext(c, principal), body.token);
        return json(c, { slack: true, links: await slackLinksOf(pool, principal.id) }, 201);
      },
    });

    routes.add({
      method: "delete",
      path: "/api/v1/me/slack-link",
      summary: "Unlink your Slack account: Approve and Reject in Slack stop acting as you",
      tags: ["integrations"],
      auth: "principal",
      responses: { 200: { description: "How many links were removed", schema: slackUnlinked } },
      async handler(c, { principal }) {
        const ctx = changeContext(c, principal);
        const unlinked = await unlinkSlack(pool, {
          by: { kind: "user", userId: principal.id },
          actor: { id: principal.id, kind: principal.kind },
          requestId: ctx.requestId,
          client: ctx.client,
        });
        return json(c, { unlinked });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/admin/integrations/slack/links",
      summary: "Admin: link a Slack user to an Airlock user, verified by the Slack account's confirmed email",
      tags: ["admin", "integrations"],
      auth: "principal",
      body: slackLinkBody,
      bodyLimit: 4 * 1024,
      responses: { 201: { description: "The link", schema: slackLink } },
      async handler(c, { principal, body }) {
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
        if (!deps.slack) throw new AirlockError("slack.not_configured");
        return json(c, await linkByVerifiedEmail(pool, deps.slack.api, ctx, body), 201);
      },
    });
  };
}

/** The raw body of a request that proves it comes from Slack; otherwise refused and audited. */
async function verifiedBody(c: Context<AppEnv>, slack: SlackIntegration, pool: Queryable): Promise<string> {
  const length = Number(c.req.header("content-length") ?? 0);
  if (length > MAX_BODY) throw new AirlockError("request.too_large");
  const rawBody = await c.req.text();
  if (rawBody.length > MAX_BODY) throw new AirlockError("request.too_large");
  const refused = verifySlackRequest({
    secret: slack.signingSecret,
    timestamp: c.req.header("x-slack-request-timestamp"),
    signature: c.req.header("x-slack-signature"),
    rawBody,
    nowSeconds: Math.floor(Date.now() / 1000),
  });
  if (refused) {
    await refusal(c, pool, refused, "signature");
    throw new AirlockError(refused);
  }
  return rawBody;
}

async function refusal(c: Context<AppEnv>, pool: Queryable, code: string, detail: string): Promise<void> {
  await appendAudit(pool, [
    {
      type: "slack.request_refused",
      outcome: "denied",
      actorKind: "anonymous",
      requestId: c.get("requestId"),
      errorCode: code,
      data: { refused: detail, retryNum: c.req.header("x-slack-retry-num") ?? null },
      clientIp: c.get("clientIp"),
      userAgent: c.get("userAgent"),
    },
  ]);
}
