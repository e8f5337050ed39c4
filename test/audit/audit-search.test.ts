import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type pg from "pg";
import { auditAccessEvent } from "../../src/audit/audit-access.ts";
import {
  type AuditSearchFilters,
  auditSearchQuerySchema,
  decodeCursor,
} from "../../src/audit/audit-filter.ts";
import { searchAudit, searchSql } from "../../src/audit/audit-search.ts";
import { appendAudit } from "../../src/audit/audit-writer.ts";
import { type Database, openDatabase, ownerClient } from "../../src/store/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const INJECTION = "x' OR '1'='1";
const BASE = Date.parse("2024-05-01T00:00:00Z");
const TYPES = ["run.requested", "run.succeeded", "run.failed", "permission.denied"] as const;
const OUTCOMES = ["success", "failure", "denied", "pending", "info"] as const;

interface Row {
  id: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  requestId: string;
  runId: string | null;
  outcome: string;
  type: string;
  at: number;
}

let db: TestDatabase;
let app: Database;
let owner: pg.Client;
const rows: Row[] = [];

before(async () => {
  db = await createTestDatabase();
  app = openDatabase({ url: db.url, max: 4 });
  owner = await ownerClient(db.url);
  const n = 3000;
  const g = Array.from({ length: n }, (_, i) => i);
  const result = await owner.query(
    `INSERT INTO airlock.audit_events (actor_id, action, target_type, target_id, request_id, run_id,
       outcome, type, occurred_at, params)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
       $7::text[], $8::text[], $9::timestamptz[], $10::jsonb[])
     RETURNING id::text`,
    [
      g.map((i) => (i === 1234 ? INJECTION : `usr_${i % 10}`)),
      g.map((i) => `act_${i % 5}`),
      g.map((i) => (i % 2 ? "payment" : "account")),
      g.map((i) => `t_${i % 50}`),
      g.map((i) => `req_${i % 300}`),
      g.map((i) => (i % 3 ? `run_${i % 100}` : null)),
      g.map((i) => OUTCOMES[i % 5]),
      g.map((i) => TYPES[i % 4]),
      g.map((i) => new Date(BASE + i * 60_000).toISOString()),
      g.map((i) => JSON.stringify({ i, note: i === 7 ? "ünï 🚀" : "x" })),
    ],
  );
  result.rows.forEach((r, i) => {
    rows.push({
      id: r.id,
      actorId: i === 1234 ? INJECTION : `usr_${i % 10}`,
      action: `act_${i % 5}`,
      targetType: i % 2 ? "payment" : "account",
      targetId: `t_${i % 50}`,
      requestId: `req_${i % 300}`,
      runId: i % 3 ? `run_${i % 100}` : null,
      outcome: OUTCOMES[i % 5]!,
      type: TYPES[i % 4]!,
      at: BASE + i * 60_000,
    });
  });
});
after(async () => {
  await owner.end();
  await app.close();
  await db.drop();
});

function expected(filters: AuditSearchFilters): string[] {
  return rows
    .filter(
      (r) =>
        (filters.actorId === undefined || r.actorId === filters.actorId) &&
        (filters.action === undefined || r.action === filters.action) &&
        (filters.targetType === undefined || r.targetType === filters.targetType) &&
        (filters.targetId === undefined || r.targetId === filters.targetId) &&
        (filters.requestId === undefined || r.requestId === filters.requestId) &&
        (filters.runId === undefined || r.runId === filters.runId) &&
        (filters.outcome === undefined || r.outcome === filters.outcome) &&
        (filters.type === undefined || r.type === filters.type) &&
        (filters.from === undefined || r.at >= filters.from.getTime()) &&
        (filters.to === undefined || r.at < filters.to.getTime()),
    )
    .map((r) => r.id)
    .sort((a, b) => Number(b) - Number(a));
}

