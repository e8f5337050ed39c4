import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { createFixtureSchema, fixtureWorkspace } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let operator: TestUser;

before(async () => {
  t = await startTestAirlock({
    workspace: fixtureWorkspace,
    prepare: createFixtureSchema,
    env: { AIRLOCK_RUN_WAIT_MS: "2000" },
  });
  operator = await createUser(t.airlock.database.pool, { groups: ["operators"] });
});
after(async () => {
  await t.close();
});

const unicode = fc.string({ unit: "binary", maxLength: 60 });
const tricky = fc.constantFrom(
  "\r\n",
  "\u0000",
  "\u202e",
  "💳",
  "'; DROP TABLE runs; --",
  "=cmd|' /C calc'!A0",
  "a".repeat(5000),
  "\u001b[31m",
);
const text = fc.oneof(unicode, tricky, fc.string({ maxLength: 20 }));
const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), text, fc.integer(), fc.double(), fc.constant(null));
const params = fc.oneof(
  fc.dictionary(fc.oneof(fc.constantFrom("account", "amount", "note", "text", "card", "ms"), text), value, {
    maxKeys: 6,
  }),
  fc.record({ account: text, amount: fc.oneof(fc.integer(), fc.double(), text) }, { requiredKeys: [] }),
  value,
);
const body = fc.oneof(
  // Valid-looking bodies too, so the run path itself (inline and queued) is fuzzed, not just refusals.
  fc.record({ params: fc.record({ text }) }).map((b) => JSON.stringify(b)),
  fc
    .record({
      params: fc.record(
        {
          account: fc.stringMatching(/^acc_[a-z0-9]{3,8}$/),
          amount: fc.integer({ min: -5, max: 20_000 }),
          note: text,
        },
        { requiredKeys: ["account", "amount"] },
      ),
    })
    .map((b) => JSON.stringify(b)),
  fc.record({ params, reason: fc.oneof(text, value) }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
  fc.record({ params, extra: value }).map((b) => JSON.stringify(b)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  text,
  fc.constant(""),
  fc.constant("{"),
);
const action = fc.oneof(
  { arbitrary: fc.constantFrom("echo", "credit_inline", "credit_queued"), weight: 4 },
  {
    arbitrary: fc.constantFrom("view_only", "secret_op", "nope", "../admin", "%00", "echo%2Fruns"),
    weight: 1,
  },
);
const contentType = fc.oneof(
  { arbitrary: fc.constant("application/json"), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "text/plain",
      "",
      "application/x-www-form-urlencoded",
      "application/json; boundary=x",
    ),
    weight: 2,
  },
);
const key = fc.option(fc.stringMatching(/^[\x20-\x7e]{0,300}$/), { nil: undefined });

test("thousands of generated requests to POST /api/v1/actions/{name}/runs: no 5xx, always the envelope or a run, no stack", async (t_) => {
  let requests = 0;
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(action, body, contentType, key, async (name, payload, type, idempotencyKey) => {
      requests++;
      const headers: Record<string, string> = { authorization: operator.headers.authorization! };
      if (type) headers["content-type"] = type;
      if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey.trim() || "k";
      const res = await t.request(`/api/v1/actions/${name}/runs`, { method: "POST", headers, body: payload });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const raw = await res.text();
      assert.ok(
        res.status < 500,
        `${res.status} for ${name} ${JSON.stringify(payload).slice(0, 200)}: ${raw.slice(0, 300)}`,
      );
      const json = JSON.parse(raw);
      if (res.status >= 400) {
        assert.equal(typeof json.error.code, "string");
        assert.equal(json.error.requestId, res.headers.get("x-request-id"));
      } else {
        assert.match(json.id, /^run_/);
      }
      assert.doesNotMatch(raw, /\.ts:\d+:\d+|at async /, "no stack trace");
    }),
    { numRuns: 3000 },
  );
  t_.diagnostic(`${requests} requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  const orphans = await t.airlock.database.pool.query(
    "SELECT count(*)::int AS n FROM airlock.runs r WHERE NOT EXISTS (SELECT 1 FROM airlock.audit_events a WHERE a.run_id = r.id)",
  );
  assert.equal(orphans.rows[0].n, 0, "every run has its audit record");
  const lines = t.logText().split("\n");
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), "every log line is one JSON object");
});

// Text PostgreSQL cannot store — NUL, and a UTF-16 surrogate without its partner — anywhere in a
// request: the path, the query, a body's values and keys. Both were 500s; now the edge refuses
// them with 400 request.invalid_text.
const unstorable = fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff", "x\ud83d", "\udcb3y");
const withUnstorable = fc.tuple(text, unstorable, text).map(([a, b, c]) => a + b + c);
// Percent-encoding cannot carry a lone surrogate (it has no UTF-8 form), so paths and queries get NUL.
const urlPart = fc
  .tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
  .map(([a, b]) => `${encodeURIComponent(a)}%00${encodeURIComponent(b)}`);
const unstorableRequest: fc.Arbitrary<{ method: string; url: string; body?: string }> = fc.oneof(
  urlPart.map((p) => ({ method: "GET", url: `/api/v1/runs/run_${p}` })),
  fc
    .tuple(fc.constantFrom("action", "actor", "status", "targetId", "cursor", "q"), urlPart)
    .map(([name, p]) => ({ method: "GET", url: `/api/v1/runs?${name}=${p}` })),
  urlPart.map((p) => ({ method: "DELETE", url: `/api/v1/tokens/${p}` })),
  urlPart.map((p) => ({ method: "POST", url: `/api/v1/approvals/${p}/approve`, body: "{}" })),
  urlPart.map((p) => ({ method: "GET", url: `/api/v1/audit?actor=${p}` })),
  fc
    .record({ params: fc.record({ text: withUnstorable }) })
    .map((b) => ({ method: "POST", url: "/api/v1/actions/echo/runs", body: JSON.stringify(b) })),
  fc
    .record({ params: fc.dictionary(withUnstorable, value, { minKeys: 1, maxKeys: 3 }) })
    .map((b) => ({ method: "POST", url: "/api/v1/actions/echo/runs", body: JSON.stringify(b) })),
  fc
    .record({ params: fc.record({ text }), reason: withUnstorable })
    .map((b) => ({ method: "POST", url: "/api/v1/actions/credit_inline/runs", body: JSON.stringify(b) })),
);

test("generated requests with NUL or a lone surrogate in path, query or body: 400 request.invalid_text, never 5xx", async () => {
  const runsBefore = (await t.airlock.database.pool.query("SELECT count(*)::int AS n FROM airlock.runs"))
    .rows[0].n;
  await fc.assert(
    fc.asyncProperty(unstorableRequest, async (request) => {
      const headers: Record<string, string> = { authorization: operator.headers.authorization! };
      if (request.body !== undefined) headers["content-type"] = "application/json";
      const res = await t.request(request.url, { method: request.method, headers, body: request.body });
      const raw = await res.text();
      const what = `${request.method} ${request.url} ${JSON.stringify(request.body ?? "").slice(0, 200)}`;
      assert.ok(res.status < 500, `${res.status} for ${what}: ${raw.slice(0, 300)}`);
      assert.equal(res.status, 400, `${what}: ${raw.slice(0, 300)}`);
      const json = JSON.parse(raw);
      assert.equal(json.error.code, "request.invalid_text", what);
      assert.equal(json.error.requestId, res.headers.get("x-request-id"));
    }),
    { numRuns: 1000 },
  );
  const runsAfter = (await t.airlock.database.pool.query("SELECT count(*)::int AS n FROM airlock.runs"))
    .rows[0].n;
  assert.equal(runsAfter, runsBefore, "nothing ran");
});
