// Access reviews, as an auditor would check one: an admin starts a review of `support` naming its
// owner as reviewer; the reviewer sees each member's grants and their last use from the audit
// trail, keeps or revokes each (never their own), signs off; revocations go through change
// requests (this workspace holds removals for a second admin); the review exports as CSV and
// printable HTML, audited. Real app, real PostgreSQL, and the CLI once.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { listen } from "../../src/server/serve.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { auditEvents } from "../support/audit-events.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { governanceWorkspace } from "./governance-workspace.ts";

let t: TestAirlock;
let ada: TestUser; // admin
let bob: TestUser; // second admin
let mark: TestUser; // owner of support: its reviewer, and a member himself
let sam: TestUser; // support agent who issued a credit
let sue: TestUser; // support agent who never used her access
let reviewId: string;

before(async () => {
  t = await startTestAirlock({
    workspace: {
      ...governanceWorkspace,
      governance: { changeRequests: { "group.remove_member": "always" } },
    },
  });
  const pool = t.airlock.database.pool;
  ada = await createUser(pool, { groups: ["admins"], name: "Ada Admin", email: "ada@review.test" });
  bob = await createUser(pool, { groups: ["admins"], name: "Bob Admin", email: "bob@review.test" });
  mark = await createUser(pool, {
    groups: ["support", "support-managers"],
    name: "Mark Owner",
    email: "mark@review.test",
  });
  sam = await createUser(pool, { groups: ["support"], name: "Sam Support", email: "sam@review.test" });
  sue = await createUser(pool, { groups: ["support"], name: "Sue Support", email: "sue@review.test" });
});
after(async () => {
  await t.close();
});

