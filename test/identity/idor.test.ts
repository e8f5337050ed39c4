// No IDOR (reliability.md): every endpoint that takes an id, called by another user with the ids
// of Alice's objects, answers 403/404 with nothing but the error envelope, and changes nothing.
// The routes come from the OpenAPI document, which is generated from the route declarations: a
// new id-taking route without a case here fails the test.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApiToken } from "../../src/identity/api-tokens.ts";
import { newId } from "../../src/ids/ids.ts";
import { createFixtureSchema, fixtureWorkspace } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let alice: TestUser;
let mallory: TestUser;
const ids: Record<string, string> = {};

before(async () => {
  t = await startTestAirlock({ workspace: fixtureWorkspace, prepare: createFixtureSchema });
  const pool = t.airlock.database.pool;
  alice = await createUser(pool, { email: "alice@test.airlock", groups: ["operators"] });
  // Same role as Alice: the classic IDOR is a peer reaching a peer's objects.
  mallory = await createUser(pool, { email: "mallory@test.airlock", groups: ["operators"] });

  const run = await (
    await t.post(
      "/api/v1/actions/echo/runs",
      { params: { text: "alice-secret", card: "4242424242424242" } },
      alice.headers,
    )
  ).json();
  assert.equal(run.status, "succeeded", JSON.stringify(run));
  ids.run = run.id;
  const pending = await (
    await t.post(
      "/api/v1/actions/credit_inline/runs",
      { params: { account: "acc_alice", amount: 50_000 } },
      alice.headers,
    )
  ).json();
  assert.equal(pending.status, "pending_approval", JSON.stringify(pending));
  ids.approval = (
    await pool.query("SELECT id FROM airlock.approval_requests WHERE run_id = $1", [pending.id])
  ).rows[0].id;
  // Straight in the database: minting through the API needs a signed-in session.
  const token = await createApiToken(pool, { userId: alice.id, name: "alice-cli", createdBy: alice.id });
  ids.token = token.id;
  ids.tokenSecret = token.token;
  ids.group = (await pool.query("SELECT id FROM airlock.groups WHERE name = 'managers'")).rows[0].id;
  ids.grant = newId("gnt");
  await pool.query(
    "INSERT INTO airlock.grants (id, subject_kind, subject, verbs, on_kind, on_value, created_by) VALUES ($1, 'role', 'operator', '{view}', 'tag', 'tools', $2)",
    [ids.grant, alice.id],
  );
  await pool.query(
    "INSERT INTO airlock.users (id, kind, name, source) VALUES ('svc_idor', 'service', 'idor-svc', 'admin')",
  );
  ids.service = "svc_idor";
  // A change request Alice asked for (straight in the database: an operator cannot ask through the
  // API, and no admin exists here), and an action Mallory may not see.
  ids.approvalOfChange = newId("apr");
  ids.change = newId("chg");
  await pool.query(
    `INSERT INTO airlock.approval_requests (id, subject_kind, subject_id, action, action_version, requester_id, params_hash, policies, status, expires_at, request_id)
     VALUES ($1, 'change', $2, 'airlock.change', 'group.add_member', $3, 'h', '[]', 'pending', now() + interval '1 day', 'req_idor')`,
    [ids.approvalOfChange, ids.change, alice.id],
  );
  await pool.query(
    `INSERT INTO airlock.change_requests (id, kind, payload, payload_hash, summary, conflict_key, requested_by, status, approval_request_id, request_id)
     VALUES ($1, 'group.add_member', $2, 'h', 'Add alice@test.airlock to managers', 'member:idor', $3, 'pending', $4, 'req_idor')`,
    [ids.change, JSON.stringify({ groupId: ids.group, userId: alice.id }), alice.id, ids.approvalOfChange],
  );
  // A runbook run of Alice's (straight in the database: this workspace declares no runbook, and a
  // run of one Mallory may not see must answer as if it did not exist).
  ids.runbookRun = newId("rbr");
  await pool.query(
    `INSERT INTO airlock.runbook_runs (id, runbook, version, status, actor_id, params, request_id, workflow_id)
     VALUES ($1, 'alice_runbook', 'v1', 'waiting', $2, '{}', 'req_idor', $1)`,
    [ids.runbookRun, alice.id],
  );
  ids.webhook = newId("whk");
  // Ids of kinds this workspace has no object of (batches, elevations): any id Mallory names must
  // answer 403/404 with nothing else, whether or not it exists.
  ids.batch = newId("blk");
  // A saved query of Alice's (straight in the database: this workspace has no SQL action to save).
  ids.savedQuery = newId("sq");
  await pool.query(
    "INSERT INTO airlock.saved_queries (id, owner_id, name, action, params) VALUES ($1, $2, 'alice query', 'echo', '{}')",
    [ids.savedQuery, alice.id],
  );
  ids.accessReview = newId("rev");
  ids.accessReviewSchedule = newId("arsch");
  ids.elevation = newId("bgl");
  const visible = (await (await t.request("/api/v1/actions", { headers: mallory.headers })).json()) as {
    actions: { name: string }[];
  };
  ids.hiddenAction = [...t.airlock.workspace.actions.keys()].find(
    (name) => !visible.actions.some((a) => a.name === name),
  )!;
});
after(async () => {
  await t.close();
});

