// Slack's request signature checked against Slack's own documented example (and what must fail),
// and a person linking their own Slack account with a one-time code typed as /airlock link, a
// signed slash command to the app (a forged one refused, a code working once, a second account
// replacing the first). Decisions from Slack: slack-decisions.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { slackSignature, verifySlackRequest } from "../../src/integrations/slack/slack-signature.ts";
import { cast, SECRET, TEAM, t, withSlackApp } from "./support/slack-app.ts";

describe("Slack's documented signing example (Verifying requests from Slack)", () => {
  // The example of Slack's guide: signing secret, timestamp, the slash-command body, the signature.
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";
  const timestamp = "1531420618";
  const rawBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  const signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
  const at = Number(timestamp);

  test("verifies", () => {
    assert.equal(verifySlackRequest({ secret, timestamp, signature, rawBody, nowSeconds: at }), null);
    assert.equal(verifySlackRequest({ secret, timestamp, signature, rawBody, nowSeconds: at + 300 }), null);
  });
  test("a flipped byte in the body or the signature, another secret, a missing header or a stale time fail", () => {
    const flipped = rawBody.replace("roadrunner", "roadrunnes");
    assert.equal(
      verifySlackRequest({ secret, timestamp, signature, rawBody: flipped, nowSeconds: at }),
      "slack.signature_invalid",
    );
    const badSig = `${signature.slice(0, -1)}4`;
    assert.equal(
      verifySlackRequest({ secret, timestamp, signature: badSig, rawBody, nowSeconds: at }),
      "slack.signature_invalid",
    );
    assert.equal(
      verifySlackRequest({ secret: `${secret}x`, timestamp, signature, rawBody, nowSeconds: at }),
      "slack.signature_invalid",
    );
    assert.equal(
      verifySlackRequest({
        secret,
        timestamp,
        signature: `v1=${signature.slice(3)}`,
        rawBody,
        nowSeconds: at,
      }),
      "slack.signature_invalid",
    );
    assert.equal(
      verifySlackRequest({ secret, timestamp: undefined, signature, rawBody, nowSeconds: at }),
      "slack.signature_missing",
    );
    assert.equal(
      verifySlackRequest({ secret, timestamp, signature: null, rawBody, nowSeconds: at }),
      "slack.signature_missing",
    );
    assert.equal(
      verifySlackRequest({ secret, timestamp, signature, rawBody, nowSeconds: at + 301 }),
      "slack.timestamp_stale",
    );
    assert.equal(
      verifySlackRequest({ secret, timestamp, signature, rawBody, nowSeconds: at - 301 }),
      "slack.timestamp_stale",
    );
  });
});

describe("Slack against the app", () => {
  withSlackApp();

  test("a person links their own Slack account with a one-time code typed as /airlock link", async () => {
    const made = await t.post("/api/v1/integrations/slack/link-code", {}, cast.approver1.headers);
    assert.equal(made.status, 201);
    const { code, command } = await made.json();
    assert.equal(command, `/airlock link ${code}`);
    const slash = (text: string, secret = SECRET, slackUserId = "U0ABE") => {
      const body = new URLSearchParams({
        team_id: TEAM,
        user_id: slackUserId,
        command: "/airlock",
        text,
      }).toString();
      const timestamp = String(Math.floor(Date.now() / 1000));
      return t.request("/api/v1/integrations/slack/commands", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-slack-request-timestamp": timestamp,
          "x-slack-signature": slackSignature(secret, timestamp, body),
        },
        body,
      });
    };
    const forged = await slash(`link ${code}`, "someone-elses-secret-value");
    assert.equal(forged.status, 401);
    const linked = await slash(`link ${code}`);
    assert.equal(linked.status, 200);
    assert.match((await linked.json()).text, /now linked/);
    const again = await slash(`link ${code}`);
    assert.match((await again.json()).text, /unknown, used or expired/, "a code works once");
    const rows = await t.airlock.database.pool.query(
      "SELECT user_id, verified_by FROM airlock.slack_links WHERE slack_user_id = 'U0ABE'",
    );
    assert.deepEqual(rows.rows, [{ user_id: cast.approver1.id, verified_by: "code" }]);
    // Linking another Slack account of the same team replaces the first (one per person and team).
    const second = await t.post("/api/v1/integrations/slack/link-code", {}, cast.approver1.headers);
    const { code: code2 } = await second.json();
    const relinked = await slash(`link ${code2}`, SECRET, "U0ABE2");
    assert.match((await relinked.json()).text, /now linked/);
    const now = await t.airlock.database.pool.query(
      "SELECT slack_user_id FROM airlock.slack_links WHERE user_id = $1",
      [cast.approver1.id],
    );
    assert.deepEqual(now.rows, [{ slack_user_id: "U0ABE2" }]);
  });
});
