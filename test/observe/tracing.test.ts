// Traces over OTLP: a local OTLP/HTTP receiver (a real server on 127.0.0.1 decoding the JSON the
// exporter posts) gets one trace from the caller's traceparent through the HTTP request, the
// pipeline's stages, the engine's send and the worker's process, the handler, to the handler's
// call to another system, which receives the traceparent of that call's own span. Airlock's own
// queries on that path are spans too (named, without values), whatever their form (a promise, a
// callback, a cursor, a COPY stream), and the export carries the headers OTEL_EXPORTER_OTLP_HEADERS
// names.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { trace } from "@opentelemetry/api";
import { createLogger } from "../../src/observe/logger.ts";
import {
  exportHeaders as exportHeadersOf,
  startTracing,
  type Tracing,
  tracingOn,
} from "../../src/observe/tracing.ts";
import { defineAction, defineResource, defineWorkspace, z } from "../../src/sdk/index.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  service: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

const quietLog = createLogger({
  level: "info",
  destination: new Writable({ write: (_c, _e, done) => done() }),
});
let receiver: Server;
let receiverUrl = "";
const spans: ReceivedSpan[] = [];
const contentTypes: string[] = [];
const exportHeaders: IncomingMessage["headers"][] = [];
let provider: Server;
const providerSaw: IncomingMessage["headers"][] = [];
let tracing: Tracing | null = null;
// A value the run's queries carry as a parameter (the idempotency key claimed): no span may hold it.
const CANARY_KEY = "canary-key-5f0c2a9d";
let t: TestAirlock;
let user: TestUser;
let auditor: TestUser;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

before(async () => {
  receiver = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    if (req.method !== "POST" || req.url !== "/v1/traces") return res.writeHead(404).end();
    contentTypes.push(String(req.headers["content-type"]));
    exportHeaders.push(req.headers);
    const decoded = JSON.parse(body) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeSpans: { spans: Omit<ReceivedSpan, "service">[] }[];
      }[];
    };
    for (const rs of decoded.resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
      for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push({ ...span, service });
    }
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  receiverUrl = `http://127.0.0.1:${await listen(receiver)}`;

  provider = createServer(async (req, res) => {
    for await (const _ of req);
    providerSaw.push(req.headers);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ paid: true }));
  });
  const providerPort = await listen(provider);

  const pay = defineAction({
    name: "pay_supplier",
    title: "Pay a supplier",
    params: z.object({ amount: z.number() }),
    async handler(p, ctx) {
      const res = await ctx.resources.payments!.request({ method: "POST", path: "/pay", json: p });
      return res.json();
    },
  });
  t = await startTestAirlock({
    workspace: defineWorkspace({
      name: "traced",
      actions: [pay],
      resources: [defineResource({ name: "payments", type: "http", baseUrl: { secret: "PAYMENTS_URL" } })],
      roles: { payer: { groups: ["payers"] }, auditor: { groups: ["auditors"] } },
      grants: [
        { to: "payer", verbs: ["view", "run"], on: "*" },
        { to: "auditor", verbs: ["audit"], on: "*" },
      ],
    }),
    secrets: { read: async (name) => (name === "PAYMENTS_URL" ? `http://127.0.0.1:${providerPort}/` : null) },
    internalResources: ["payments"],
  });
  user = await createUser(t.airlock.database.pool, { groups: ["payers"] });
  auditor = await createUser(t.airlock.database.pool, { groups: ["auditors"] });
});

after(async () => {
  await t?.close();
  await tracing?.shutdown();
  for (const server of [receiver, provider]) {
    server?.closeAllConnections();
    server?.close();
  }
});

