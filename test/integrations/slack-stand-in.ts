// A local stand-in for Slack's Web API (https://slack.com/api/<method>), speaking its protocol:
// POST with `Authorization: Bearer <bot token>`, JSON bodies (users.info: form fields), answers
// `{ ok: true, … }` or `{ ok: false, error }` with Slack's error names. It checks the token, the
// method names and the payload shape Slack documents for each method, records every call, and
// plays Slack's side of the interactivity protocol: signed requests to the app.
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { slackSignature } from "../../src/integrations/slack/slack-signature.ts";

export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
}

export interface SlackUser {
  id: string;
  teamId: string;
  email: string;
  emailConfirmed?: boolean;
}

export interface SlackStandIn {
  url: string;
  calls: SlackCall[];
  /** Calls the stand-in refused (bad token, unknown method, wrong shape): must stay empty. */
  refused: { method: string; error: string }[];
  users: Map<string, SlackUser>;
  /** chat.postMessage to these channels answers Slack's `service_unavailable` this many times. */
  outages: Map<string, number>;
  /** Each channel's member ids, for conversations.members (a channel not set has none). */
  channelMembers: Map<string, string[]>;
  /** conversations.members answers Slack's `ratelimited` this many times. */
  membersOutages: { count: number };
  waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs?: number): Promise<SlackCall[]>;
  close(): Promise<void>;
}

const shape: Record<string, (b: Record<string, unknown>) => boolean> = {
  "chat.postMessage": (b) =>
    typeof b.channel === "string" && (typeof b.text === "string" || Array.isArray(b.blocks)),
  // chat.update takes a conversation id (C…, G…, D…), never a user id.
  "chat.update": (b) => typeof b.channel === "string" && /^[CGD]/.test(b.channel) && typeof b.ts === "string",
  "chat.postEphemeral": (b) =>
    typeof b.channel === "string" && typeof b.user === "string" && typeof b.text === "string",
  "views.open": (b) =>
    typeof b.trigger_id === "string" &&
    typeof b.view === "object" &&
    (b.view as { type?: string }).type === "modal" &&
    Array.isArray((b.view as { blocks?: unknown }).blocks),
  "users.info": (b) => typeof b.user === "string",
  // A read method, sent as form fields: `channel`, and optionally `limit` (1–1000) and `cursor`.
  "conversations.members": (b) =>
    typeof b.channel === "string" &&
    /^[CG][A-Z0-9]+$/.test(b.channel) &&
    (b.limit === undefined ||
      (/^\d+$/.test(String(b.limit)) && Number(b.limit) >= 1 && Number(b.limit) <= 1000)) &&
    (b.cursor === undefined || (typeof b.cursor === "string" && b.cursor.length > 0)),
};

export async function startSlackStandIn(token: string): Promise<SlackStandIn> {
  const calls: SlackCall[] = [];
  const refused: { method: string; error: string }[] = [];
  const users = new Map<string, SlackUser>();
  const outages = new Map<string, number>();
  const channelMembers = new Map<string, string[]>();
  const membersOutages = { count: 0 };
  let ts = 1_700_000_000;
  const server = createServer(async (req, res) => {
    const method = (req.url ?? "").replace(/^\/api\//, "");
    const raw = await text(req);
    const answer = (body: object) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const refuse = (error: string) => {
      refused.push({ method, error });
      answer({ ok: false, error });
    };
    if (req.method !== "POST" || !req.url?.startsWith("/api/")) return refuse("invalid_request");
    if (req.headers.authorization !== `Bearer ${token}`) return refuse("invalid_auth");
    const check = shape[method];
    if (!check) return refuse("unknown_method");
    const form = (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
    const body = form
      ? Object.fromEntries(new URLSearchParams(raw))
      : (JSON.parse(raw || "{}") as Record<string, unknown>);
    if (!check(body)) return refuse("invalid_arguments");
    calls.push({ method, body });
    // A user id as `channel` posts to the app's direct-message channel with that user, and Slack
    // answers with that channel's id (D…), which chat.update then needs.
    if (method === "chat.postMessage") {
      const channel = String(body.channel);
      const down = outages.get(channel) ?? 0;
      if (down > 0) {
        outages.set(channel, down - 1);
        return answer({ ok: false, error: "service_unavailable" });
      }
      const answered = /^[UW][A-Z0-9]+$/.test(channel) ? `D${channel.slice(1)}` : channel;
      return answer({ ok: true, channel: answered, ts: `${ts++}.000100` });
    }
    if (method === "conversations.members") {
      // Slack's documented read methods accept form fields only: a JSON body is not read.
      if (!form) return refuse("invalid_form_data");
      if (membersOutages.count > 0) {
        membersOutages.count--;
        return answer({ ok: false, error: "ratelimited" });
      }
      const all = channelMembers.get(String(body.channel)) ?? [];
      const limit = Number(body.limit ?? 100);
      // The cursor is opaque to the caller; here it encodes the next offset, as Slack's encodes a member.
      const offset = body.cursor ? Number(Buffer.from(String(body.cursor), "base64").toString().slice(7)) : 0;
      const next =
        offset + limit < all.length ? Buffer.from(`offset:${offset + limit}`).toString("base64") : "";
      return answer({
        ok: true,
        members: all.slice(offset, offset + limit),
        response_metadata: { next_cursor: next },
      });
    }
    if (method === "users.info") {
      const user = users.get(String(body.user));
      if (!user) return answer({ ok: false, error: "user_not_found" });
      return answer({
        ok: true,
        user: {
          id: user.id,
          team_id: user.teamId,
          deleted: false,
          is_bot: false,
          is_email_confirmed: user.emailConfirmed ?? true,
          profile: { email: user.email },
        },
      });
    }
    return answer({ ok: true });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api`,
    calls,
    refused,
    users,
    outages,
    channelMembers,
    membersOutages,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline)
          throw new Error(`timed out; calls: ${calls.map((c) => c.method).join(", ")}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return calls;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function text(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Slack's side of an interaction: the form body and the signature headers it sends. */
export function signedInteraction(
  secret: string,
  payload: object,
  options: { timestamp?: number; retryNum?: number } = {},
): { body: string; headers: Record<string, string> } {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(secret, timestamp, body),
      ...(options.retryNum
        ? { "x-slack-retry-num": String(options.retryNum), "x-slack-retry-reason": "http_timeout" }
        : {}),
    },
  };
}
