// Access reviews wider than one group, and recurring ones: a review of two groups reviews a person
// in both once per group and a revocation removes them from that group only; "every grant on
// high-risk actions" covers exactly the groups that can run, approve or administer where it
// matters, listing only those grants; a quarterly review is a DBOS schedule whose tick starts one
// review however often it fires. Real app, real PostgreSQL, the real durable engine.
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
let mark: TestUser; // in support and support-managers
let sam: TestUser; // support
let rex: TestUser; // readers (low-risk grants only)

before(async () => {
  t = await startTestAirlock({ workspace: governanceWorkspace });
  const pool = t.airlock.database.pool;
  ada = await createUser(pool, { groups: ["admins"], name: "Ada Admin", email: "ada@scope.test" });
  mark = await createUser(pool, {
    groups: ["support", "support-managers"],
    name: "Mark Manager",
    email: "mark@scope.test",
  });
  sam = await createUser(pool, { groups: ["support"], name: "Sam Support", email: "sam@scope.test" });
  rex = await createUser(pool, { groups: ["readers"], name: "Rex Reader", email: "rex@scope.test" });
});
after(async () => {
  await t?.close();
});

const call = async (user: TestUser, method: string, path: string, body?: unknown) => {
  const res = await t.request(path, {
    method,
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
};
const isMember = async (group: string, userId: string) =>
  (
    await t.airlock.database.pool.query(
      "SELECT 1 FROM airlock.group_members m JOIN airlock.groups g ON g.id = m.group_id WHERE g.name = $1 AND m.user_id = $2",
      [group, userId],
    )
  ).rowCount === 1;

describe("a review of several groups", () => {
  let reviewId: string;

  test("a person in both groups is reviewed once in each; a decision must name the group", async () => {
    const started = await call(ada, "POST", "/api/v1/access-reviews", {
      groups: ["support", "support-managers"],
      reviewerId: ada.id,
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    reviewId = started.body.id;
    assert.equal(started.body.scope, "groups");
    assert.deepEqual(
      started.body.groups.map((g: { name: string }) => g.name),
      ["support", "support-managers"],
    );
    assert.deepEqual(
      started.body.items.map((i: { group: { name: string }; name: string }) => `${i.group.name}/${i.name}`),
      ["support/Mark Manager", "support/Sam Support", "support-managers/Mark Manager"],
    );
    const ambiguous = await call(ada, "POST", `/api/v1/access-reviews/${reviewId}/items/${mark.id}`, {
      decision: "keep",
    });
    assert.deepEqual([ambiguous.status, ambiguous.body.error.code], [422, "admin.invalid"]);
    assert.match(ambiguous.body.error.message, /several groups \(support, support-managers\)/);
  });

  test("revoking one group's item at sign-off removes the person from that group only", async () => {
    for (const [userId, group, decision] of [
      [mark.id, "support", "revoke"],
      [mark.id, "support-managers", "keep"],
      [sam.id, undefined, "keep"],
    ] as const) {
      const decided = await call(ada, "POST", `/api/v1/access-reviews/${reviewId}/items/${userId}`, {
        decision,
        reason: "quarterly check",
        ...(group ? { group } : {}),
      });
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
    }
    const signed = await call(ada, "POST", `/api/v1/access-reviews/${reviewId}/sign-off`, {});
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.deepEqual(
      signed.body.items.map((i: { group: { name: string }; name: string; outcome: string }) =>
        [i.group.name, i.name, i.outcome].join("/"),
      ),
      ["support/Mark Manager/removed", "support/Sam Support/kept", "support-managers/Mark Manager/kept"],
    );
    assert.equal(await isMember("support", mark.id), false);
    assert.equal(await isMember("support-managers", mark.id), true);
    const csv = await t.request(`/api/v1/access-reviews/${reviewId}/export?format=csv`, {
      headers: ada.headers,
    });
    const lines = (await csv.text()).trim().split("\n");
    assert.match(lines[1]!, new RegExp(`^${reviewId},support,`));
    assert.match(lines[3]!, new RegExp(`^${reviewId},support-managers,`));
  });

  test("bad scopes are refused before anything is stored", async () => {
    const before = await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.access_reviews",
    );
    const both = await call(ada, "POST", "/api/v1/access-reviews", {
      group: "support",
      highRisk: true,
      reviewerId: ada.id,
    });
    assert.deepEqual([both.status, both.body.error.code], [422, "validation.failed"]);
    assert.match(JSON.stringify(both.body.error), /exactly one of group, groups or highRisk/);
    const unknown = await call(ada, "POST", "/api/v1/access-reviews", {
      groups: ["support", "nope"],
      reviewerId: ada.id,
    });
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, "admin.not_found"]);
    assert.match(unknown.body.error.message, /"nope"/);
    const after = await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.access_reviews",
    );
    assert.equal(after.rows[0].n, before.rows[0].n);
  });
});

