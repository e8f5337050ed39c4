// The app side of the Slack tests (slack-decisions.test.ts, slack-signing-link-code.test.ts): a
// test Airlock with the approval fixture wired to a local stand-in of Slack's Web API, an admin
// who links accounts, the Slack users of the cast (one with an unconfirmed email), and helpers
// that link, send signed interactions and read decisions, ephemeral answers and posted messages.
// `withSlackApp()`, called in a file's suite, starts both before its tests and closes them after.
import { after, before } from "node:test";
import { newId } from "../../../src/ids/ids.ts";
import { type Cast, getJson, startApprovalAirlock } from "../../approval/approval-support.ts";
import type { TestAirlock } from "../../support/test-airlock.ts";
import { createUser, type TestUser } from "../../support/users.ts";
import { type SlackStandIn, signedInteraction, startSlackStandIn } from "../slack-stand-in.ts";

export type SlackCallLike = { method: string; body: Record<string, unknown> };

const TOKEN = "xoxb-test-0000-airlock";
export const SECRET = "a-signing-secret-of-this-test-app";
export const CHANNEL = "C0APPROVALS";
export const TEAM = "T0FIXTURE";
export const INTERACTIONS = "/api/v1/integrations/slack/interactions";

export let t: TestAirlock;
export let cast: Cast;
export let slack: SlackStandIn;
export let admin: TestUser;

export const slackIds = new Map<string, string>();

/** Starts the Slack stand-in and the app before the calling suite's tests and closes both after them. */
export function withSlackApp(): void {
  before(async () => {
    slack = await startSlackStandIn(TOKEN);
    ({ t, cast } = await startApprovalAirlock({
      env: {
        AIRLOCK_SLACK_BOT_TOKEN: TOKEN,
        AIRLOCK_SLACK_SIGNING_SECRET: SECRET,
        AIRLOCK_SLACK_CHANNEL: CHANNEL,
        AIRLOCK_SLACK_API_URL: slack.url,
        AIRLOCK_PUBLIC_URL: "https://airlock.fixture.test",
      },
    }));
    const pool = t.airlock.database.pool;
    admin = await createUser(pool, { groups: ["slack-admins"], name: "Sol Admin" });
    await pool.query(
      `INSERT INTO airlock.grants (id, subject_kind, subject, verbs, on_kind, on_value, created_by)
       VALUES ($1, 'group', 'slack-admins', '{admin}', 'all', NULL, $2)`,
      [newId("gnt"), admin.id],
    );
    for (const [name, user] of [
      ["mia", cast.manager],
      ["max", cast.manager2],
      ["olive", cast.operator],
    ] as const) {
      const id = `U0${name.toUpperCase()}`;
      slackIds.set(user.id, id);
      slack.users.set(id, { id, teamId: TEAM, email: user.email.toUpperCase() });
    }
    slack.users.set("U0EVE", {
      id: "U0EVE",
      teamId: TEAM,
      email: cast.manager2.email,
      emailConfirmed: false,
    });
  });
  after(async () => {
    await t?.close();
    await slack?.close();
  });
}

export const link = (userId: string, slackUserId: string) =>
  t.post("/api/v1/admin/integrations/slack/links", { userId, slackUserId }, admin.headers);

export async function send(payload: object, options: { timestamp?: number; retryNum?: number } = {}) {
  const { body, headers } = signedInteraction(SECRET, payload, options);
  const res = await t.request(INTERACTIONS, { method: "POST", headers, body });
  return { status: res.status, text: await res.text() };
}

export async function decisionsOf(approvalId: string) {
  const view = await getJson(t, cast.auditor, `/api/v1/approvals/${approvalId}`);
  return view.body.decisions as {
    reviewer: { name: string };
    decision: string;
    channel: string;
    reason: string;
  }[];
}

export const ephemeralsTo = (slackUserId: string) =>
  slack.calls
    .filter((c) => c.method === "chat.postEphemeral" && c.body.user === slackUserId)
    .map((c) => String(c.body.text));

export async function postedTs(approvalId: string, address = CHANNEL): Promise<string | null> {
  const rows = await t.airlock.database.pool.query<{ ts: string | null }>(
    "SELECT content->>'ts' AS ts FROM airlock.notifications WHERE channel = 'slack' AND approval_request_id = $1 AND event_type = 'approval.requested' AND address = $2",
    [approvalId, address],
  );
  return rows.rows[0]?.ts ?? null;
}
