// Slack end to end against a local stand-in of Slack's Web API: linking by verified email, the
// approval message with its buttons, a decision from Slack that executes once and shows channel
// "slack" in the six questions, self-approval and unlinked users refused, a retried interaction
// that decides once, the rejection modal, the message updated to show who decided, direct
// messages to linked reviewers and the requester, forged, stale and unsigned requests refused and
// audited, and unlinking (from Slack or Airlock) and linking again by a one-time link. Slack's
// signing example and the /airlock link code: slack-signing-link-code.test.ts.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { slackSignature } from "../../src/integrations/slack/slack-signature.ts";
import { asOwner, effects, getJson, requestApproval, waitForRun } from "../approval/approval-support.ts";
import { until } from "../support/until.ts";
import type { TestUser } from "../support/users.ts";
import { signedInteraction } from "./slack-stand-in.ts";
import {
  CHANNEL,
  cast,
  decisionsOf,
  ephemeralsTo,
  INTERACTIONS,
  link,
  postedTs,
  SECRET,
  type SlackCallLike,
  send,
  slack,
  slackIds,
  TEAM,
  t,
  withSlackApp,
} from "./support/slack-app.ts";

describe("Slack against the app", () => {
  withSlackApp();

  let actionTs = 1_700_000_000;

  function click(slackUserId: string, approvalId: string, actionId: string, ts = `${actionTs++}.000200`) {
    return {
      type: "block_actions",
      team: { id: TEAM },
      user: { id: slackUserId },
      channel: { id: CHANNEL },
      trigger_id: `trigger-${ts}`,
      actions: [{ action_id: actionId, value: approvalId, action_ts: ts }],
    };
  }

  test("links need Slack's confirmed email to equal the Airlock user's", async () => {
    for (const user of [cast.manager, cast.manager2, cast.operator]) {
      const res = await link(user.id, slackIds.get(user.id)!);
      assert.equal(res.status, 201, await res.clone().text());
    }
    // Unconfirmed email, and an email that is someone else's: refused.
    const unconfirmed = await link(cast.manager2.id, "U0EVE");
    assert.equal(unconfirmed.status, 422);
    assert.equal((await unconfirmed.json()).error.code, "slack.link_unverified");
    const other = await link(cast.manager.id, slackIds.get(cast.operator.id)!);
    assert.equal((await other.json()).error.code, "slack.link_unverified");
    // Only admins link.
    const byManager = await t.post(
      "/api/v1/admin/integrations/slack/links",
      { userId: cast.manager.id, slackUserId: "U0MIA" },
      cast.manager.headers,
    );
    assert.equal(byManager.status, 403);
  });

  test("approve from Slack: one execution, channel slack in the six questions; no self-approval; unlinked and retried clicks do nothing", async () => {
    await asOwner(t, "INSERT INTO fixture.balances (account, balance) VALUES ('acc_slack', 0)");
    const { run, approvalId } = await requestApproval(t, cast.operator, "credit_queued", {
      account: "acc_slack",
      amount: 25_000,
    });
    await t.airlock.approvals.events.drain();
    // The team channel's message (linked reviewers also get direct messages: tested below).
    const toChannel = (c: { method: string; body: Record<string, unknown> }) =>
      c.method === "chat.postMessage" && c.body.channel === CHANNEL;
    const [post] = (await slack.waitFor((calls) => calls.some(toChannel))).filter(toChannel);
    assert.equal(post!.body.channel, CHANNEL);
    const buttons = JSON.stringify(post!.body.blocks);
    assert.ok(
      buttons.includes('"action_id":"airlock_approve"') && buttons.includes(`"value":"${approvalId}"`),
    );
    assert.ok(buttons.includes('"action_id":"airlock_reject"'));
    assert.ok(buttons.includes(`https://airlock.fixture.test/approvals/${approvalId}`));

    // The requester's own click: refused by the approval rules, told so, audited as refused.
    assert.equal((await send(click("U0OLIVE", approvalId, "airlock_approve"))).status, 200);
    await slack.waitFor(() => ephemeralsTo("U0OLIVE").length > 0);
    assert.match(ephemeralsTo("U0OLIVE")[0]!, /cannot decide on your own request/);
    // A Slack user with no link: told to link, nothing happens.
    assert.equal((await send(click("U0NOBODY", approvalId, "airlock_approve"))).status, 200);
    await slack.waitFor(() => ephemeralsTo("U0NOBODY").length > 0);
    assert.match(ephemeralsTo("U0NOBODY")[0]!, /not linked/);
    assert.deepEqual(await decisionsOf(approvalId), []);

    // A manager approves; Slack retries the same interaction (as it does after a slow answer).
    const approveClick = click("U0MIA", approvalId, "airlock_approve");
    const first = await send(approveClick);
    assert.equal(first.status, 200);
    const retry = await send(approveClick, { retryNum: 1 });
    assert.equal(retry.status, 200);
    const done = await waitForRun(t, run.id, ["succeeded", "failed"]);
    assert.equal(done.status, "succeeded", done.error_message);
    assert.equal((await effects(t, { runId: run.id })).length, 1, "executed once");
    const decisions = await decisionsOf(approvalId);
    assert.deepEqual(
      decisions.map((d) => [d.reviewer.name, d.decision, d.channel]),
      [["Mia Manager", "approve", "slack"]],
    );
    const detail = await getJson(t, cast.auditor, `/api/v1/runs/${run.id}`);
    assert.deepEqual(
      detail.body.accountability.approval.decisions.map((d: { channel: string; decision: string }) => [
        d.decision,
        d.channel,
      ]),
      [["approve", "slack"]],
    );
    const duplicates = (
      await asOwner(
        t,
        "SELECT error_code FROM airlock.audit_events WHERE type = 'slack.request_refused' AND error_code = 'slack.duplicate_interaction'",
      )
    ).rows;
    assert.equal(duplicates.length, 1, "the retry is refused and audited");

    // The message now says who decided, and has no buttons.
    await t.airlock.approvals.events.drain();
    const channelUpdate = (c: { method: string; body: Record<string, unknown> }) =>
      c.method === "chat.update" && c.body.channel === CHANNEL;
    const updates = await slack.waitFor((calls) => calls.some(channelUpdate));
    const update = updates.find(channelUpdate)!;
    assert.equal(update.body.channel, CHANNEL);
    assert.equal(update.body.ts, (await postedTs(approvalId)) ?? "");
    assert.match(String(update.body.text), /Approved by Mia Manager \(slack\)/);
    assert.ok(!JSON.stringify(update.body.blocks).includes("airlock_approve"));
    assert.deepEqual(slack.refused, []);
  });

  test("reject from Slack asks for the reason in a modal, and a rejection without one is refused there", async () => {
    const { approvalId } = await requestApproval(t, cast.operator, "credit_queued", {
      account: "acc_slack_r",
      amount: 30_000,
    });
    const clickTs = `${actionTs++}.000300`;
    await send(click("U0MAX", approvalId, "airlock_reject", clickTs));
    const opened = await slack.waitFor((calls) => calls.some((c) => c.method === "views.open"));
    const view = opened.find((c) => c.method === "views.open")!.body.view as { private_metadata: string };
    assert.equal(view.private_metadata, approvalId);
    assert.deepEqual(await decisionsOf(approvalId), [], "opening the modal decides nothing");

    const submit = (viewId: string, reason: string) => ({
      type: "view_submission",
      team: { id: TEAM },
      user: { id: "U0MAX" },
      view: {
        id: viewId,
        callback_id: "airlock_reject_reason",
        private_metadata: approvalId,
        state: { values: { reason: { reason_input: { value: reason } } } },
      },
    });
    const empty = await send(submit("V0EMPTY", "  "));
    assert.equal(empty.status, 200);
    assert.match(JSON.parse(empty.text).errors.reason, /needs a reason/);
    const rejected = await send(submit("V0REASON", "amount looks wrong"));
    assert.equal(rejected.status, 200);
    assert.equal(rejected.text, "");
    assert.deepEqual(
      (await decisionsOf(approvalId)).map((d) => [d.decision, d.channel, d.reason]),
      [["reject", "slack", "amount looks wrong"]],
    );
  });

  test("linked reviewers get a direct message with the same buttons; a click there decides under the same rules; the messages are updated, the requester hears by direct message (retried after a Slack outage); the Slack switch stops them", async () => {
    // Max turns direct messages of new requests off for himself; Mia keeps the default (on).
    const off = await t.request("/api/v1/me/notification-preferences", {
      method: "PUT",
      headers: { ...cast.manager2.headers, "content-type": "application/json" },
      body: JSON.stringify({ eventType: "approval.requested", channel: "slack", enabled: false }),
    });
    assert.equal(off.status, 200, await off.clone().text());
    await asOwner(t, "INSERT INTO fixture.balances (account, balance) VALUES ('acc_slack_dm', 0)");
    const { run, approvalId } = await requestApproval(t, cast.operator, "credit_queued", {
      account: "acc_slack_dm",
      amount: 26_000,
    });
    await t.airlock.approvals.events.drain();
    const dmTo =
      (slackUserId: string, method = "chat.postMessage") =>
      (c: SlackCallLike) =>
        c.method === method && c.body.channel === slackUserId && JSON.stringify(c.body).includes(approvalId);
    const dm = (await slack.waitFor((calls) => calls.some(dmTo("U0MIA")))).find(dmTo("U0MIA"))!;
    const blocks = JSON.stringify(dm.body.blocks);
    assert.ok(blocks.includes('"action_id":"airlock_approve"') && blocks.includes(`"value":"${approvalId}"`));
    assert.ok(blocks.includes('"action_id":"airlock_reject"'));
    // The rows of one event are written together: Max's switch left him out, the requester is no reviewer.
    const addresses = (
      await asOwner(
        t,
        "SELECT address FROM airlock.notifications WHERE channel = 'slack' AND approval_request_id = $1 AND event_type = 'approval.requested' ORDER BY address",
        [approvalId],
      )
    ).rows.map((r: { address: string }) => r.address);
    assert.deepEqual(addresses, [CHANNEL, "U0MIA"]);

    // In a direct message the requester's own click is still refused by the approval rules.
    const inDm = (slackUserId: string, actionId: string) => ({
      ...click(slackUserId, approvalId, actionId),
      channel: { id: `D${slackUserId.slice(1)}` },
    });
    await send(inDm("U0OLIVE", "airlock_approve"));
    const ownTold = (c: SlackCallLike) =>
      c.method === "chat.postEphemeral" && c.body.user === "U0OLIVE" && c.body.channel === "D0OLIVE";
    const told = (await slack.waitFor((calls) => calls.some(ownTold))).find(ownTold)!;
    assert.match(String(told.body.text), /cannot decide on your own request/);
    assert.deepEqual(await decisionsOf(approvalId), []);

    // Mia approves from her direct message: one decision, channel slack, one execution — while
    // Slack refuses the requester's next direct message once (an outage on Slack's side).
    slack.outages.set("U0OLIVE", 1);
    assert.equal((await send(inDm("U0MIA", "airlock_approve"))).status, 200);
    const done = await waitForRun(t, run.id, ["succeeded", "failed"]);
    assert.equal(done.status, "succeeded", done.error_message);
    assert.equal((await effects(t, { runId: run.id })).length, 1, "executed once");
    assert.deepEqual(
      (await decisionsOf(approvalId)).map((d) => [d.reviewer.name, d.decision, d.channel]),
      [["Mia Manager", "approve", "slack"]],
    );

    // Her direct message loses its buttons and says who decided; the requester is told in theirs.
    await t.airlock.approvals.events.drain();
    const dmUpdate = (c: SlackCallLike) => c.method === "chat.update" && c.body.channel === "D0MIA";
    const mine = await postedTs(approvalId, "U0MIA");
    const update = (
      await slack.waitFor((calls) => calls.some((c) => dmUpdate(c) && c.body.ts === mine))
    ).find((c) => dmUpdate(c) && c.body.ts === mine)!;
    assert.match(String(update.body.text), /Approved by Mia Manager \(slack\)/);
    assert.ok(!JSON.stringify(update.body.blocks).includes("airlock_approve"));
    const decidedDm = (c: SlackCallLike) =>
      c.method === "chat.postMessage" &&
      c.body.channel === "U0OLIVE" &&
      String(c.body.text).startsWith("Approved") &&
      JSON.stringify(c.body).includes(approvalId);
    const toRequester = (await slack.waitFor((calls) => calls.some(decidedDm))).find(decidedDm)!;
    assert.ok(
      !JSON.stringify(toRequester.body.blocks).includes("airlock_approve"),
      "a notice has no buttons",
    );
    assert.ok(JSON.stringify(toRequester.body.blocks).includes(`/approvals/${approvalId}`));
    // The refused attempt is on the row, and the engine's retry delivered it (the row is marked
    // just after Slack's answer).
    const notice = await until("the requester's notice marked delivered", async () => {
      const row = (
        await asOwner(
          t,
          "SELECT status, attempts, last_error FROM airlock.notifications WHERE channel = 'slack' AND approval_request_id = $1 AND address = 'U0OLIVE'",
          [approvalId],
        )
      ).rows[0];
      return row?.status === "delivered" ? row : undefined;
    });
    assert.equal(notice.attempts, 2);
    assert.match(notice.last_error, /service_unavailable/);
    // Recorded like every delivery.
    const rows = (
      await asOwner(
        t,
        "SELECT address, status, attempts FROM airlock.notifications WHERE channel = 'slack' AND approval_request_id = $1 AND address IN ('U0MIA', 'U0OLIVE') AND status = 'delivered' ORDER BY address, event_type",
        [approvalId],
      )
    ).rows;
    assert.deepEqual(
      rows.map((r: { address: string }) => r.address),
      ["U0MIA", "U0MIA", "U0OLIVE"],
      "Mia's message and its update, Olive's notice",
    );
    assert.deepEqual(slack.refused, []);
  });

  test("forged, stale and unsigned requests are refused with stable codes and audited", async () => {
    const payload = click("U0MIA", "apr_X", "airlock_approve");
    const { body, headers } = signedInteraction(SECRET, payload);
    const cases: [string, Record<string, string>, string, string][] = [
      ["flipped byte", headers, body.replace("U0MIA", "U0MIB"), "slack.signature_invalid"],
      [
        "another secret",
        signedInteraction("not-the-secret-at-all", payload).headers,
        body,
        "slack.signature_invalid",
      ],
      [
        "six minutes old",
        signedInteraction(SECRET, payload, { timestamp: Math.floor(Date.now() / 1000) - 360 }).headers,
        body,
        "slack.timestamp_stale",
      ],
      ["no signature", { "content-type": headers["content-type"]! }, body, "slack.signature_missing"],
    ];
    for (const [name, h, b, code] of cases) {
      const res = await t.request(INTERACTIONS, { method: "POST", headers: h, body: b });
      assert.equal(res.status, 401, name);
      assert.equal((await res.json()).error.code, code, name);
    }
    const audited = (
      await asOwner(
        t,
        "SELECT error_code FROM airlock.audit_events WHERE type = 'slack.request_refused' AND error_code <> 'slack.duplicate_interaction' ORDER BY id",
      )
    ).rows;
    assert.deepEqual(
      audited.map((r: { error_code: string }) => r.error_code),
      cases.map((c) => c[3]),
    );
  });

  test("linked from Slack: /airlock unlink stops decisions; a click answers with a one-time link, confirmed in Airlock only by the account's owner, once; then the click decides", async () => {
    const slash = async (slackUserId: string, text: string) => {
      const body = new URLSearchParams({
        team_id: TEAM,
        user_id: slackUserId,
        command: "/airlock",
        text,
      }).toString();
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await t.request("/api/v1/integrations/slack/commands", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-slack-request-timestamp": timestamp,
          "x-slack-signature": slackSignature(SECRET, timestamp, body),
        },
        body,
      });
      assert.equal(res.status, 200);
      const answer = await res.json();
      assert.equal(answer.response_type, "ephemeral", "only the person who typed it sees the answer");
      return String(answer.text);
    };
    const confirm = (user: TestUser, token: string) =>
      t.request("/api/v1/me/slack-link", {
        method: "POST",
        headers: { ...user.headers, "content-type": "application/json" },
        body: JSON.stringify({ token }),
      });
    const tokenIn = (text: string) => {
      const match = /https:\/\/airlock\.fixture\.test\/settings\/notifications#slack-link=([\w-]+)/.exec(
        text,
      );
      assert.ok(match, text);
      return match[1]!;
    };
    const linksOf = async (slackUserId: string) =>
      (
        await asOwner(t, "SELECT user_id, verified_by FROM airlock.slack_links WHERE slack_user_id = $1", [
          slackUserId,
        ])
      ).rows;
    const audited = async (type: string) =>
      (
        await asOwner(
          t,
          "SELECT data FROM airlock.audit_events WHERE type = $1 AND data->>'slackUserId' = 'U0MIA' ORDER BY id",
          [type],
        )
      ).rows.map((r: { data: Record<string, unknown> }) => r.data);

    await asOwner(t, "INSERT INTO fixture.balances (account, balance) VALUES ('acc_slack_link', 0)");
    const { run, approvalId } = await requestApproval(t, cast.operator, "credit_queued", {
      account: "acc_slack_link",
      amount: 26_000,
    });

    // Unlinked from Slack: audited; a click now decides nothing and answers with a link to open.
    assert.match(await slash("U0MIA", "unlink"), /no longer linked/);
    assert.deepEqual(await linksOf("U0MIA"), []);
    assert.deepEqual(await audited("slack.user_unlinked"), [
      { userId: cast.manager.id, slackTeamId: TEAM, slackUserId: "U0MIA", from: "slack" },
    ]);
    const before = ephemeralsTo("U0MIA").length;
    await send(click("U0MIA", approvalId, "airlock_approve"));
    await slack.waitFor(() => ephemeralsTo("U0MIA").length > before);
    const answer = ephemeralsTo("U0MIA").at(-1)!;
    assert.match(answer, /Nothing was done: your Slack account is not linked/);
    assert.deepEqual(await decisionsOf(approvalId), []);
    const token = tokenIn(answer);

    // Stored hashed only.
    const stored = await asOwner(t, "SELECT token_hash FROM airlock.slack_link_requests");
    assert.ok(stored.rows.every((r: { token_hash: string }) => !r.token_hash.includes(token)));
    assert.ok(
      stored.rows.some(
        (r: { token_hash: string }) => r.token_hash === createHash("sha256").update(token).digest("hex"),
      ),
    );

    // The link forwarded to someone else: Slack's email on the asking account is not theirs.
    const forwarded = await confirm(cast.operator, token);
    assert.equal(forwarded.status, 422);
    assert.equal((await forwarded.json()).error.code, "slack.link_unverified");
    assert.deepEqual(await linksOf("U0MIA"), []);

    // The account's owner, signed in, confirms: linked (once).
    const linked = await confirm(cast.manager, token);
    assert.equal(linked.status, 201, await linked.clone().text());
    assert.deepEqual(
      (await linked.json()).links.map((l: { slackUserId: string; verifiedBy: string }) => [
        l.slackUserId,
        l.verifiedBy,
      ]),
      [["U0MIA", "email"]],
    );
    const again = await confirm(cast.manager, token);
    assert.equal((await again.json()).error.code, "slack.link_expired");
    assert.equal((await audited("slack.user_linked")).at(-1)!.from, "slack link");

    // /airlock link gives a fresh link; an expired one is refused.
    const fresh = tokenIn(await slash("U0MIA", "link"));
    assert.notEqual(fresh, token);
    await asOwner(
      t,
      "UPDATE airlock.slack_link_requests SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
      [createHash("sha256").update(fresh).digest("hex")],
    );
    assert.equal((await (await confirm(cast.manager, fresh)).json()).error.code, "slack.link_expired");

    // Linked again, the click decides, as the manager, through Slack.
    await send(click("U0MIA", approvalId, "airlock_approve"));
    const done = await waitForRun(t, run.id, ["succeeded", "failed"]);
    assert.equal(done.status, "succeeded", done.error_message);
    assert.deepEqual(
      (await decisionsOf(approvalId)).map((d) => [d.reviewer.name, d.decision, d.channel]),
      [["Mia Manager", "approve", "slack"]],
    );

    // Unlinked from Airlock: the person's own links go, audited.
    const mine = await getJson(t, cast.manager, "/api/v1/me/slack-link");
    assert.deepEqual(
      mine.body.links.map((l: { slackUserId: string }) => l.slackUserId),
      ["U0MIA"],
    );
    const removed = await t.request("/api/v1/me/slack-link", {
      method: "DELETE",
      headers: cast.manager.headers,
    });
    assert.deepEqual(await removed.json(), { unlinked: 1 });
    assert.deepEqual((await getJson(t, cast.manager, "/api/v1/me/slack-link")).body, {
      slack: true,
      links: [],
    });
    assert.equal((await audited("slack.user_unlinked")).at(-1)!.from, "airlock");
    assert.deepEqual(slack.refused, []);
    assert.equal((await link(cast.manager.id, "U0MIA")).status, 201);
  });
});
