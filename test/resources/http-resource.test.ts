// HTTP resources through the real app: the SSRF corpus is refused before any byte is sent (only
// loopback is ever a real destination here), a local API marked internal gets the run's request ID,
// trace and idempotency key, a rejection is downstream.rejected with the secret cut out of the
// echoed body, and a resource whose secret is missing stops the start naming it.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { StartupError } from "../../src/errors/startup-error.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { openResources } from "../../src/resources/resources.ts";
import { defineAction, defineResource, defineWorkspace, z } from "../../src/sdk/index.ts";
import { listen } from "../../src/server/serve.ts";
import { compileWorkspace } from "../../src/workspace/compile-workspace.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

const CANARY = "sk_canary_7c1f0a9e55d24b0e8f3a";
const HMAC_KEY = "hmac_canary_42b9d1e07f";

let server: Server;
let port = 0;
const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
let t: TestAirlock;
let user: TestUser;

// Every spelling of an internal or reserved address. None is ever connected to: the guard refuses
// before connecting, so no request leaves toward a non-loopback address even if it were wrong.
const CORPUS: Record<string, (p: number) => string> = {
  dotted: (p) => `http://127.0.0.1:${p}/`,
  short: (p) => `http://127.1:${p}/`,
  hex: (p) => `http://0x7f.0.0.1:${p}/`,
  decimal: (p) => `http://2130706433:${p}/`,
  octal: (p) => `http://0177.0.0.1:${p}/`,
  v6_loopback: (p) => `http://[::1]:${p}/`,
  v4_mapped: (p) => `http://[::ffff:127.0.0.1]:${p}/`,
  metadata: () => "http://169.254.169.254/latest/",
  ula: () => "http://[fd00::1]/",
  private10: () => "http://10.0.0.1/",
  cgnat: () => "http://100.64.0.1/",
  localhost_name: (p) => `http://localhost:${p}/`,
};

const resourceNames = Object.keys(CORPUS).map((k) => `blocked_${k}`);

