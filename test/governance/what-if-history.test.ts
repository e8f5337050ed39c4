// Policy what-if judges each past run with the groups its requester held when they asked, rebuilt
// from the audit trail: a senior exempt from the rule when she refunded $200 is not counted as
// gated today because she has since left the seniors. Real app, real PostgreSQL.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

const refund = defineAction({
  name: "refund",
  title: "Refund",
  tags: ["billing"],
  risk: "low",
  execution: "inline",
  params: z.object({ amount: z.number() }),
  approval: {
    name: "big-refund",
    // Seniors refund without a second person.
    when: (p, ctx) => p.amount > 100 && !ctx.groups.includes("seniors"),
    reviewers: { groups: ["managers"] },
    mode: "monitor",
  },
  handler: (p) => ({ refunded: p.amount }),
});

let t: TestAirlock;
let admin: TestUser;
let sue: TestUser;

before(async () => {
  t = await startTestAirlock({
    workspace: defineWorkspace({
      name: "what_if_history",
      actions: [refund],
      groups: { clerks: {}, seniors: {}, managers: {}, admins: {} },
      roles: {
        clerk: { groups: ["clerks"] },
        manager: { groups: ["managers"] },
        admin: { groups: ["admins"] },
      },
      grants: [
        { to: "clerk", verbs: ["run"], on: { action: "refund" } },
        { to: "manager", verbs: ["approve"], on: { action: "refund" } },
        { to: "admin", verbs: ["admin"], on: "*" },
      ],
    }),
  });
  const pool = t.airlock.database.pool;
  admin = await createUser(pool, { groups: ["admins"], name: "Ann Admin", email: "ann@history.test" });
  await createUser(pool, { groups: ["managers"], name: "Max Manager", email: "max@history.test" });
  sue = await createUser(pool, {
    groups: ["clerks", "seniors"],
    name: "Sue Senior",
    email: "sue@history.test",
  });
});
after(async () => {
  await t?.close();
});

test("a run is judged with the requester's groups at the time, not today's", async () => {
  const ran = await t.post("/api/v1/actions/refund/runs", { params: { amount: 200 } }, sue.headers);
  assert.equal(ran.status, 200, await ran.clone().text());
  const seniors = await t.airlock.database.pool.query<{ id: string }>(
    "SELECT id FROM airlock.groups WHERE name = 'seniors'",
  );
  const removed = await t.request(`/api/v1/admin/groups/${seniors.rows[0]!.id}/members/${sue.id}`, {
    method: "DELETE",
    headers: admin.headers,
  });
  assert.ok(removed.status < 300, await removed.clone().text());

  const res = await t.post(
    "/api/v1/policies/big-refund/what-if",
    { days: 7, draft: { when: { all: [{ param: "amount", op: "gt", value: 500 }] } } },
    admin.headers,
  );
  assert.equal(res.status, 200, await res.clone().text());
  const { totals } = (await res.json()) as { totals: Record<string, number> };
  // With today's groups Sue is no senior and the run would count as gated now (no_longer_gated).
  assert.equal(totals.runs, 1);
  assert.equal(totals.gatedNow, 0);
  assert.equal(totals.still_free, 1);
  assert.equal(totals.no_longer_gated, 0);
});

test("who could have approved a past run is judged with the reviewers' groups at the time", async () => {
  const pool = t.airlock.database.pool;
  const managers = (await pool.query<{ id: string }>("SELECT id FROM airlock.groups WHERE name = 'managers'"))
    .rows[0]!.id;
  const mia = await createUser(pool, {
    groups: ["managers"],
    name: "Mia Manager",
    email: "mia@history.test",
  });
  const ray = await createUser(pool, { groups: [], name: "Ray Rookie", email: "ray@history.test" });
  const carl = await createUser(pool, { groups: ["clerks"], name: "Carl Clerk", email: "carl@history.test" });
  const refundOf = async (amount: number) => {
    const res = await t.post("/api/v1/actions/refund/runs", { params: { amount } }, carl.headers);
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { id: string }).id;
  };
  // Before: Mia manages, Ray does not. Then Mia leaves the managers and Ray joins them.
  const before = await refundOf(50);
  const left = await t.request(`/api/v1/admin/groups/${managers}/members/${mia.id}`, {
    method: "DELETE",
    headers: admin.headers,
  });
  assert.ok(left.status < 300, await left.clone().text());
  const joined = await t.post(
    `/api/v1/admin/groups/${managers}/members`,
    { userId: ray.id, reason: "Ray covers refunds from now on" },
    admin.headers,
  );
  assert.ok(joined.status < 300, await joined.clone().text());
  const after = await refundOf(60);

  // A draft that gates every refund over $10: both runs are newly gated.
  const res = await t.post(
    "/api/v1/policies/big-refund/what-if",
    { days: 7, draft: { when: { all: [{ param: "amount", op: "gt", value: 10 }] } } },
    admin.headers,
  );
  assert.equal(res.status, 200, await res.clone().text());
  const report = (await res.json()) as {
    draft: { eligibleReviewers: { name: string }[] };
    changed: { runId: string; category: string; reviewersThen: { name: string }[] | null }[];
  };
  const namesFor = (runId: string) => {
    const entry = report.changed.find((c) => c.runId === runId)!;
    assert.equal(entry.category, "newly_gated");
    return entry.reviewersThen!.map((p) => p.name).sort();
  };
  assert.deepEqual(namesFor(before), ["Max Manager", "Mia Manager"]);
  assert.deepEqual(namesFor(after), ["Max Manager", "Ray Rookie"]);
  // Who could approve today is today's managers.
  assert.deepEqual(report.draft.eligibleReviewers.map((p) => p.name).sort(), ["Max Manager", "Ray Rookie"]);
});
