// Text PostgreSQL cannot store — the NUL character, and a UTF-16 surrogate without its partner —
// is refused at the edge, for every route: 400 `request.invalid_text` with the request ID, never a
// 500 from the database halfway through a request.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { demoLikeWorkspace } from "../identity/demo-like-workspace.ts";
import { Browser } from "../support/browser.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createPasswordUser, createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let admin: TestUser;
let adminBrowser: Browser;

before(async () => {
  t = await startTestAirlock({ workspace: demoLikeWorkspace });
  admin = await createUser(t.airlock.database.pool, { groups: ["admins", "support"] });
  const person = await createPasswordUser(t.airlock.database.pool, { groups: ["admins"] });
  adminBrowser = new Browser(t);
  assert.equal((await adminBrowser.login(person.email, person.password)).status, 200);
});
after(async () => {
  await t.close();
});

async function assertRefused(res: Response, what: string) {
  const raw = await res.text();
  assert.equal(res.status, 400, `${what}: ${res.status} ${raw.slice(0, 300)}`);
  const body = JSON.parse(raw);
  assert.equal(body.error.code, "request.invalid_text", what);
  assert.equal(body.error.requestId, res.headers.get("x-request-id"), what);
  assert.match(body.error.message, /NUL|surrogate/, what);
}

describe("NUL in the path or the query", () => {
  test("the three probes: a run id, a runs filter, a token id", async () => {
    await assertRefused(await t.request("/api/v1/runs/run_%00", { headers: admin.headers }), "run id");
    await assertRefused(
      await t.request("/api/v1/runs?action=%00", { headers: admin.headers }),
      "runs filter",
    );
    await assertRefused(
      await t.request("/api/v1/tokens/%00", { method: "DELETE", headers: admin.headers }),
      "token id",
    );
    // Logged and counted like any other answer.
    const line = t.logs.find((l) => l.msg === "request" && String(l.path).startsWith("/api/v1/runs/run_"));
    assert.equal(line?.status, 400);
  });

  test("every route of openapi.json, with %00 in each path parameter and each query parameter: 400, never 5xx", async () => {
    const doc = await (await t.request("/api/v1/openapi.json", { headers: admin.headers })).json();
    const probes: { what: string; res: Response }[] = [];
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const parameters = operation.parameters ?? [];
        const pathNames = parameters.filter((p) => p.in === "path").map((p) => p.name);
        const queryNames = parameters.filter((p) => p.in === "query").map((p) => p.name);
        const fill = (nul: string | null) =>
          path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === nul ? "x%00y" : "x"));
        const urls = [
          ...pathNames.map((name) => fill(name)),
          ...queryNames.map((name) => `${fill(null)}?${name}=%00`),
          // Routes without declared query parameters still receive (and must not choke on) one.
          `${fill(null)}?q=a%00b`,
        ];
        for (const url of urls) {
          const init: RequestInit = { method: method.toUpperCase(), headers: admin.headers };
          if (method !== "get" && method !== "delete") init.body = "{}";
          probes.push({ what: `${method.toUpperCase()} ${url}`, res: await t.request(url, init) });
        }
      }
    }
    assert.ok(probes.length > 50, `${probes.length} probes`);
    const crashed = probes.filter((p) => p.res.status >= 500).map((p) => `${p.what}: ${p.res.status}`);
    assert.deepEqual(crashed, [], "no 5xx");
    for (const probe of probes) await assertRefused(probe.res, probe.what);
  });
});

interface Operation {
  parameters?: { name: string; in: string }[];
}

describe("a lone UTF-16 surrogate (or NUL) in a JSON body", () => {
  const lone = ["\\ud800", "\\udfff", "a\\ud83dz", "\\ud83d"];

  test("token name, group description, user name, run reason: refused before anything is stored", async () => {
    const pool = t.airlock.database.pool;
    const counts = async () =>
      (
        await pool.query(
          `SELECT (SELECT count(*) FROM airlock.api_tokens)::int AS tokens,
                  (SELECT count(*) FROM airlock.groups)::int AS groups,
                  (SELECT count(*) FROM airlock.users)::int AS users,
                  (SELECT count(*) FROM airlock.runs)::int AS runs`,
        )
      ).rows[0];
    const before = await counts();
    for (const sequence of lone) {
      const json = (template: string) => template.replace("@", sequence);
      await assertRefused(
        await adminBrowser.request("/api/v1/tokens", { method: "POST", body: json('{"name":"cli @"}') }),
        `token name ${sequence}`,
      );
      await assertRefused(
        await t.request("/api/v1/admin/groups", {
          method: "POST",
          headers: admin.headers,
          body: json('{"name":"team-x","description":"our @ team"}'),
        }),
        `group description ${sequence}`,
      );
      await assertRefused(
        await t.request("/api/v1/admin/users", {
          method: "POST",
          headers: admin.headers,
          body: json('{"email":"new.person@test.airlock","name":"New @ Person"}'),
        }),
        `user name ${sequence}`,
      );
      await assertRefused(
        await t.request("/api/v1/actions/issue_credit/runs", {
          method: "POST",
          headers: { ...admin.headers, "idempotency-key": `k-${sequence}` },
          body: json('{"params":{},"reason":"goodwill credit @ for the outage"}'),
        }),
        `run reason ${sequence}`,
      );
      // A key too: object keys are text as well.
      await assertRefused(
        await t.request("/api/v1/actions/issue_credit/runs", {
          method: "POST",
          headers: admin.headers,
          body: json('{"params":{"@":1}}'),
        }),
        `object key ${sequence}`,
      );
    }
    await assertRefused(
      await t.request("/api/v1/admin/groups", {
        method: "POST",
        headers: admin.headers,
        body: '{"name":"team-y","description":"nul \\u0000 here"}',
      }),
      "NUL in a body",
    );
    assert.deepEqual(await counts(), before, "nothing was stored");
  });

  test("a well-formed pair (an emoji, escaped or raw) is text like any other", async () => {
    const res = await t.request("/api/v1/admin/groups", {
      method: "POST",
      headers: admin.headers,
      body: '{"name":"team-emoji","description":"card \\ud83d\\udcb3 and 💳"}',
    });
    assert.equal(res.status, 201, await res.text());
    const row = (
      await t.airlock.database.pool.query("SELECT description FROM airlock.groups WHERE name = 'team-emoji'")
    ).rows[0];
    assert.equal(row.description, "card 💳 and 💳");
  });

  test("raw bytes of a surrogate (CESU-8) are not UTF-8: 400 request.malformed_json", async () => {
    const res = await t.request("/api/v1/admin/groups", {
      method: "POST",
      headers: admin.headers,
      body: Buffer.concat([
        Buffer.from('{"name":"team-z","description":"'),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from('"}'),
      ]),
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, "request.malformed_json");
  });
});
