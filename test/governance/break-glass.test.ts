// Break-glass: a person takes a workspace-defined emergency role at once, with a reason, for at
// most 4 hours; admins get an email; it ends by itself; what they ran under it is marked; a second
// person completes the post-review; it never lets anyone approve. Bad input: each its own code.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { listen } from "../../src/server/serve.ts";
import { type SmtpCatcher, startSmtpCatcher } from "../notify/smtp-catcher.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { auditEvents } from "../support/audit-events.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { breakGlassWorkspace } from "./break-glass-workspace.ts";

let t: TestAirlock;
let smtp: SmtpCatcher;
let ada: TestUser; // admin
let rex: TestUser; // reader: no access to credits
let mark: TestUser; // support manager

before(async () => {
  smtp = await startSmtpCatcher();
  t = await startTestAirlock({ workspace: breakGlassWorkspace, env: { AIRLOCK_SMTP_URL: smtp.url } });
  const pool = t.airlock.database.pool;
  ada = await createUser(pool, { groups: ["admins"], name: "Ada Admin", email: "ada@bg.test" });
  await createUser(pool, { groups: ["admins"], name: "Bob Admin", email: "bob@bg.test" });
  rex = await createUser(pool, { groups: ["readers"], name: "Rex Reader", email: "rex@bg.test" });
  mark = await createUser(pool, {
    groups: ["support-managers"],
    name: "Mark Manager",
    email: "mark@bg.test",
  });
});
after(async () => {
  await t.close();
  await smtp.close();
});