/** Walks every page; asserts no page repeats or skips an event. */
async function allPages(filters: AuditSearchFilters): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await searchAudit(app.pool, { ...filters, ...(cursor ? { cursor } : {}) });
    assert.ok(result.events.length <= filters.limit);
    ids.push(...result.events.map((e) => e.id));
    if (!result.nextCursor) return ids;
    assert.equal(result.events.length, filters.limit, "only the last page is short");
    cursor = result.nextCursor;
  }
  throw new Error("too many pages");
}

const parse = (query: Record<string, string>) => auditSearchQuerySchema.parse(query);

test("each filter alone finds exactly its events, newest first", async () => {
  const cases: Record<string, string>[] = [
    { actorId: "usr_3" },
    { action: "act_2" },
    { targetType: "payment", targetId: "t_7" },
    { requestId: "req_42" },
    { runId: "run_5" },
    { outcome: "denied" },
    { type: "run.failed" },
    { from: "2024-05-02", to: "2024-05-02T06:00:00+02:00" },
    { from: "2024-05-03T01:02:00Z" },
  ];
  for (const query of cases) {
    const filters = parse({ ...query, limit: "500" });
    const want = expected(filters);
    assert.ok(want.length > 0, JSON.stringify(query));
    assert.deepEqual(await allPages(filters), want, JSON.stringify(query));
  }
});

test("filters combine; pages of 7 neither repeat nor skip, even with events appended meanwhile", async () => {
  const filters = parse({ actorId: "usr_4", outcome: "info", from: "2024-05-01T10:00:00Z", limit: "7" });
  const want = expected(filters);
  assert.ok(want.length > 14);
  const first = await searchAudit(app.pool, filters);
  // New events arrive between pages: keyset pages on id are not shifted by them.
  await owner.query(
    "INSERT INTO airlock.audit_events (actor_id, outcome, type, occurred_at) SELECT 'usr_4', 'info', 'run.failed', now() FROM generate_series(1, 20)",
  );
  const rest = await allPages({ ...filters, cursor: first.nextCursor! });
  assert.deepEqual([...first.events.map((e) => e.id), ...rest], want);
  assert.deepEqual(
    await allPages(parse({ targetType: "account", targetId: "t_10", type: "run.requested", limit: "3" })),
    expected(parse({ targetType: "account", targetId: "t_10", type: "run.requested", limit: "3" })),
  );
});

test("records carry every field; text filters are data, never SQL", async () => {
  const hit = await searchAudit(app.pool, parse({ actorId: INJECTION }));
  assert.deepEqual(
    hit.events.map((e) => e.actorId),
    [INJECTION],
  );
  assert.equal(
    (await searchAudit(app.pool, parse({ actorId: "usr_1'; DROP TABLE audit_events; --" }))).events.length,
    0,
  );
  const page = await searchAudit(app.pool, parse({ requestId: "req_7", runId: "run_7" }));
  const event = page.events.find((e) => (e.params as { i: number }).i === 7);
  assert.deepEqual(event?.params, { i: 7, note: "ünï 🚀" });
  assert.equal(event?.occurredAt, "2024-05-01T00:07:00.000000Z");
  assert.match(event?.txid ?? "", /^\d+$/);
});