test("without OTEL_EXPORTER_OTLP_ENDPOINT tracing is off: no provider registered, calls out still carry a traceparent", async () => {
  assert.equal(await startTracing({}, quietLog), null);
  assert.equal(tracingOn(), false);
  // The API's global provider is still its no-op proxy: no SDK was registered.
  const delegate = (trace.getTracerProvider() as unknown as { getDelegate(): object }).getDelegate();
  assert.equal(delegate.constructor.name, "NoopTracerProvider");
  const res = await t.post(
    "/api/v1/actions/pay_supplier/runs",
    { params: { amount: 5 } },
    { ...user.headers, "idempotency-key": "untraced-1" },
  );
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(String(providerSaw.at(-1)?.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
});

test("with an OTLP endpoint, one trace runs from the caller's traceparent to the handler's outbound call, with Airlock's queries, exported with the configured headers", async () => {
  tracing = await startTracing(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
      OTEL_SERVICE_NAME: "airlock-test",
      OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20collector-key-1,x-tenant=payments",
    },
    quietLog,
  );
  assert.ok(tracing);
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const callerSpan = "00f067aa0ba902b7";
  const res = await t.post(
    "/api/v1/actions/pay_supplier/runs",
    { params: { amount: 12 } },
    { ...user.headers, "idempotency-key": CANARY_KEY, traceparent: `00-${traceId}-${callerSpan}-01` },
  );
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.status, "succeeded");

  // The provider got the trace, with the span ID of the resource call's own span.
  const sent = String(providerSaw.at(-1)?.traceparent);
  const [, sentTrace, sentSpan] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(sent) ?? [];
  assert.equal(sentTrace, traceId, `the outbound call continues the caller's trace (${sent})`);

  // The response is sent once the run is committed; the worker's span ends just after (when the
  // engine has marked the job complete), so the receiver is read until that span has arrived.
  const deadline = Date.now() + 20_000;
  while (
    !spans.some((s) => s.traceId === traceId && s.name === "process airlock.run") &&
    Date.now() < deadline
  ) {
    await tracing.flush();
    await new Promise((r) => setTimeout(r, 100));
  }
  await tracing.flush();
  assert.ok(
    contentTypes.every((type) => type.startsWith("application/json")),
    contentTypes.join(),
  );
  const ours = spans.filter((s) => s.traceId === traceId);
  const byId = new Map(ours.map((s) => [s.spanId, s]));
  const names = ours.map((s) => s.name);
  console.log(
    `OTLP receiver: ${spans.length} spans, ${ours.length} in the request's trace: ${names.join(", ")}`,
  );
  assert.ok(ours.every((s) => s.service === "airlock-test"));

  const server = ours.find((s) => s.name === "POST /api/v1/actions/:name/runs");
  assert.ok(server, `a server span named after the route (${names.join(", ")})`);
  assert.equal(server.parentSpanId, callerSpan, "the server span's parent is the caller's span");
  for (const stage of [
    "authenticate",
    "authorize",
    "validate",
    "idempotency",
    "approvalPolicy",
    "transaction",
    "execute",
  ])
    assert.ok(names.includes(`stage ${stage}`), `stage ${stage} has a span`);
  assert.ok(names.includes("commit"), "the run's commit has a span");
  assert.ok(names.includes("send airlock.run"), "the engine's enqueue has a span");
  assert.ok(names.includes("process airlock.run"), "the worker's run of the job has a span");

  // The call's span is the one whose ID went out, and its ancestry climbs handler → worker →
  // engine send → stages → the HTTP request.
  const call = byId.get(sentSpan!);
  assert.ok(call, "the span whose ID the provider received was exported");
  assert.equal(call.name, "POST payments");
  const ancestry: string[] = [];
  for (let s: ReceivedSpan | undefined = call; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined)
    ancestry.push(s.name);
  console.log(`ancestry of the outbound call: ${ancestry.join(" ← ")}`);
  assert.equal(ancestry[1], "handler pay_supplier");
  assert.equal(ancestry[2], "process airlock.run");
  assert.equal(ancestry[3], "send airlock.run");
  assert.ok(ancestry.includes("stage execute"));
  assert.equal(ancestry.at(-1), "POST /api/v1/actions/:name/runs");

  // Airlock's own queries on the run's path: client spans in the same trace, each named after its
  // prepared statement or its operation, none carrying a parameter value or the statement's text.
  const queries = ours.filter((s) => s.name.startsWith("pg "));
  console.log(
    `query spans in the trace: ${queries.length}: ${[...new Set(queries.map((s) => s.name))].join(", ")}`,
  );
  assert.ok(queries.length > 0, "the run's queries have spans");
  assert.ok(
    queries.every((s) => s.kind === 3),
    "query spans are client spans",
  );
  const attribute = (s: ReceivedSpan, key: string) => s.attributes?.find((a) => a.key === key)?.value;
  assert.ok(queries.every((s) => attribute(s, "db.system.name")?.stringValue === "postgresql"));
  assert.ok(
    queries.some((s) => attribute(s, "db.query.summary")),
    "the run path's named statements are named",
  );
  assert.ok(
    queries.some((s) =>
      ["INSERT", "UPDATE"].includes(String(attribute(s, "db.operation.name")?.stringValue)),
    ),
    "the run's writes have spans",
  );
  const exported = JSON.stringify(spans);
  assert.ok(!exported.includes(CANARY_KEY), "no span carries a query's parameter values");
  assert.ok(!/db\.query\.text|db\.statement/.test(exported), "no span carries a statement's text");
  // Every query span is inside the request's trace, under its server span.
  for (const query of queries) {
    let s: ReceivedSpan | undefined = query;
    while (s?.parentSpanId && byId.has(s.parentSpanId)) s = byId.get(s.parentSpanId);
    assert.equal(s?.name, "POST /api/v1/actions/:name/runs", `${query.name} climbs to the request`);
  }

  // Each export carried the headers OTEL_EXPORTER_OTLP_HEADERS names (the value URL-decoded).
  assert.ok(exportHeaders.length > 0);
  for (const headers of exportHeaders) {
    assert.equal(headers.authorization, "Bearer collector-key-1");
    assert.equal(headers["x-tenant"], "payments");
  }
});

