// Demo mode without AIRLOCK_SMTP_URL: Airlock starts its local mail sink, approval emails go
// through it over SMTP, and the Mailbox shows them (admins only) with their delivery status; the
// admin delivery log lists the same rows.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newId } from "../../src/ids/ids.ts";
import { type Cast, getJson, requestApproval, startApprovalAirlock } from "../approval/approval-support.ts";
import type { TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let cast: Cast;
let admin: TestUser;

before(async () => {
  ({ t, cast } = await startApprovalAirlock({ env: { AIRLOCK_DEMO: "1" } }));
  const pool = t.airlock.database.pool;
  admin = await createUser(pool, { groups: ["notify-admins"], name: "Nora Admin" });
  await pool.query(
    `INSERT INTO airlock.grants (id, subject_kind, subject, verbs, on_kind, on_value, created_by)
     VALUES ($1, 'group', 'notify-admins', '{admin}', 'all', NULL, $2)`,
    [newId("gnt"), admin.id],
  );
});
after(async () => {
  await t.close();
});

test("the demo's mail sink receives approval emails and the Mailbox shows them to admins", async () => {
  const { approvalId } = await requestApproval(t, cast.operator, "credit_queued", {
    account: "acc_mailbox",
    amount: 25_000,
  });
  await t.airlock.approvals.events.drain();
  const managers = [cast.manager, cast.manager2, cast.admin].map((u) => u.email).sort();
  const deadline = Date.now() + 15_000;
  let mails: { to: string; subject: string; text: string; status: string; approvalRequestId: string }[] = [];
  for (;;) {
    const res = await getJson(t, admin, "/api/v1/mailbox");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    mails = res.body.notifications.filter(
      (m: { approvalRequestId: string }) => m.approvalRequestId === approvalId,
    );
    if (mails.length === managers.length && mails.every((m) => m.status === "delivered")) break;
    if (Date.now() > deadline) assert.fail(`mailbox: ${JSON.stringify(mails)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(mails.map((m) => m.to).sort(), managers);
  assert.ok(mails.every((m) => m.subject === "Approval needed: Credit (queued) on account:acc_mailbox"));
  assert.ok(mails.every((m) => m.text.includes(`/approvals/${approvalId}`)));

  // The delivery log lists the same emails (beside them: each reviewer's in-app notification).
  const log = await getJson(
    t,
    admin,
    `/api/v1/admin/notifications?approvalRequestId=${approvalId}&channel=email`,
  );
  assert.equal(log.status, 200);
  assert.equal(log.body.notifications.length, managers.length);

  // Not for anyone else: a reviewer who is not an admin is refused.
  for (const path of ["/api/v1/mailbox", "/api/v1/admin/notifications"]) {
    const refused = await getJson(t, cast.manager, path);
    assert.equal(refused.status, 403, path);
    assert.equal(refused.body.error.code, "permission.denied");
  }
});