interface Case {
  /** Path parameters, by name. */
  params: () => Record<string, string>;
  body?: unknown | (() => unknown);
  /** Checked after the call: nothing of Alice's changed. */
  unchanged?: () => Promise<void>;
}

const approvalPending = async () => {
  const row = (
    await t.airlock.database.pool.query("SELECT status FROM airlock.approval_requests WHERE id = $1", [
      ids.approval,
    ])
  ).rows[0];
  assert.equal(row.status, "pending");
};
const aliceActive = async () => {
  const row = (
    await t.airlock.database.pool.query("SELECT status FROM airlock.users WHERE id = $1", [alice.id])
  ).rows[0];
  assert.equal(row.status, "active");
};

const runbookRunWaiting = async () => {
  const row = (
    await t.airlock.database.pool.query("SELECT status FROM airlock.runbook_runs WHERE id = $1", [
      ids.runbookRun,
    ])
  ).rows[0];
  assert.equal(row.status, "waiting");
};

const CASES: Record<string, Case> = {
  "GET /api/v1/actions/{name}": { params: () => ({ name: "secret_op" }) },
  "POST /api/v1/actions/{name}/runs": { params: () => ({ name: "secret_op" }), body: { params: {} } },
  "GET /api/v1/runs/{id}": { params: () => ({ id: ids.run! }) },
  "GET /api/v1/runs/{id}/logs": { params: () => ({ id: ids.run! }) },
  "PUT /api/v1/admin/groups/{name}/notification-defaults": {
    params: () => ({ name: "managers" }),
    body: { eventType: "approval.requested", channel: "email", enabled: false },
    unchanged: async () => {
      const rows = await t.airlock.database.pool.query("SELECT 1 FROM airlock.group_notification_defaults");
      assert.equal(rows.rowCount, 0);
    },
  },
  "GET /api/v1/admin/webhooks/{id}/deliveries": { params: () => ({ id: ids.webhook! }) },
  "POST /api/v1/runbooks/{name}/runs": { params: () => ({ name: "alice_runbook" }), body: { params: {} } },
  "POST /api/v1/runbooks/{name}/preview": { params: () => ({ name: "alice_runbook" }), body: { params: {} } },
  "GET /api/v1/runbook-runs/{id}": { params: () => ({ id: ids.runbookRun! }) },
  ...Object.fromEntries(
    (["cancel", "retry"] as const).map((verb) => [
      `POST /api/v1/runbook-runs/{id}/${verb}`,
      {
        params: () => ({ id: ids.runbookRun! }),
        body: { reason: "mallory was here" },
        unchanged: runbookRunWaiting,
      },
    ]),
  ),
  "POST /api/v1/runbook-runs/{id}/steps/{step}/answer": {
    params: () => ({ id: ids.runbookRun!, step: "decide" }),
    body: { answer: {} },
    unchanged: runbookRunWaiting,
  },
  "POST /api/v1/runs/{id}/reveal": {
    params: () => ({ id: ids.run! }),
    body: { path: ["params", "card"], reason: "curious about alice" },
  },
  "POST /api/v1/runs/{id}/retry": { params: () => ({ id: ids.run! }), body: {} },
  "POST /api/v1/runs/{id}/reveal-all": {
    params: () => ({ id: ids.run! }),
    body: { reason: "subject access for alice" },
  },
  "GET /api/v1/approvals/{id}": { params: () => ({ id: ids.approval! }) },
  "POST /api/v1/approvals/{id}/approve": {
    params: () => ({ id: ids.approval! }),
    body: {},
    unchanged: approvalPending,
  },
  "POST /api/v1/approvals/{id}/reject": {
    params: () => ({ id: ids.approval! }),
    body: { reason: "no" },
    unchanged: approvalPending,
  },
  "POST /api/v1/approvals/{id}/cancel": {
    params: () => ({ id: ids.approval! }),
    body: {},
    unchanged: approvalPending,
  },
  "POST /api/v1/policies/{name}/mode": {
    params: () => ({ name: "credit_inline.approval" }),
    body: { mode: "monitor", reason: "skip the review" },
    unchanged: async () => {
      const res = await t.post(
        "/api/v1/actions/credit_inline/runs",
        { params: { account: "acc_x", amount: 50_000 } },
        alice.headers,
      );
      assert.equal((await res.json()).status, "pending_approval", "the policy is still enforced");
    },
  },
  "DELETE /api/v1/tokens/{id}": {
    params: () => ({ id: ids.token! }),
    unchanged: async () => {
      const res = await t.request("/api/v1/me", { headers: { authorization: `Bearer ${ids.tokenSecret}` } });
      assert.equal(res.status, 200, "Alice's token still works");
    },
  },
  "GET /api/v1/admin/users/{id}": { params: () => ({ id: alice.id }) },
  "POST /api/v1/admin/users/{id}/disable": { params: () => ({ id: alice.id }), unchanged: aliceActive },
  "POST /api/v1/admin/users/{id}/enable": { params: () => ({ id: alice.id }), unchanged: aliceActive },
  "GET /api/v1/admin/groups/{id}": { params: () => ({ id: ids.group! }) },
  "PATCH /api/v1/admin/groups/{id}": {
    params: () => ({ id: ids.group! }),
    body: { ssoAliases: ["Everyone"] },
  },
  "POST /api/v1/admin/groups/{id}/members": {
    params: () => ({ id: ids.group! }),
    body: () => ({ userId: mallory.id }),
    unchanged: async () => {
      const me = await (await t.request("/api/v1/me", { headers: mallory.headers })).json();
      assert.deepEqual(me.groups, ["operators"], "Mallory did not make herself a manager");
    },
  },
  "DELETE /api/v1/admin/groups/{id}/members/{userId}": {
    params: () => ({ id: ids.group!, userId: alice.id }),
  },
  "DELETE /api/v1/admin/grants/{id}": {
    params: () => ({ id: ids.grant! }),
    unchanged: async () => {
      const row = (
        await t.airlock.database.pool.query("SELECT revoked_at FROM airlock.grants WHERE id = $1", [
          ids.grant,
        ])
      ).rows[0];
      assert.equal(row.revoked_at, null);
    },
  },
  "GET /api/v1/admin/secrets/{name}": { params: () => ({ name: "LEDGER_DB_URL" }) },
  "PUT /api/v1/admin/secrets/{name}": {
    params: () => ({ name: "LEDGER_DB_URL" }),
    body: { value: "mallory's database" },
    unchanged: async () => {
      const n = (await t.airlock.database.pool.query("SELECT count(*)::int AS n FROM airlock.secrets"))
        .rows[0].n;
      assert.equal(n, 0, "Mallory wrote no secret");
    },
  },
  "DELETE /api/v1/admin/secrets/{name}": { params: () => ({ name: "LEDGER_DB_URL" }) },
  "GET /api/v1/actions/{name}/versions": { params: () => ({ name: ids.hiddenAction! }) },
  "GET /api/v1/changes/{id}": { params: () => ({ id: ids.change! }) },
  ...Object.fromEntries(
    (["approve", "reject", "cancel"] as const).map((verb) => [
      `POST /api/v1/changes/{id}/${verb}`,
      {
        params: () => ({ id: ids.change! }),
        body: verb === "reject" ? { reason: "no" } : {},
        unchanged: async () => {
          const row = (
            await t.airlock.database.pool.query("SELECT status FROM airlock.change_requests WHERE id = $1", [
              ids.change,
            ])
          ).rows[0];
          assert.equal(row.status, "pending");
        },
      },
    ]),
  ),
  "POST /api/v1/admin/services/{id}/tokens": {
    params: () => ({ id: ids.service! }),
    body: { name: "mallory's" },
    unchanged: async () => {
      const n = (
        await t.airlock.database.pool.query(
          "SELECT count(*)::int AS n FROM airlock.api_tokens WHERE user_id = $1",
          [ids.service],
        )
      ).rows[0].n;
      assert.equal(n, 0);
    },
  },
  "POST /api/v1/policies/{name}/what-if": {
    params: () => ({ name: "credit_inline.approval" }),
    body: { draft: { when: "always" } },
  },
  "POST /api/v1/break-glass/{id}/end": { params: () => ({ id: ids.elevation! }) },
  "POST /api/v1/break-glass/{id}/review": {
    params: () => ({ id: ids.elevation! }),
    body: { note: "nothing to see" },
  },
  ...Object.fromEntries(
    (["approve", "reject"] as const).map((verb) => [
      `POST /api/v1/runbook-runs/{id}/steps/{step}/${verb}`,
      {
        params: () => ({ id: ids.runbookRun!, step: "gate" }),
        body: { reason: "mallory decides" },
        unchanged: runbookRunWaiting,
      },
    ]),
  ),
  ...Object.fromEntries(
    (["pause", "resume"] as const).map((verb) => [
      `POST /api/v1/schedules/{name}/${verb}`,
      { params: () => ({ name: "nightly_check" }), body: { reason: "mallory" } },
    ]),
  ),
  "GET /api/v1/bulk/{id}": { params: () => ({ id: ids.batch! }) },
  "DELETE /api/v1/saved-queries/{id}": {
    params: () => ({ id: ids.savedQuery! }),
    unchanged: async () => {
      const n = (
        await t.airlock.database.pool.query(
          "SELECT count(*)::int AS n FROM airlock.saved_queries WHERE id = $1",
          [ids.savedQuery],
        )
      ).rows[0].n;
      assert.equal(n, 1, "Alice's saved query is still there");
    },
  },
  "GET /api/v1/bulk/{id}/items": { params: () => ({ id: ids.batch! }) },
  "GET /api/v1/bulk/{id}/report.csv": { params: () => ({ id: ids.batch! }) },
  ...Object.fromEntries(
    (["pause", "resume", "cancel", "approve", "reject", "retry"] as const).map((verb) => [
      `POST /api/v1/bulk/{id}/${verb}`,
      { params: () => ({ id: ids.batch! }), body: { reason: "mallory" } },
    ]),
  ),
  "POST /api/v1/admin/users/{id}/invitation": {
    params: () => ({ id: alice.id }),
    body: {},
    unchanged: async () => {
      const n = (await t.airlock.database.pool.query("SELECT count(*)::int AS n FROM airlock.invitations"))
        .rows[0].n;
      assert.equal(n, 0, "no invitation was sent");
    },
  },
  ...Object.fromEntries(
    (["disable", "enable"] as const).map((verb) => [
      `POST /api/v1/admin/webhooks/{id}/${verb}`,
      { params: () => ({ id: ids.webhook! }), body: {} },
    ]),
  ),
  "DELETE /api/v1/admin/webhooks/{id}": { params: () => ({ id: ids.webhook! }) },
  "GET /api/v1/actions/{name}/reviewers": { params: () => ({ name: ids.hiddenAction! }) },
  "POST /api/v1/changes/{id}/token": {
    params: () => ({ id: ids.change! }),
    body: {},
    unchanged: async () => {
      const n = (
        await t.airlock.database.pool.query(
          "SELECT count(*)::int AS n FROM airlock.api_tokens WHERE user_id NOT IN ($1, $2)",
          [alice.id, mallory.id],
        )
      ).rows[0].n;
      assert.equal(n, 0, "no token was minted");
    },
  },
  "GET /api/v1/access-reviews/{id}": { params: () => ({ id: ids.accessReview! }) },
  "GET /api/v1/access-reviews/{id}/export": { params: () => ({ id: ids.accessReview! }) },
  "POST /api/v1/access-reviews/{id}/items/{userId}": {
    params: () => ({ id: ids.accessReview!, userId: alice.id }),
    body: { decision: "revoke", reason: "mallory" },
  },
  "POST /api/v1/access-reviews/{id}/sign-off": { params: () => ({ id: ids.accessReview! }), body: {} },
  "POST /api/v1/access-reviews/{id}/cancel": {
    params: () => ({ id: ids.accessReview! }),
    body: { reason: "mallory was here" },
  },
  "POST /api/v1/access-reviews/schedules/{id}/stop": {
    params: () => ({ id: ids.accessReviewSchedule! }),
    body: {},
  },
  "POST /api/v1/access-reviews/schedules/{id}/take-over": {
    params: () => ({ id: ids.accessReviewSchedule! }),
    body: {},
  },
  "PUT /api/v1/admin/demo/switches/{name}": {
    params: () => ({ name: "provider" }),
    body: { value: "outage" },
  },
};

