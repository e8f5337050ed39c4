import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ownerClient } from "../../src/store/database.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { createFixtureSchema, fixtureWorkspace } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let operator: TestUser;
let auditor: TestUser;

before(async () => {
  t = await startTestAirlock({ workspace: fixtureWorkspace, prepare: createFixtureSchema });
  operator = await createUser(t.airlock.database.pool, { groups: ["operators"] });
  auditor = await createUser(t.airlock.database.pool, { groups: ["auditors"] });
});
after(async () => {
  await t.close();
});

async function sealed(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const left = await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.audit_events e WHERE NOT EXISTS (SELECT 1 FROM airlock.audit_seals s WHERE e.id = ANY (s.event_ids))",
    );
    if (left.rows[0].n === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the sealer did not catch up within 15 s");
}

test("an auditor finds a run by request ID; the search itself is audited; others are refused", async () => {
  const res = await t.post(
    "/api/v1/actions/credit_inline/runs",
    { params: { account: "acc_a1", amount: 10 } },
    { ...operator.headers, "x-request-id": "req-audit-find-1" },
  );
  assert.equal(res.status, 200);
  const found = await (
    await t.request("/api/v1/audit?requestId=req-audit-find-1", { headers: auditor.headers })
  ).json();
  assert.deepEqual(found.events.map((e: { type: string }) => e.type).sort(), [
    "run.requested",
    "run.succeeded",
  ]);
  assert.equal(found.events[0].actorId, operator.id);
  const viewed = await t.airlock.database.pool.query(
    "SELECT actor_id, params FROM airlock.audit_events WHERE type = 'audit.viewed' AND actor_id = $1",
    [auditor.id],
  );
  assert.equal(viewed.rowCount, 1);
  assert.equal(viewed.rows[0].params.requestId, "req-audit-find-1");
  const denied = await t.request("/api/v1/audit?requestId=req-audit-find-1", { headers: operator.headers });
  assert.equal(denied.status, 403);
  assert.equal((await denied.json()).error.code, "permission.denied");
});

test("bad filters are 400 with the field named; injection text is just a value", async () => {
  for (const [query, field] of [
    ["from=yesterday", "from"],
    ["limit=100000", "limit"],
    ["bogus=1", ""],
    ["cursor=not-a-cursor", "cursor"],
    ["targetId=acc_1", "targetType"],
  ]) {
    const res = await t.request(`/api/v1/audit?${query}`, { headers: auditor.headers });
    const body = await res.json();
    assert.equal(res.status, 400, query);
    assert.equal(body.error.code, "request.invalid_query");
    if (field)
      assert.ok(
        body.error.details.issues.some((i: { path: string[] }) => i.path.includes(field)),
        `${query}: ${JSON.stringify(body.error.details)}`,
      );
  }
  const injection = await t.request(`/api/v1/audit?actorId=${encodeURIComponent("x' OR '1'='1")}`, {
    headers: auditor.headers,
  });
  assert.equal(injection.status, 200);
  assert.deepEqual((await injection.json()).events, []);
});

test("CSV export neutralizes formula cells and is audited", async () => {
  // The reason is its own cell: a value starting with "=" would run as a formula in a spreadsheet.
  for (const reason of ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)"]) {
    await t.post("/api/v1/actions/echo/runs", { params: { text: "x" }, reason }, operator.headers);
  }
  const res = await t.request("/api/v1/audit/export?format=csv&action=echo", { headers: auditor.headers });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/csv/);
  assert.match(res.headers.get("content-disposition") ?? "", /attachment; filename="airlock-audit-.*\.csv"/);
  const csv = await res.text();
  for (const formula of ["=cmd", "+1+1", "-2+3", "@SUM"]) {
    assert.doesNotMatch(
      csv,
      new RegExp(`(^|,)"?\\${formula[0]}${formula.slice(1).replace(/[+()|]/g, "\\$&")}`, "m"),
      `no cell starts with ${formula}`,
    );
    assert.ok(csv.includes(`'${formula}`), `${formula} is neutralized with a leading quote`);
  }
  const exported = await t.airlock.database.pool.query(
    "SELECT params FROM airlock.audit_events WHERE type = 'audit.exported' AND actor_id = $1",
    [auditor.id],
  );
  assert.equal(exported.rowCount, 1);
  const jsonl = await (
    await t.request("/api/v1/audit/export?format=jsonl&action=echo", { headers: auditor.headers })
  ).text();
  for (const line of jsonl.trim().split("\n")) assert.equal(JSON.parse(line).action, "echo");
});

test("the run page answers the six questions and its audit events verify once sealed", async () => {
  const res = await t.post(
    "/api/v1/actions/credit_queued/runs",
    { params: { account: "acc_six", amount: 42 } },
    operator.headers,
  );
  const run = await res.json();
  await sealed();
  const page = await (await t.request(`/api/v1/runs/${run.id}`, { headers: auditor.headers })).json();
  const a = page.accountability;
  assert.equal(a.who.actor.id, operator.id);
  assert.equal(a.who.channel, "api");
  assert.deepEqual(a.target.target, { type: "account", id: "acc_six" });
  assert.equal(a.allowedBy.grant.subject, "operator");
  assert.equal(a.allowedBy.grant.on, "tag:billing");
  assert.equal(a.approval.required, false);
  assert.deepEqual(a.changed.diff, [{ path: "balance", before: 0, after: 42 }]);
  assert.equal(a.requestIds.request, run.requestId);
  assert.deepEqual(
    a.audit.events.map((e: { type: string }) => e.type),
    ["run.requested", "run.started", "run.succeeded"],
  );
  assert.equal(a.audit.verified, true);
  assert.ok(a.audit.events.every((e: { status: string }) => e.status === "verified"));
});

test("verify: OK on a clean trail; after a manual UPDATE, the API and `airlock audit verify --direct` name the first tampered event", async () => {
  await sealed();
  const ok = await (await t.request("/api/v1/audit/verify", { headers: auditor.headers })).json();
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.ok(ok.events > 5);
  assert.equal((await t.request("/api/v1/audit/verify", { headers: operator.headers })).status, 403);

  const client = await ownerClient(t.database.url);
  let tampered: string;
  try {
    const victim = await client.query(
      "SELECT id FROM airlock.audit_events WHERE type = 'run.succeeded' ORDER BY id LIMIT 1",
    );
    tampered = victim.rows[0].id;
    await client.query("UPDATE airlock.audit_events SET outcome = 'failure' WHERE id = $1", [tampered]);
  } finally {
    await client.end();
  }
  const bad = await (await t.request("/api/v1/audit/verify", { headers: auditor.headers })).json();
  assert.equal(bad.ok, false);
  assert.equal(bad.problem.kind, "edited");
  assert.equal(String(bad.problem.eventId), tampered);
  const direct = await runAirlock(["audit", "verify", "--direct"], {
    DATABASE_URL: t.database.url,
    AIRLOCK_LOG_LEVEL: "silent",
  });
  assert.equal(direct.code, 1, direct.err);
  assert.match(direct.out, new RegExp(`^TAMPERING: edited — first bad event #${tampered}`));
  const verified = await t.airlock.database.pool.query(
    "SELECT outcome FROM airlock.audit_events WHERE type = 'audit.verified' ORDER BY id",
  );
  assert.deepEqual(
    verified.rows.map((r) => r.outcome),
    ["success", "failure"],
  );
});