describe("every grant on high-risk actions", () => {
  test("covers the groups that can run, approve or administer high-risk actions, with those grants only", async () => {
    const started = await call(ada, "POST", "/api/v1/access-reviews", {
      highRisk: true,
      reviewerId: mark.id,
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal(started.body.scope, "high_risk");
    // readers only run the low-risk lookup: not in scope.
    assert.deepEqual(
      started.body.groups.map((g: { name: string }) => g.name),
      ["admins", "support", "support-managers"],
    );
    assert.ok(!started.body.items.some((i: { userId: string }) => i.userId === rex.id));
    const grantsOf = (group: string) =>
      started.body.items
        .find((i: { group: { name: string } }) => i.group.name === group)
        .grants.map((g: { verbs: string[]; on: string }) => `${g.verbs.join("+")} ${g.on}`);
    assert.deepEqual(grantsOf("support-managers"), ["run+approve tag:billing"]);
    assert.deepEqual(grantsOf("admins"), ["admin *"]);
    const cancelled = await call(ada, "POST", `/api/v1/access-reviews/${started.body.id}/cancel`, {
      reason: "scope checked",
    });
    assert.equal(cancelled.status, 200);
  });
});

describe("recurring access reviews", () => {
  let scheduleId: string;
  const dbosSchedules = async () =>
    (
      await t.airlock.database.pool.query<{ schedule_name: string }>(
        "SELECT schedule_name FROM dbos.workflow_schedules WHERE schedule_name LIKE 'access-review.%'",
      )
    ).rows.map((r) => r.schedule_name);

  test("a quarterly review of support is a schedule on the durable engine, with its next ticks", async () => {
    const created = await call(ada, "POST", "/api/v1/access-reviews/schedules", {
      group: "support",
      reviewerId: ada.id,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    scheduleId = created.body.id;
    assert.equal(created.body.cron, "0 9 1 1,4,7,10 *");
    assert.equal(created.body.timeZone, "UTC");
    for (const tick of created.body.nextTicks) assert.match(tick, /^\d{4}-(01|04|07|10)-01T09:00:00\.000Z$/);
    assert.deepEqual(await dbosSchedules(), [`access-review.${scheduleId}`]);
    const [event] = await auditEvents(t.airlock.database.pool, ["access_review.scheduled"], {
      targetId: scheduleId,
    });
    assert.equal(event!.actor_id, ada.id);
  });

  test("a tick starts one review, however often it fires; the next tick meeting it open is refused and audited", async () => {
    const tickAt = new Date("2027-01-01T09:00:00.000Z");
    await t.airlock.accessReviewSchedules.fire(scheduleId, tickAt);
    await t.airlock.accessReviewSchedules.fire(scheduleId, tickAt);
    const reviews = await t.airlock.database.pool.query<{ id: string; tick_at: Date; started_by: string }>(
      "SELECT id, tick_at, started_by FROM airlock.access_reviews WHERE schedule_id = $1",
      [scheduleId],
    );
    assert.equal(reviews.rows.length, 1);
    assert.equal(reviews.rows[0]!.tick_at.toISOString(), tickAt.toISOString());
    assert.equal(reviews.rows[0]!.started_by, ada.id);
    const shown = await call(ada, "GET", `/api/v1/access-reviews/${reviews.rows[0]!.id}`);
    assert.equal(shown.body.scheduleId, scheduleId);
    assert.deepEqual(
      shown.body.items.map((i: { name: string }) => i.name),
      ["Sam Support"],
    );

    await t.airlock.accessReviewSchedules.fire(scheduleId, new Date("2027-04-01T09:00:00.000Z"));
    const refused = await auditEvents(t.airlock.database.pool, ["access_review.tick_refused"], {
      targetId: scheduleId,
    });
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.error_code, "review.already_open");
    const listed = await call(ada, "GET", "/api/v1/access-reviews/schedules");
    assert.equal(listed.body.schedules[0].lastReviewId, reviews.rows[0]!.id);
  });

  test("bad cadences and non-admins are refused; stopping removes the engine's schedule", async () => {
    for (const every of ["fortnightly", "* * * * *"]) {
      const bad = await call(ada, "POST", "/api/v1/access-reviews/schedules", {
        highRisk: true,
        reviewerId: ada.id,
        every,
      });
      assert.deepEqual([bad.status, bad.body.error.code], [422, "review.schedule_invalid"], every);
    }
    const zone = await call(ada, "POST", "/api/v1/access-reviews/schedules", {
      highRisk: true,
      reviewerId: ada.id,
      timeZone: "Mars/Olympus",
    });
    assert.deepEqual([zone.status, zone.body.error.code], [422, "review.schedule_invalid"]);
    const stranger = await call(sam, "POST", "/api/v1/access-reviews/schedules", {
      highRisk: true,
      reviewerId: sam.id,
    });
    assert.deepEqual([stranger.status, stranger.body.error.code], [403, "permission.denied"]);
    assert.deepEqual((await call(sam, "GET", "/api/v1/access-reviews/schedules")).body.schedules, []);

    const server = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const res = await runAirlock(["access-reviews", "stop-schedule", scheduleId], {
        AIRLOCK_URL: server.url,
        AIRLOCK_TOKEN: ada.token,
      });
      assert.equal(res.code, 0, res.out + res.err);
      assert.match(res.out, new RegExp(`${scheduleId} +stopped +support +0 9 1 1,4,7,10 \\* UTC`));
    } finally {
      await server.close();
    }
    assert.deepEqual(await dbosSchedules(), []);
    const unknown = await call(ada, "POST", "/api/v1/access-reviews/schedules/arsch_nope/stop", {});
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, "review.schedule_not_found"]);
  });
});

