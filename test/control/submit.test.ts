import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ownerClient } from "../../src/store/database.ts";
import { createFixtureSchema, fixtureWorkspace } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let operator: TestUser;
let auditor: TestUser;
let outsider: TestUser;

before(async () => {
  t = await startTestAirlock({ workspace: fixtureWorkspace, prepare: createFixtureSchema });
  operator = await createUser(t.airlock.database.pool, { groups: ["operators"] });
  auditor = await createUser(t.airlock.database.pool, { groups: ["auditors"] });
  outsider = await createUser(t.airlock.database.pool, { groups: [] });
});
after(async () => {
  await t.close();
});

async function effects(runId: string): Promise<number> {
  const client = await ownerClient(t.database.url);
  try {
    return (await client.query("SELECT count(*)::int AS n FROM fixture.effects WHERE run_id = $1", [runId]))
      .rows[0].n;
  } finally {
    await client.end();
  }
}

async function auditTypes(runId: string): Promise<string[]> {
  const rows = await t.airlock.database.pool.query(
    "SELECT type FROM airlock.audit_events WHERE run_id = $1 ORDER BY id",
    [runId],
  );
  return rows.rows.map((r) => r.type);
}

describe("running an action", () => {
  for (const name of ["credit_inline", "credit_queued"]) {
    test(`${name}: 200 with the result; effect, run and audit recorded together`, async () => {
      const res = await t.post(
        `/api/v1/actions/${name}/runs`,
        { params: { account: "acc_1", amount: 500 } },
        { ...operator.headers, "x-request-id": `req-test-${name}` },
      );
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.status, "succeeded");
      assert.equal(body.requestId, `req-test-${name}`);
      assert.equal(res.headers.get("x-request-id"), `req-test-${name}`);
      assert.equal(body.result.requestId, `req-test-${name}`, "the handler saw the request ID");
      assert.equal(typeof body.result.balance, "number");
      assert.deepEqual(body.target, { type: "account", id: "acc_1" });
      assert.equal(await effects(body.id), 1);
      const types = await auditTypes(body.id);
      assert.deepEqual(
        types,
        name === "credit_inline"
          ? ["run.requested", "run.succeeded"]
          : ["run.requested", "run.started", "run.succeeded"],
      );
      const row = (
        await t.airlock.database.pool.query(
          "SELECT request_id, data FROM airlock.audit_events WHERE run_id = $1 AND type = 'run.succeeded'",
          [body.id],
        )
      ).rows[0];
      assert.equal(row.request_id, `req-test-${name}`);
      assert.deepEqual(Object.keys(row.data.before), ["balance"]);
      assert.equal(row.data.after.balance, body.result.balance);
      // The request ID is on the log lines of that request.
      assert.ok(t.logs.some((l) => l.requestId === `req-test-${name}` && l.msg === "request"));
    });
  }

  test("GET /api/v1/runs/{id} shows the run to its actor and to an auditor, 404 to others", async () => {
    const res = await t.post(
      "/api/v1/actions/credit_inline/runs",
      { params: { account: "acc_2", amount: 5 } },
      operator.headers,
    );
    const run = await res.json();
    const mine = await t.request(`/api/v1/runs/${run.id}`, { headers: operator.headers });
    assert.equal(mine.status, 200);
    const shown = await mine.json();
    assert.equal(shown.status, "succeeded");
    // Read back from the database, values keep the order they were written in (jsonb would sort
    // the keys: amount before account).
    assert.deepEqual(Object.keys(shown.params), ["account", "amount"]);
    assert.deepEqual(shown.params, run.params);
    assert.deepEqual(shown.result, run.result);
    assert.equal(shown.attempt, 1);
    assert.ok(shown.startedAt && shown.finishedAt && shown.createdAt <= shown.startedAt);
    assert.ok(Date.parse(shown.finishedAt) >= Date.parse(shown.startedAt), "finished after it started");
    assert.equal((await t.request(`/api/v1/runs/${run.id}`, { headers: auditor.headers })).status, 200);
    const other = await t.request(`/api/v1/runs/${run.id}`, { headers: outsider.headers });
    assert.equal(other.status, 404);
    assert.equal((await other.json()).error.code, "run.not_found");
    const list = await (
      await t.request("/api/v1/runs?actor=me&limit=200", { headers: outsider.headers })
    ).json();
    assert.deepEqual(list.runs, []);
  });

  test("a domain refusal is the action's code, its writes are rolled back, and it is audited", async () => {
    const res = await t.post(
      "/api/v1/actions/credit_inline/runs",
      { params: { account: "acc_closed", amount: 5 } },
      operator.headers,
    );
    const body = await res.json();
    assert.equal(res.status, 422);
    assert.equal(body.error.code, "domain.account_closed");
    assert.equal(body.error.message, "Account acc_closed is closed.");
    assert.match(body.error.details.runId, /^run_/);
    assert.equal(await effects(body.error.details.runId), 0);
    assert.deepEqual(await auditTypes(body.error.details.runId), ["run.requested", "run.failed"]);
  });

  test("a handler crash is handler.failed: no stack, no PII, effects rolled back; the log has the detail, scrubbed", async () => {
    const res = await t.post("/api/v1/actions/boom/runs", { params: {} }, operator.headers);
    const body = await res.json();
    assert.equal(res.status, 500);
    assert.equal(body.error.code, "handler.failed");
    assert.doesNotMatch(JSON.stringify(body), /kaboom|4111|at /);
    assert.equal(await effects(body.error.details.runId), 0);
    const line = t.logs.find(
      (l) => l.msg === "action handler failed" && l.runId === body.error.details.runId,
    );
    assert.ok(line, "the failure is logged with the run id");
    assert.doesNotMatch(t.logText(), /4111 1111 1111 1111/);
  });

  test("a timeout fails the run with run.timeout and rolls its writes back (also while a query runs)", async () => {
    for (const sql of [false, true]) {
      const started = Date.now();
      const res = await t.post("/api/v1/actions/slow/runs", { params: { ms: 5_000, sql } }, operator.headers);
      const body = await res.json();
      assert.equal(res.status, 504, JSON.stringify(body));
      assert.equal(body.error.code, "run.timeout");
      assert.ok(Date.now() - started < 4_000, "the timeout cut the handler short");
      assert.equal(await effects(body.error.details.runId), 0);
    }
  });

  test("PII in parameters and results is masked in the API and the audit", async () => {
    const res = await t.post(
      "/api/v1/actions/echo/runs",
      { params: { text: "hello", card: "4242424242424242" } },
      operator.headers,
    );
    const body = await res.json();
    assert.equal(res.status, 200);
    assert.equal(body.params.card, "424242••••••4242");
    assert.equal(body.result.card, "424242••••••4242");
    const audit = await t.airlock.database.pool.query(
      "SELECT params::text, data::text FROM airlock.audit_events WHERE run_id = $1",
      [body.id],
    );
    assert.doesNotMatch(JSON.stringify(audit.rows), /4242424242424242/);
  });
});