test("bad query strings get clear issues", () => {
  const issues = (query: Record<string, string>) =>
    auditSearchQuerySchema.safeParse(query).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ??
    [];
  assert.deepEqual(issues({ actorId: "usr_1", sort: "asc" }), [': Unrecognized key: "sort"']);
  for (const bad of ["2024-13-01", "2024-02-30", "yesterday", "2024-05-01T12:00:00", "1714521600"]) {
    assert.match(issues({ from: bad })[0] ?? "", /^from: must be a date \(2024-05-01\)/, bad);
  }
  assert.deepEqual(issues({ limit: "1000" }), ["limit: must be at most 500"]);
  for (const bad of ["0", "abc", "-1", "99999999999999999999", "2.5", ""]) {
    assert.match(issues({ limit: bad })[0] ?? "", /^limit: must be a whole number from 1 to 500/, bad);
  }
  const foreign = Buffer.from("a1:1 OR 1=1").toString("base64url");
  for (const bad of ["garbage!!", foreign, Buffer.from("{}").toString("base64url")]) {
    assert.deepEqual(issues({ cursor: bad }), ["cursor: is not a cursor from a previous page"], bad);
  }
  assert.deepEqual(issues({ targetId: "t_1" }), ["targetType: is required with targetId"]);
  assert.deepEqual(issues({ from: "2024-05-02", to: "2024-05-01" }), ["to: must be later than from"]);
  assert.deepEqual(issues({ outcome: "great" }), [
    "outcome: must be one of success, failure, denied, pending, info",
  ]);
  assert.deepEqual(issues({ type: "run.exploded" }), ["type: is not a known audit event type"]);
  assert.deepEqual(issues({ actorId: "" }), ["actorId: must not be empty"]);

  const ok = parse({ from: "2024-05-01", to: "2024-05-01T12:00:00.5+02:00" });
  assert.equal(ok.limit, 50);
  assert.equal(ok.from?.toISOString(), "2024-05-01T00:00:00.000Z");
  assert.equal(ok.to?.toISOString(), "2024-05-01T10:00:00.500Z");
  assert.equal(decodeCursor("nope"), null);
});

test("actor, target, request and run searches use their indexes, not a sequential scan", async () => {
  // Enough rows with many distinct values that a sequential scan would be the wrong plan.
  await owner.query(
    `INSERT INTO airlock.audit_events (actor_id, target_type, target_id, request_id, run_id, outcome, type)
     SELECT 'usr_' || (g % 5000), 'payment', 'pay_' || (g % 20000), 'req_' || g, 'run_' || (g % 10000), 'success', 'run.succeeded'
       FROM generate_series(1, 60000) g`,
  );
  await owner.query("ANALYZE airlock.audit_events");
  const cases: [string, Record<string, string>, RegExp][] = [
    ["actor", { actorId: "usr_42" }, /audit_events_actor_idx/],
    ["target", { targetType: "payment", targetId: "pay_42" }, /audit_events_target_idx/],
    ["request", { requestId: "req_42" }, /audit_events_request_idx/],
    ["run", { runId: "run_42" }, /audit_events_run_idx/],
    [
      "actor, next page",
      { actorId: "usr_42", cursor: Buffer.from("a1:30000").toString("base64url") },
      /audit_events_actor_idx/,
    ],
  ];
  for (const [name, query, index] of cases) {
    const { text, values } = searchSql(parse(query));
    const plan = await app.pool.query(`EXPLAIN (FORMAT JSON) ${text}`, values);
    const json = JSON.stringify(plan.rows[0]["QUERY PLAN"]);
    assert.doesNotMatch(json, /Seq Scan/, `${name}: ${json}`);
    assert.match(json, index, `${name}: ${json}`);
  }
});

test("a search is itself recorded: who searched, with which filters", async () => {
  const filters = parse({ actorId: "usr_3", from: "2024-05-02", limit: "10" });
  const page = await searchAudit(app.pool, filters);
  await appendAudit(app.pool, [
    auditAccessEvent({
      type: "audit.viewed",
      actorId: "usr_auditor",
      actorKind: "human",
      requestId: "req_view",
      filters,
      data: { returned: page.events.length },
    }),
  ]);
  const [viewed] = (await searchAudit(app.pool, parse({ type: "audit.viewed" }))).events;
  assert.equal(viewed?.actorId, "usr_auditor");
  assert.equal(viewed?.targetType, "audit");
  assert.deepEqual(viewed?.params, { actorId: "usr_3", from: "2024-05-02T00:00:00.000Z", limit: 10 });
  assert.deepEqual(viewed?.data, { returned: 10 });
});