const call = async (user: TestUser, method: string, path: string, body?: unknown) => {
  const res = await t.request(path, {
    method,
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field
  return { status: res.status, body: parsed as any, headers: res.headers };
};
const item = (review: { items: { userId: string }[] }, userId: string) =>
  review.items.find((i) => i.userId === userId) as unknown as {
    grants: { verbs: string[]; on: string; lastUsedAt: string | null }[];
    decision: string | null;
    outcome: string | null;
    changeRequestId: string | null;
    lastActivityAt: string | null;
  };
const isMember = async (group: string, userId: string) =>
  (
    await t.airlock.database.pool.query(
      "SELECT 1 FROM airlock.group_members m JOIN airlock.groups g ON g.id = m.group_id WHERE g.name = $1 AND m.user_id = $2",
      [group, userId],
    )
  ).rowCount === 1;

describe("an access review of support", () => {
  test("started by an admin: each member with the group's grants and their last use from the audit trail", async () => {
    const run = await call(sam, "POST", "/api/v1/actions/issue_credit/runs", {
      params: { accountId: "acc_1", amountCents: 500 },
    });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    const detail = await call(sam, "GET", `/api/v1/runs/${run.body.id}`);
    assert.equal(detail.body.accountability.elevation, null, "no break-glass: no elevation on the run");
    // The version the six questions name is one the action change log recorded (its page links there).
    const recorded = await t.airlock.database.pool.query(
      "SELECT 1 FROM airlock.action_versions WHERE action = 'issue_credit' AND version = $1",
      [detail.body.accountability.target.version],
    );
    assert.equal(recorded.rowCount, 1);
    const started = await call(ada, "POST", "/api/v1/access-reviews", {
      group: "support",
      reviewerId: mark.id,
      dueInDays: 7,
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    reviewId = started.body.id;
    assert.equal(started.body.reviewer.id, mark.id);
    assert.deepEqual(started.body.items.map((i: { name: string }) => i.name).sort(), [
      "Mark Owner",
      "Sam Support",
      "Sue Support",
    ]);
    const samGrant = item(started.body, sam.id).grants.find((g) => g.on === "tag:billing");
    assert.deepEqual(samGrant?.verbs, ["run"]);
    assert.ok(samGrant?.lastUsedAt, "Sam's credit is the last use of the grant");
    assert.equal(item(started.body, sue.id).grants[0]!.lastUsedAt, null, "Sue never used it");
    assert.equal(item(started.body, sue.id).lastActivityAt, null);
    const events = await auditEvents(t.airlock.database.pool, ["access_review.started"], {
      targetId: reviewId,
    });
    assert.equal(events.length, 1);
  });

  test("bad starts are refused with their codes: not an admin, unknown group, a service as reviewer, a second open review", async () => {
    const byMark = await call(mark, "POST", "/api/v1/access-reviews", {
      group: "support",
      reviewerId: mark.id,
    });
    assert.deepEqual([byMark.status, byMark.body.error.code], [403, "permission.denied"]);
    const unknown = await call(ada, "POST", "/api/v1/access-reviews", { group: "nope", reviewerId: mark.id });
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, "admin.not_found"]);
    const bot = (
      await t.airlock.database.pool.query<{ id: string }>(
        "SELECT id FROM airlock.users WHERE kind = 'service' LIMIT 1",
      )
    ).rows[0]!.id;
    const service = await call(ada, "POST", "/api/v1/access-reviews", { group: "readers", reviewerId: bot });
    assert.deepEqual([service.status, service.body.error.code], [422, "review.reviewer_invalid"]);
    const twice = await call(ada, "POST", "/api/v1/access-reviews", {
      group: "support",
      reviewerId: mark.id,
    });
    assert.deepEqual([twice.status, twice.body.error.code], [409, "review.already_open"]);
  });

  test("only the named reviewer decides; nobody decides their own item; strangers see nothing", async () => {
    const stranger = await call(sam, "GET", `/api/v1/access-reviews/${reviewId}`);
    assert.deepEqual([stranger.status, stranger.body.error.code], [404, "review.not_found"]);
    assert.deepEqual((await call(sam, "GET", "/api/v1/access-reviews")).body.reviews, []);
    const byAdmin = await call(bob, "POST", `/api/v1/access-reviews/${reviewId}/items/${sam.id}`, {
      decision: "keep",
    });
    assert.deepEqual([byAdmin.status, byAdmin.body.error.code], [403, "review.not_reviewer"]);
    const own = await call(mark, "POST", `/api/v1/access-reviews/${reviewId}/items/${mark.id}`, {
      decision: "keep",
    });
    assert.deepEqual([own.status, own.body.error.code], [403, "review.own_access"]);
    const early = await call(mark, "POST", `/api/v1/access-reviews/${reviewId}/sign-off`, {});
    assert.deepEqual([early.status, early.body.error.code], [409, "review.incomplete"]);

    const mine = await call(mark, "GET", "/api/v1/access-reviews");
    assert.equal(mine.body.reviews[0].id, reviewId);
    assert.equal(mine.body.reviews[0].youReview, true);
    assert.equal(
      (await call(mark, "POST", `/api/v1/access-reviews/${reviewId}/items/${sam.id}`, { decision: "keep" }))
        .status,
      200,
    );
    const revoke = await call(mark, "POST", `/api/v1/access-reviews/${reviewId}/items/${sue.id}`, {
      decision: "revoke",
      reason: '=HYPERLINK("http://x") moved to risk, no longer needs credits',
    });
    assert.equal(revoke.status, 200, JSON.stringify(revoke.body));
    // The reviewer's own membership is decided by an admin.
    assert.equal(
      (await call(ada, "POST", `/api/v1/access-reviews/${reviewId}/items/${mark.id}`, { decision: "keep" }))
        .status,
      200,
    );
  });

  test("signed off, the revocation is a change request a second admin approves; kept members stay", async () => {
    const signed = await call(mark, "POST", `/api/v1/access-reviews/${reviewId}/sign-off`, {
      note: "quarterly review",
    });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.equal(signed.body.status, "signed_off");
    assert.equal(item(signed.body, sam.id).outcome, "kept");
    const sueItem = item(signed.body, sue.id);
    assert.equal(sueItem.outcome, "held");
    assert.match(sueItem.changeRequestId ?? "", /^chg_/);
    assert.ok(await isMember("support", sue.id), "nothing is removed until a second admin approves");

    const change = await call(bob, "GET", `/api/v1/changes/${sueItem.changeRequestId}`);
    assert.equal(change.body.kind, "group.remove_member");
    assert.equal(change.body.payload.accessReviewId, reviewId);
    const approved = await call(bob, "POST", `/api/v1/changes/${sueItem.changeRequestId}/approve`, {});
    assert.equal(approved.body.status, "applied", JSON.stringify(approved.body));
    assert.equal(await isMember("support", sue.id), false);
    assert.ok(await isMember("support", sam.id));
    const removed = await auditEvents(t.airlock.database.pool, ["group.member_removed"], {
      targetId: sue.id,
    });
    assert.equal((removed[0]!.data as { accessReviewId: string }).accessReviewId, reviewId);
    const signedOff = await auditEvents(t.airlock.database.pool, ["access_review.signed_off"], {
      targetId: reviewId,
    });
    assert.deepEqual((signedOff[0]!.data as { outcomes: unknown }).outcomes, { kept: 2, held: 1 });

    const late = await call(mark, "POST", `/api/v1/access-reviews/${reviewId}/items/${sam.id}`, {
      decision: "revoke",
      reason: "late",
    });
    assert.deepEqual([late.status, late.body.error.code], [409, "review.closed"]);
  });

  test("exports as CSV (formulas neutralized) and printable HTML, each export audited", async () => {
    const csv = await call(ada, "GET", `/api/v1/access-reviews/${reviewId}/export?format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
    const lines = String(csv.body).trim().split("\r\n");
    assert.match(lines[0]!, /^review,group,reviewer,review_status,/);
    assert.equal(lines.length, 4);
    const sueLine = lines.find((l) => l.includes("Sue Support"))!;
    assert.match(sueLine, /mark@review\.test/);
    assert.match(sueLine, /,revoke,"'=HYPERLINK\(""http:\/\/x""\) moved to risk/);
    assert.match(sueLine, /,held,chg_/);
    const html = await call(mark, "GET", `/api/v1/access-reviews/${reviewId}/export?format=html`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.match(String(html.body), /Access review of the group “support”/);
    assert.match(String(html.body), /Sue Support/);
    assert.doesNotMatch(String(html.body), /<script/);
    const exported = await auditEvents(t.airlock.database.pool, ["access_review.exported"], {
      targetId: reviewId,
    });
    assert.deepEqual(
      exported.map((e) => (e.data as { format: string }).format),
      ["csv", "html"],
    );
  });

  test("the CLI shows the review with each member's decision and outcome", async () => {
    const server = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const res = await runAirlock(["access-reviews", "show", reviewId], {
        AIRLOCK_URL: server.url,
        AIRLOCK_TOKEN: mark.token,
      });
      assert.equal(res.code, 0, res.out + res.err);
      assert.match(
        res.out,
        new RegExp(`^${reviewId}  signed_off  group "support"  reviewer mark@review\\.test`),
      );
      assert.match(res.out, /sue@review\.test .* revoke +held chg_/);
      assert.match(res.out, /sam@review\.test .*run tag:billing \(20\d\d-.*keep +kept/);
    } finally {
      await server.close();
    }
  });
});