describe("refusals", () => {
  test("no credentials → auth.required; a bad token → auth.token_invalid", async () => {
    const anonymous = await t.post("/api/v1/actions/echo/runs", { params: { text: "x" } });
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).error.code, "auth.required");
    const forged = await t.post(
      "/api/v1/actions/echo/runs",
      { params: { text: "x" } },
      { authorization: "Bearer alk_forged" },
    );
    assert.equal(forged.status, 401);
    assert.equal((await forged.json()).error.code, "auth.token_invalid");
  });

  test("deny by default: no grant → action.not_found; view-only → permission.denied; both audited", async () => {
    const hidden = await t.post("/api/v1/actions/secret_op/runs", { params: {} }, operator.headers);
    assert.equal(hidden.status, 404);
    assert.equal((await hidden.json()).error.code, "action.not_found");
    const viewOnly = await t.post("/api/v1/actions/view_only/runs", { params: {} }, operator.headers);
    assert.equal(viewOnly.status, 403);
    const body = await viewOnly.json();
    assert.equal(body.error.code, "permission.denied");
    const denied = await t.airlock.database.pool.query(
      "SELECT action, request_id FROM airlock.audit_events WHERE type = 'permission.denied' AND actor_id = $1 ORDER BY id",
      [operator.id],
    );
    assert.deepEqual(
      denied.rows.map((r) => r.action),
      ["secret_op", "view_only"],
    );
    assert.equal(denied.rows[1].request_id, body.error.requestId);
    const missing = await t.post("/api/v1/actions/no_such_action/runs", { params: {} }, operator.headers);
    assert.equal(missing.status, 404);
  });

  test("validation: zod-style issues with paths; unknown fields refused; nothing stored but the audit", async () => {
    const before = (await t.airlock.database.pool.query("SELECT count(*)::int AS n FROM airlock.runs"))
      .rows[0].n;
    const res = await t.post(
      "/api/v1/actions/credit_inline/runs",
      { params: { account: "a", amount: -1, extra: true } },
      operator.headers,
    );
    const body = await res.json();
    assert.equal(res.status, 422);
    assert.equal(body.error.code, "validation.failed");
    const paths = body.error.details.issues.map((i: { path: unknown[] }) => i.path.join("."));
    assert.deepEqual(paths.sort(), ["", "account", "amount"].sort());
    for (const issue of body.error.details.issues) assert.equal(typeof issue.message, "string");
    const afterCount = (await t.airlock.database.pool.query("SELECT count(*)::int AS n FROM airlock.runs"))
      .rows[0].n;
    assert.equal(afterCount, before);
    const audit = await t.airlock.database.pool.query(
      "SELECT data FROM airlock.audit_events WHERE type = 'validation.failed' AND request_id = $1",
      [body.error.requestId],
    );
    assert.equal(audit.rowCount, 1);
  });

  test("bad bodies: malformed JSON, wrong content type, oversized, unknown top-level fields", async () => {
    const cases: [RequestInit, number, string][] = [
      [
        { method: "POST", headers: { ...operator.headers }, body: "{not json" },
        400,
        "request.malformed_json",
      ],
      [
        { method: "POST", headers: { ...operator.headers, "content-type": "text/plain" }, body: "{}" },
        415,
        "request.unsupported_media_type",
      ],
      [
        {
          method: "POST",
          headers: { ...operator.headers },
          body: JSON.stringify({ params: { text: "x".repeat(300_000) } }),
        },
        413,
        "request.too_large",
      ],
      [
        {
          method: "POST",
          headers: { ...operator.headers },
          body: JSON.stringify({ params: { text: "x" }, sneaky: 1 }),
        },
        422,
        "validation.failed",
      ],
      [
        { method: "POST", headers: { ...operator.headers }, body: JSON.stringify([1, 2]) },
        422,
        "validation.failed",
      ],
    ];
    for (const [init, status, code] of cases) {
      const res = await t.request("/api/v1/actions/echo/runs", init);
      const body = await res.json();
      assert.equal(res.status, status, `${code}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, code);
      assert.match(body.error.requestId, /^req_/);
    }
  });
});

describe("catalog", () => {
  test("lists only what the caller may see, with the parameters' JSON Schema", async () => {
    const list = await (await t.request("/api/v1/actions", { headers: operator.headers })).json();
    const names = list.actions.map((a: { name: string }) => a.name).sort();
    assert.deepEqual(names, ["boom", "credit_inline", "credit_queued", "echo", "slow", "view_only"]);
    const viewOnly = list.actions.find((a: { name: string }) => a.name === "view_only");
    assert.equal(viewOnly.permissions.run, false);
    const credit = list.actions.find((a: { name: string }) => a.name === "credit_inline");
    assert.equal(credit.approval.mayBeRequired, true);
    const one = await (
      await t.request("/api/v1/actions/credit_inline", { headers: operator.headers })
    ).json();
    assert.equal(one.paramsSchema.type, "object");
    assert.equal(one.paramsSchema.additionalProperties, false);
    assert.equal(one.paramsSchema.properties.amount.widget, "money");
    assert.equal((await t.request("/api/v1/actions/secret_op", { headers: operator.headers })).status, 404);
    const none = await (await t.request("/api/v1/actions", { headers: outsider.headers })).json();
    assert.deepEqual(none.actions, []);
  });

  test("the OpenAPI document lists the routes and, for a signed-in caller, their actions' schemas", async () => {
    const doc = await (await t.request("/api/v1/openapi.json", { headers: operator.headers })).json();
    assert.equal(doc.openapi, "3.1.0");
    assert.ok(doc.paths["/api/v1/runs/{id}"].get);
    assert.ok(doc.paths["/api/v1/actions/{name}/runs"].post);
    assert.equal(
      doc.paths["/api/v1/actions/echo/runs"].post.requestBody.content["application/json"].schema.properties
        .params.type,
      "object",
    );
    assert.equal(doc.paths["/api/v1/actions/secret_op/runs"], undefined);
    const anonymous = await (await t.request("/api/v1/openapi.json")).json();
    assert.equal(anonymous.paths["/api/v1/actions/echo/runs"], undefined);
  });
});