test("a recurring review whose admin is disabled shows it is stalled; another admin takes it over and its ticks start reviews again", async () => {
  const pool = t.airlock.database.pool;
  const bob = await createUser(pool, { groups: ["admins"], name: "Bob Admin", email: "bob@scope.test" });
  const created = await call(ada, "POST", "/api/v1/access-reviews/schedules", {
    highRisk: true,
    reviewerId: bob.id,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id: string = created.body.id;
  assert.deepEqual(
    [created.body.runsAs.id, created.body.stalled, created.body.lastRefusal],
    [ada.id, false, null],
  );
  const disabled = await call(bob, "POST", `/api/v1/admin/users/${ada.id}/disable`, {});
  assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
  const schedule = async () =>
    (await call(bob, "GET", "/api/v1/access-reviews/schedules")).body.schedules.find(
      (s: { id: string }) => s.id === id,
    );

  // The tick is refused, audited, and the list says why.
  await t.airlock.accessReviewSchedules.fire(id, new Date("2027-07-01T09:00:00.000Z"));
  const started = () =>
    pool.query<{ started_by: string }>(
      "SELECT started_by FROM airlock.access_reviews WHERE schedule_id = $1",
      [id],
    );
  assert.equal((await started()).rows.length, 0);
  const [refused] = await auditEvents(pool, ["access_review.tick_refused"], { targetId: id });
  assert.equal(refused!.error_code, "review.schedule_stalled");
  const stalled = await schedule();
  assert.equal(stalled.stalled, true);
  assert.deepEqual(stalled.runsAs, { id: ada.id, name: "Ada Admin", active: false });
  assert.equal(stalled.lastRefusal.code, "review.schedule_stalled");

  // Only an admin takes it over; the change is audited with the admin it ran as.
  const stranger = await call(sam, "POST", `/api/v1/access-reviews/schedules/${id}/take-over`, {});
  assert.deepEqual([stranger.status, stranger.body.error.code], [403, "permission.denied"]);
  const server = await listen(t.airlock.app, "127.0.0.1", 0);
  try {
    const res = await runAirlock(["access-reviews", "take-over", id], {
      AIRLOCK_URL: server.url,
      AIRLOCK_TOKEN: bob.token,
    });
    assert.equal(res.code, 0, res.out + res.err);
    assert.match(res.out, new RegExp(`${id} +active +every grant on high-risk actions .* Bob Admin`));
  } finally {
    await server.close();
  }
  const taken = await schedule();
  assert.deepEqual([taken.runsAs.id, taken.stalled], [bob.id, false]);
  const [event] = await auditEvents(pool, ["access_review.schedule_taken_over"], { targetId: id });
  assert.equal(event!.actor_id, bob.id);
  assert.equal((event!.data as { ranAs: string }).ranAs, ada.id);

  // The next tick starts its review in Bob's name, and the refusal is cleared.
  await t.airlock.accessReviewSchedules.fire(id, new Date("2027-10-01T09:00:00.000Z"));
  assert.deepEqual(
    (await started()).rows.map((r) => r.started_by),
    [bob.id],
  );
  assert.equal((await schedule()).lastRefusal, null);

  const unknown = await call(bob, "POST", "/api/v1/access-reviews/schedules/arsch_nope/take-over", {});
  assert.deepEqual([unknown.status, unknown.body.error.code], [404, "review.schedule_not_found"]);
  assert.equal((await call(bob, "POST", `/api/v1/access-reviews/schedules/${id}/stop`, {})).status, 200);
  const stopped = await call(bob, "POST", `/api/v1/access-reviews/schedules/${id}/take-over`, {});
  assert.deepEqual([stopped.status, stopped.body.error.code], [409, "review.schedule_stopped"]);
});