const call = async (user: TestUser, method: string, path: string, body?: unknown) => {
  const res = await t.request(path, {
    method,
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text };
};
const credit = (user: TestUser, amountCents: number, key: string) =>
  t.request("/api/v1/actions/issue_credit/runs", {
    method: "POST",
    headers: { ...user.headers, "idempotency-key": key },
    body: JSON.stringify({ params: { accountId: "acc_bg", amountCents } }),
  });
const REASON = "INC-42: the ledger double-charged 30 customers";

describe("bad input is refused, each with its own code, and nothing is stored", () => {
  test("no reason, too long, not an emergency role", async () => {
    const cases: [unknown, number, string][] = [
      [{ role: "incident-responder", reason: "" }, 422, "breakglass.reason_required"],
      [{ role: "incident-responder", reason: REASON, minutes: 241 }, 422, "breakglass.too_long"],
      [{ role: "incident-responder", reason: REASON, minutes: 0 }, 422, "breakglass.too_long"],
      [{ role: "support-manager", reason: REASON }, 422, "breakglass.not_emergency_role"],
      [{ role: "nope", reason: REASON }, 422, "breakglass.not_emergency_role"],
    ];
    for (const [body, status, code] of cases) {
      const res = await call(rex, "POST", "/api/v1/break-glass", body);
      assert.deepEqual([res.status, res.body.error.code], [status, code], JSON.stringify(body));
      assert.ok(res.body.error.requestId);
    }
    const stored = await t.airlock.database.pool.query("SELECT 1 FROM airlock.break_glass");
    assert.equal(stored.rowCount, 0);
  });
});

describe("an elevation: immediate, told to admins, marked, ends by itself, reviewed by a second person", () => {
  let id: string;

  test("it takes effect at once; admins get an email; /me says so; the run is allowed by the emergency role", async () => {
    assert.equal((await credit(rex, 5_000, "bg-before")).status, 404, "not even visible before");
    const started = await call(rex, "POST", "/api/v1/break-glass", {
      role: "incident-responder",
      reason: REASON,
      minutes: 30,
    });
    assert.equal(started.status, 201, started.text);
    id = started.body.id;
    assert.equal(started.body.active, true);
    const ends = new Date(started.body.endsAt).getTime() - new Date(started.body.startedAt).getTime();
    assert.equal(Math.round(ends / 60_000), 30);
    const again = await call(rex, "POST", "/api/v1/break-glass", {
      role: "incident-responder",
      reason: REASON,
    });
    assert.deepEqual([again.status, again.body.error.code], [409, "breakglass.already_active"]);

    const me = await call(rex, "GET", "/api/v1/me");
    assert.equal(me.body.breakGlass.role, "incident-responder");
    assert.ok(me.body.roles.includes("incident-responder"));
    const ran = await credit(rex, 5_000, "bg-during");
    assert.equal(ran.status, 200, await ran.clone().text());
    // The run's six questions say it was done under the elevation, and which.
    const runId = ((await ran.json()) as { id: string }).id;
    const detail = await call(rex, "GET", `/api/v1/runs/${runId}`);
    assert.deepEqual(
      [detail.body.accountability.elevation?.id, detail.body.accountability.elevation?.role],
      [id, "incident-responder"],
    );

    await t.airlock.approvals.events.drain();
    const mails = await smtp.waitFor(
      (all) => all.filter((m) => m.decoded.includes("Break-glass")).length >= 2,
    );
    const told = mails
      .filter((m) => m.decoded.includes("Break-glass"))
      .flatMap((m) => m.to)
      .sort();
    assert.deepEqual(told, ["ada@bg.test", "bob@bg.test"]);
    assert.ok(mails.some((m) => m.decoded.includes("INC-42")));
    const started_ = await auditEvents(t.airlock.database.pool, ["breakglass.started"], { targetId: id });
    assert.equal(started_.length, 1);

    const server = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const status = await runAirlock(["break-glass", "status"], {
        AIRLOCK_URL: server.url,
        AIRLOCK_TOKEN: rex.token,
      });
      assert.equal(status.code, 0, status.out + status.err);
      assert.match(
        status.out,
        new RegExp(`${id} +rex@bg\\.test +incident-responder .* yes +pending +INC-42`),
      );
    } finally {
      await server.close();
    }
  });

  test("it never allows approving: not one's own request, and nobody's while elevated", async () => {
    const held = await credit(rex, 50_000, "bg-held");
    assert.equal(held.status, 202, "the emergency role runs; the policy still holds large credits");
    const { approvalRequestId } = await held.json();
    const own = await call(rex, "POST", `/api/v1/approvals/${approvalRequestId}/approve`, {});
    assert.equal(own.status, 403, own.text);
    assert.equal(own.body.error?.code, "approval.self_approval", own.text);

    const marks = await call(mark, "POST", "/api/v1/break-glass", {
      role: "incident-responder",
      reason: REASON,
    });
    assert.equal(marks.status, 201, marks.text);
    const refused = await call(mark, "POST", `/api/v1/approvals/${approvalRequestId}/approve`, {});
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error.code, "approval.break_glass_active");
    const ended = await call(mark, "POST", `/api/v1/break-glass/${marks.body.id}/end`);
    assert.equal(ended.body.active, false);
    const approved = await call(mark, "POST", `/api/v1/approvals/${approvalRequestId}/approve`, {});
    assert.equal(approved.status, 200, approved.text);
  });

  test("it ends by itself; the holder cannot review it; another admin completes the post-review", async () => {
    const early = await call(ada, "POST", `/api/v1/break-glass/${id}/review`, { note: "checked" });
    assert.deepEqual([early.status, early.body.error.code], [409, "breakglass.still_active"]);
    // Time is up (moved back, as the clock would): refused at once, then recorded by the sweep.
    await t.airlock.database.pool.query(
      "UPDATE airlock.break_glass SET started_at = now() - interval '31 minutes', ends_at = now() - interval '1 minute' WHERE id = $1",
      [id],
    );
    t.airlock.authorizer.invalidate();
    assert.equal((await credit(rex, 5_000, "bg-after")).status, 404, "gone with the role");
    assert.equal((await call(rex, "GET", "/api/v1/me")).body.breakGlass, null);
    const { closeExpired } = await import("../../src/governance/break-glass.ts");
    assert.equal(await closeExpired(t.airlock.database.pool), 1);
    const ended = await auditEvents(t.airlock.database.pool, ["breakglass.ended"], { targetId: id });
    assert.equal((ended[0]!.data as { how: string }).how, "time_up");

    const pending = await call(ada, "GET", "/api/v1/break-glass?review=pending");
    assert.ok(pending.body.elevations.some((e: { id: string }) => e.id === id));
    const mine = await call(rex, "POST", `/api/v1/break-glass/${id}/review`, { note: "all fine" });
    assert.deepEqual([mine.status, mine.body.error.code], [403, "breakglass.self_review"]);
    const byMark = await call(mark, "POST", `/api/v1/break-glass/${id}/review`, { note: "all fine" });
    assert.deepEqual([byMark.status, byMark.body.error.code], [404, "breakglass.not_found"]);
    const reviewed = await call(ada, "POST", `/api/v1/break-glass/${id}/review`, {
      note: "Checked the two credits against INC-42; both match the double charge.",
    });
    assert.equal(reviewed.status, 200, reviewed.text);
    assert.equal(reviewed.body.review.status, "done");
    assert.equal(reviewed.body.review.reviewedBy, ada.id);
    const left = (await call(ada, "GET", "/api/v1/break-glass?review=pending")).body.elevations;
    assert.ok(!left.some((e: { id: string }) => e.id === id));
  });
});