test("the audit export's cursor, verify's COPY and pool.query's callback form have query spans in their request's trace, without text or values", async () => {
  assert.ok(tracing, "the test before started tracing");
  const traced = async (path: string, traceId: string) => {
    const res = await t.request(path, {
      headers: { ...auditor.headers, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return text;
  };
  const exportTrace = "5bf92f3577b34da6a3ce929d0e0e4737";
  const exported = await traced("/api/v1/audit/export?format=jsonl", exportTrace);
  assert.ok(exported.includes(CANARY_KEY), "the export holds the canary (the run's idempotency key)");
  const verifyTrace = "6bf92f3577b34da6a3ce929d0e0e4738";
  assert.match(await traced("/api/v1/audit/verify", verifyTrace), /"ok":true/);
  // pool.query hands its client a callback: a statement sent that way, inside a span, has one.
  const probeTrace = await trace.getTracer("test").startActiveSpan("probe", async (span) => {
    await t.airlock.database.pool.query({
      name: "probe.callback_form",
      text: "SELECT $1::text",
      values: [CANARY_KEY],
    });
    span.end();
    return span.spanContext().traceId;
  });

  const named = (traceId: string, name: string) =>
    spans.find((s) => s.traceId === traceId && s.name === name);
  const deadline = Date.now() + 20_000;
  while (
    !(
      named(exportTrace, "GET /api/v1/audit/export") &&
      named(verifyTrace, "pg COPY") &&
      named(probeTrace, "pg probe.callback_form")
    ) &&
    Date.now() < deadline
  ) {
    await tracing.flush();
    await new Promise((r) => setTimeout(r, 100));
  }
  const attribute = (s: ReceivedSpan, key: string) => s.attributes?.find((a) => a.key === key)?.value;
  const inTrace = (traceId: string) => spans.filter((s) => s.traceId === traceId && s.name.startsWith("pg "));
  console.log(
    `export: ${inTrace(exportTrace)
      .map((s) => s.name)
      .join(", ")}; verify: ${inTrace(verifyTrace)
      .map((s) => s.name)
      .join(", ")}`,
  );
  const cursor = inTrace(exportTrace).find((s) => attribute(s, "airlock.db.cursor")?.boolValue === true);
  assert.ok(cursor, "the export's cursor has a span");
  assert.equal(cursor.name, "pg SELECT");
  assert.equal(cursor.kind, 3);
  const copies = inTrace(verifyTrace).filter((s) => s.name === "pg COPY");
  assert.ok(copies.length > 0, "verify's COPY reads have spans");
  assert.ok(copies.every((s) => attribute(s, "db.operation.name")?.stringValue === "COPY"));
  assert.ok(named(probeTrace, "pg probe.callback_form"), "pool.query's statement has a span");
  const all = JSON.stringify(spans);
  assert.ok(!all.includes(CANARY_KEY), "no span carries a value, a row or a statement's text");
  assert.ok(!/db\.query\.text|db\.statement/.test(all));
});

test("OTEL_EXPORTER_OTLP_HEADERS is read as the specification writes it; a malformed pair is skipped by name", () => {
  const skipped: string[] = [];
  assert.deepEqual(
    exportHeadersOf(
      {
        OTEL_EXPORTER_OTLP_HEADERS: " api-key = a%3Db%2Cc , =novalue,broken,x-team=ops",
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=traces,bad key=1",
      },
      (key) => skipped.push(key),
    ),
    { "api-key": "a=b,c", "x-team": "traces" },
  );
  assert.deepEqual(skipped, ["(no key)", "(no key)", "bad key"]);
});
