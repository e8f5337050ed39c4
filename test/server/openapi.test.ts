import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { z } from "zod";
import { APPROVAL_STATUSES as API_APPROVAL_STATUSES } from "../../src/api/approvals.ts";
import { RUN_STATUSES as API_RUN_STATUSES } from "../../src/api/runs.ts";
import { APPROVAL_STATUSES } from "../../src/approval/approval-status.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { createMetrics } from "../../src/observe/metrics.ts";
import { RUN_STATUSES } from "../../src/runs/run-status.ts";
import { createApp } from "../../src/server/app.ts";
import { createFixtureSchema, fixtureWorkspace } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let operator: TestUser;
// biome-ignore lint/suspicious/noExplicitAny: a parsed JSON document, walked by path in assertions
type Json = any;
let document: Json;

before(async () => {
  t = await startTestAirlock({ workspace: fixtureWorkspace, prepare: createFixtureSchema });
  operator = await createUser(t.airlock.database.pool, { groups: ["operators"] });
  const res = await t.request("/api/v1/openapi.json", { headers: operator.headers });
  assert.equal(res.status, 200);
  document = await res.json();
});
after(async () => {
  await t.close();
});

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

function operations(doc: Record<string, Json>): { name: string; op: Record<string, Json> }[] {
  return Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ name: `${m.toUpperCase()} ${path}`, op: item[m] })),
  );
}

test("openapi.json is a valid OpenAPI 3.1 document (checked by @seriousme/openapi-schema-validator)", async () => {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(document));
  assert.deepEqual(result.errors ?? [], []);
  assert.equal(result.valid, true);
  assert.equal(validator.version, "3.1");
  // The per-action routes of a signed-in caller are part of what was validated.
  assert.ok(document.paths["/api/v1/actions/echo/runs"]?.post);
});

test("every route answers with a declared schema: each success with a body has one, refusals the Error envelope", () => {
  const ops = operations(document);
  assert.ok(ops.length >= 45, `${ops.length} operations`);
  const missing: string[] = [];
  for (const { name, op } of ops) {
    const statuses = Object.keys(op.responses);
    if (!statuses.some((s) => /^[23]\d\d$/.test(s))) missing.push(`${name}: no success response`);
    for (const status of statuses) {
      const response = op.responses[status];
      // No body by definition: 204 No Content and redirects.
      if (status === "204" || status.startsWith("3")) continue;
      const media = Object.entries((response.content ?? {}) as Record<string, { schema?: object }>);
      if (media.length === 0) missing.push(`${name} ${status}: no content`);
      for (const [type, { schema }] of media) {
        if (!schema || Object.keys(schema).length === 0)
          missing.push(`${name} ${status} ${type}: empty schema`);
      }
    }
    assert.deepEqual(op.responses["4XX"]?.content["application/json"].schema, {
      $ref: "#/components/schemas/Error",
    });
  }
  assert.deepEqual(missing, []);
});

test("every declared route, the health checks included, is in the document", () => {
  const documented = new Set(operations(document).map(({ name }) => name));
  const declared = t.airlock.app.routes
    .filter(
      (r) => r.path.startsWith("/api/") || r.path.startsWith("/auth/") || /^\/(healthz|readyz)$/.test(r.path),
    )
    .filter((r) => r.method !== "ALL" && !r.path.includes("*"))
    .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, "{$1}")}`);
  assert.ok(declared.includes("GET /healthz") && declared.includes("GET /readyz"));
  assert.deepEqual(
    declared.filter((name) => !documented.has(name)),
    [],
  );
});

test("response schemas are strict: a field a route does not declare is a contract change", () => {
  const run = document.components.schemas.Run;
  assert.equal(run.additionalProperties, false);
  assert.ok(run.required.includes("status"));
  const me = document.paths["/api/v1/me"].get.responses["200"].content["application/json"].schema;
  assert.equal(me.additionalProperties, false);
});

test("the contract's status lists are the ones the run and approval tables use", () => {
  assert.deepEqual([...API_RUN_STATUSES], [...RUN_STATUSES]);
  assert.deepEqual([...API_APPROVAL_STATUSES], [...APPROVAL_STATUSES]);
});

// The response check itself: with checkResponses (as every test airlock runs), an answer that
// breaks its declared schema fails loudly; without it (production), it passes untouched.
function appWithOneRoute(checkResponses: boolean, body: unknown, status: 200 | 201 = 200) {
  const { app } = createApp({
    log: createLogger({ level: "silent" }),
    metrics: createMetrics(),
    checkResponses,
    routes: [
      (routes) =>
        routes.add({
          method: "get",
          path: "/api/v1/probe",
          summary: "probe",
          tags: ["test"],
          auth: "public",
          responses: { 200: { description: "ok", schema: z.strictObject({ count: z.number().int() }) } },
          handler: async (c) => c.json(body as object, status),
        }),
    ],
  });
  return app;
}

test("with checkResponses, an answer that breaks its schema becomes a 500 that names the broken field", async () => {
  const wrongType = await appWithOneRoute(true, { count: "three" }).request("/api/v1/probe");
  assert.equal(wrongType.status, 500);
  const envelope = await wrongType.json();
  assert.equal(envelope.error.code, "internal");
  assert.match(envelope.error.message, /Response check: GET \/api\/v1\/probe: count:/);

  const extraField = await appWithOneRoute(true, { count: 3, secret: "x" }).request("/api/v1/probe");
  assert.equal(extraField.status, 500);
  assert.match((await extraField.json()).error.message, /secret/);

  const undeclaredStatus = await appWithOneRoute(true, { count: 3 }, 201).request("/api/v1/probe");
  assert.equal(undeclaredStatus.status, 500);
  assert.match((await undeclaredStatus.json()).error.message, /status 201 is not declared/);

  const good = await appWithOneRoute(true, { count: 3 }).request("/api/v1/probe");
  assert.equal(good.status, 200);
  assert.deepEqual(await good.json(), { count: 3 });
});

test("without checkResponses (production) the answer is passed on as the handler wrote it", async () => {
  const res = await appWithOneRoute(false, { count: "three" }).request("/api/v1/probe");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { count: "three" });
});