test("every id-taking endpoint refuses another user's ids: 403/404, no data, no change", async () => {
  const doc = await (await t.request("/api/v1/openapi.json", { headers: mallory.headers })).json();
  const routes: string[] = [];
  for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    if (!path.includes("{")) continue;
    for (const method of Object.keys(operations)) routes.push(`${method.toUpperCase()} ${path}`);
  }
  assert.ok(routes.length >= 15, `found ${routes.length} id-taking routes`);
  const uncovered = routes.filter((r) => !CASES[r]);
  assert.deepEqual(uncovered, [], "add an IDOR case for each new route that takes an id");

  const leaks = ["alice-secret", "4242", "acc_alice", "alice@test.airlock", ids.tokenSecret!.slice(0, 10)];
  for (const route of routes) {
    const [method, template] = route.split(" ") as [string, string];
    const spec = CASES[route]!;
    const values = spec.params();
    const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      assert.ok(values[name], `${route}: no value for {${name}}`);
      return encodeURIComponent(values[name]!);
    });
    const res = await t.request(path, {
      method,
      headers: mallory.headers,
      ...(spec.body !== undefined
        ? { body: JSON.stringify(typeof spec.body === "function" ? spec.body() : spec.body) }
        : {}),
    });
    const text = await res.text();
    assert.ok([403, 404].includes(res.status), `${route} → ${res.status} ${text}`);
    const body = JSON.parse(text);
    assert.deepEqual(Object.keys(body), ["error"], `${route}: only the error envelope`);
    for (const secret of leaks) assert.ok(!text.includes(secret), `${route} leaked ${secret}`);
    await spec.unchanged?.();
  }

  // The owner still reaches her objects: the refusals above were about who asked.
  assert.equal((await t.request(`/api/v1/runs/${ids.run}`, { headers: alice.headers })).status, 200);
  assert.equal(
    (await t.request(`/api/v1/approvals/${ids.approval}`, { headers: alice.headers })).status,
    200,
  );
});