before(async () => {
  server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    if (req.url?.startsWith("/api/slow")) {
      setTimeout(() => res.writeHead(200).end("{}"), 2_500);
      return;
    }
    if (req.url?.startsWith("/api/echo-auth")) {
      // A careless API that echoes the credentials it was sent.
      res.writeHead(400, { "content-type": "application/json" });
      return res.end(
        JSON.stringify({ error: `bad token ${req.headers.authorization}`, contact: "ops@example.com" }),
      );
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;

  const secrets: Record<string, string> = {
    API_KEY: CANARY,
    HMAC_KEY,
    LOCAL_URL: `http://127.0.0.1:${port}/api/`,
  };
  const resources = [
    defineResource({
      name: "local_api",
      type: "http",
      baseUrl: { secret: "LOCAL_URL" },
      auth: { type: "bearer", secret: "API_KEY" },
    }),
    defineResource({
      name: "signed_api",
      type: "http",
      baseUrl: { secret: "LOCAL_URL" },
      auth: { type: "hmac", secret: "HMAC_KEY" },
    }),
    ...Object.entries(CORPUS).map(([key, url]) => {
      secrets[`URL_${key.toUpperCase()}`] = url(port);
      return defineResource({
        name: `blocked_${key}`,
        type: "http",
        baseUrl: { secret: `URL_${key.toUpperCase()}` },
        timeout: "2s",
      });
    }),
  ];
  const call = defineAction({
    name: "call_resource",
    title: "Call a resource",
    execution: "inline",
    params: z.object({ resource: z.string(), path: z.string(), method: z.enum(["GET", "POST"]) }),
    async handler(p, ctx) {
      const res = await ctx.resources[p.resource]!.request({
        method: p.method,
        path: p.path,
        json: p.method === "POST" ? { n: 1 } : undefined,
      });
      return res.json();
    },
  });
  const impatient = defineAction({
    name: "impatient_call",
    title: "Call and give up after a second",
    execution: "inline",
    timeout: "1s",
    params: z.object({}),
    async handler(_p, ctx) {
      return (await ctx.resources.local_api!.request({ method: "POST", path: "/slow", json: {} })).json();
    },
  });
  t = await startTestAirlock({
    workspace: defineWorkspace({
      name: "http",
      actions: [call, impatient],
      resources,
      roles: { caller: { groups: ["callers"] } },
      grants: [{ to: "caller", verbs: ["view", "run"], on: "*" }],
    }),
    secrets: { read: async (name) => secrets[name] ?? null },
    internalResources: ["local_api", "signed_api"],
  });
  user = await createUser(t.airlock.database.pool, { groups: ["callers"] });
});

after(async () => {
  await t?.close();
  server?.closeAllConnections();
  server?.close();
});

async function call(resource: string, path: string, method: "GET" | "POST" = "POST") {
  const res = await t.post(
    "/api/v1/actions/call_resource/runs",
    { params: { resource, path, method } },
    { ...user.headers, "idempotency-key": `k-${resource}-${path}-${method}` },
  );
  return { status: res.status, body: await res.json(), text: "" };
}

test("the SSRF corpus: every resource pointing inside is refused with downstream.blocked and nothing is sent", async () => {
  const before = seen.length;
  for (const name of resourceNames) {
    const res = await call(name, "/x");
    assert.equal(res.body.error?.code, "downstream.blocked", `${name}: ${JSON.stringify(res.body)}`);
    assert.equal(res.status, 502);
  }
  assert.equal(seen.length, before, "the local server saw none of them");
});

test("a resource marked internal gets the request ID, traceparent and, on POST only, the idempotency key", async () => {
  const posted = await call("local_api", "/hello");
  assert.equal(posted.status, 200, JSON.stringify(posted.body));
  const post = seen.at(-1)!;
  assert.equal(post.url, "/api/hello");
  assert.equal(post.headers["x-request-id"], posted.body.requestId);
  assert.match(String(post.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.equal(post.headers["idempotency-key"], `${user.id}:k-local_api-/hello-POST`);
  assert.equal(post.headers.authorization, `Bearer ${CANARY}`);
  const got = await call("local_api", "/hello", "GET");
  assert.equal(got.status, 200);
  assert.equal(seen.at(-1)!.headers["idempotency-key"], undefined);
  // A path cannot leave the base URL.
  const leaving = await call("local_api", "../../outside");
  assert.equal(leaving.status, 500);
  assert.equal(seen.at(-1)!.url, "/api/hello");

  const signed = await call("signed_api", "/signed?x=1");
  assert.equal(signed.status, 200);
  const req = seen.at(-1)!;
  const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(req.headers["x-signature"]))!;
  const expected = createHmac("sha256", HMAC_KEY)
    .update(`${ts}.POST./api/signed?x=1.${req.body}`)
    .digest("hex");
  assert.equal(mac, expected, "HMAC over timestamp, method, path and body");
});

test("a rejection is downstream.rejected with the status and a body stripped of the secret and PII", async () => {
  const res = await call("local_api", "/echo-auth");
  assert.equal(res.body.error.code, "downstream.rejected");
  assert.equal(res.body.error.details.status, 400);
  assert.match(res.body.error.details.body, /\[secret\]/);
  const everything = [
    JSON.stringify(res.body),
    t.logText(),
    JSON.stringify((await t.airlock.database.pool.query("SELECT * FROM airlock.runs")).rows),
  ];
  for (const text of everything) {
    assert.equal(text.includes(CANARY), false, "the secret never leaves");
    assert.equal(text.includes("ops@example.com"), false, "PII in a downstream body is masked");
  }
});

test("a resource whose secret is missing stops the start, naming the resource and the secret", async () => {
  const workspace = compileWorkspace(
    defineWorkspace({
      name: "missing",
      actions: [],
      resources: [defineResource({ name: "core_ledger", type: "postgres", url: { secret: "LEDGER_URL" } })],
    }),
  );
  await assert.rejects(
    openResources(workspace.resources, {
      secrets: { read: async () => null },
      log: createLogger({ level: "silent" }),
    }),
    (error: unknown) =>
      error instanceof StartupError && /resource core_ledger needs secret LEDGER_URL/.test(error.message),
  );
});

test("a run that times out while a POST is under way is run.timeout with its outcome unknown and the key; airlock runs retry sends the same key again", async () => {
  const res = await t.post(
    "/api/v1/actions/impatient_call/runs",
    { params: {} },
    { ...user.headers, "idempotency-key": "impatient-1" },
  );
  const body = await res.json();
  assert.equal(body.error.code, "run.timeout", JSON.stringify(body));
  assert.equal(body.error.details.outcomeUnknown, true);
  assert.equal(body.error.details.idempotencyKey, `${user.id}:impatient-1`);
  const run = await t.request(`/api/v1/runs/${body.error.details.runId}`, { headers: user.headers });
  const view = await run.json();
  assert.equal(view.error.outcomeUnknown, true);
  assert.equal(view.accountability.changed.error.outcomeUnknown, true);

  // `airlock runs retry` sends it again with the same key; here the call is as slow again, so the
  // retry is a new run whose outcome is unknown too, and the CLI names it.
  const listening = await listen(t.airlock.app, "127.0.0.1", 0);
  try {
    const retried = await runAirlock(["runs", "retry", body.error.details.runId], {
      AIRLOCK_URL: listening.url,
      AIRLOCK_TOKEN: user.token,
    });
    assert.equal(retried.code, 1, retried.out);
    const again = /The retry is run (\S+); it did not succeed:\nrun\.timeout: /.exec(retried.err);
    assert.ok(again, retried.err);
    const second = await (await t.request(`/api/v1/runs/${again[1]}`, { headers: user.headers })).json();
    assert.equal(second.idempotencyKey, "impatient-1", "the same key");
    assert.equal(second.error.outcomeUnknown, true);
    const calls = seen.filter((r) => r.url.startsWith("/api/slow"));
    assert.equal(calls.length, 2);
    assert.equal(
      calls[1]!.headers["idempotency-key"],
      `${user.id}:impatient-1`,
      "the downstream got the same key again",
    );
    assert.equal(calls[0]!.headers["idempotency-key"], calls[1]!.headers["idempotency-key"]);
  } finally {
    await listening.close(100);
  }
});
