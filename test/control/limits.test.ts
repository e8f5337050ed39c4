// Per-action limits as a person meets them: rates per minute and per person, and concurrency,
// shared by two Airlock instances on one database (two pools, as two processes would have; the
// real two-process case is limits-processes.test.ts). Refusals are 429 `request.rate_limited`
// with Retry-After and a message naming the limit, and each leaves a `run.rate_limited` audit
// event.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { compileWorkspace } from "../../src/workspace/compile-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { createUser, type TestUser } from "../support/users.ts";

// Handlers of the concurrency actions wait here until the test lets them finish.
const gates = new Map<string, () => void>();
const entered: string[] = [];
function gate(key: string): Promise<void> {
  entered.push(key);
  return new Promise((resolve) => gates.set(key, resolve));
}
async function waitFor<T>(check: () => T | undefined | false, what: string): Promise<T> {
  const until = Date.now() + 30_000;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const params = z.object({ key: z.string() });
const workspace = defineWorkspace({
  name: "limits",
  actions: [
    defineAction({
      name: "rated",
      title: "Rated",
      tags: ["ops"],
      execution: "inline",
      limits: { perMinute: 3, perActor: 2 },
      params,
      handler: (p) => ({ key: p.key }),
    }),
    defineAction({
      name: "rated_shared",
      title: "Rated, hit from two instances",
      tags: ["ops"],
      execution: "inline",
      limits: { perMinute: 4 },
      params,
      handler: (p) => ({ key: p.key }),
    }),
    defineAction({
      name: "rated_queued",
      title: "Rated, queued when full",
      tags: ["ops"],
      limits: { perMinute: 2, whenFull: "queue" },
      params,
      handler: (p) => ({ key: p.key }),
    }),
    defineAction({
      name: "one_at_a_time",
      title: "One at a time (inline)",
      tags: ["ops"],
      execution: "inline",
      limits: { concurrency: 1 },
      params,
      handler: async (p) => {
        if (p.key.startsWith("hold")) await gate(p.key);
        return { key: p.key };
      },
    }),
    defineAction({
      name: "one_at_a_time_queued",
      title: "One at a time (queued)",
      tags: ["ops"],
      limits: { concurrency: 1 },
      params,
      handler: async (p) => {
        await gate(p.key);
        return { key: p.key };
      },
    }),
  ],
  roles: { operator: { groups: ["operators"] } },
  grants: [{ to: "operator", verbs: ["view", "run"], on: { tag: "ops" } }],
});

let database: TestDatabase;
let a: TestAirlock;
let b: TestAirlock;
let sam: TestUser;
let kim: TestUser;

before(async () => {
  database = await createTestDatabase();
  a = await startTestAirlock({
    workspace,
    database,
    env: { AIRLOCK_WORKER_CONCURRENCY: "3", AIRLOCK_RUN_WAIT_MS: "0" },
  });
  b = await startTestAirlock({
    workspace,
    database,
    env: { AIRLOCK_WORKER_CONCURRENCY: "3", AIRLOCK_RUN_WAIT_MS: "0" },
  });
  sam = await createUser(a.airlock.database.pool, { groups: ["operators"] });
  kim = await createUser(a.airlock.database.pool, { groups: ["operators"] });
});
after(async () => {
  for (const resolve of gates.values()) resolve();
  await b?.close();
  await a?.close();
  await database?.drop();
});

function run(on: TestAirlock, action: string, user: TestUser, key: string, idempotencyKey?: string) {
  return on.post(
    `/api/v1/actions/${action}/runs`,
    { params: { key } },
    { ...user.headers, ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}) },
  );
}

async function rateLimitedEvents(action: string) {
  const { rows } = await a.airlock.database.pool.query(
    `SELECT actor_id, error_code, outcome, data FROM airlock.audit_events
      WHERE type = 'run.rate_limited' AND action = $1 ORDER BY id`,
    [action],
  );
  return rows;
}

describe("rates", () => {
  test("perActor refuses a person's third run in a minute; perMinute refuses everyone's fourth; 429 with Retry-After and the limit named; audited", async () => {
    for (const key of ["s1", "s2"]) assert.equal((await run(a, "rated", sam, key, `k-${key}`)).status, 200);
    const third = await run(b, "rated", sam, "s3");
    const body = await third.json();
    assert.equal(third.status, 429);
    assert.equal(body.error.code, "request.rate_limited");
    assert.match(body.error.message, /rated allows 2 runs a minute per person/);
    assert.equal(body.error.details.limit, "perActor");
    const retryAfter = Number(third.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${third.headers.get("retry-after")}`);
    assert.equal(body.error.details.retryAfterSeconds, retryAfter);
    assert.ok(body.error.requestId);

    // A replay of an admitted run answers from its record and takes no place in the window.
    const replay = await run(b, "rated", sam, "s1", "k-s1");
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get("idempotent-replayed"), "true");

    // Kim has her own two, but the action's three a minute are shared: one left.
    assert.equal((await run(a, "rated", kim, "k1")).status, 200);
    const fourth = await run(b, "rated", kim, "k2");
    const fourthBody = await fourth.json();
    assert.equal(fourth.status, 429);
    assert.equal(fourthBody.error.details.limit, "perMinute");
    assert.match(fourthBody.error.message, /rated allows 3 runs a minute and that is reached/);
    assert.ok(Number(fourth.headers.get("retry-after")) >= 1);

    const events = await rateLimitedEvents("rated");
    assert.deepEqual(
      events.map((e) => [e.actor_id, e.error_code, e.outcome, e.data.limit, e.data.max]),
      [
        [sam.id, "request.rate_limited", "denied", "perActor", 2],
        [kim.id, "request.rate_limited", "denied", "perMinute", 3],
      ],
    );
    const { rows } = await a.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.runs WHERE action = 'rated'",
    );
    assert.equal(rows[0].n, 3, "refused runs left no run behind");
  });

  test("12 requests at once through two instances: exactly perMinute (4) admitted", async () => {
    const users = [sam, kim];
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => run(i % 2 ? b : a, "rated_shared", users[i % 2]!, `c${i}`)),
    );
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 200, ...Array(8).fill(429)]);
    assert.equal((await rateLimitedEvents("rated_shared")).length, 8);
  });
});

describe("rates that queue", () => {
  test('whenFull "queue": over perMinute, runs are accepted and wait queued, none refused; once the window has room they run', async () => {
    const ids: string[] = [];
    for (const key of ["w1", "w2", "w3", "w4"]) {
      const res = await run(key === "w2" ? b : a, "rated_queued", sam, key);
      assert.equal(res.status, 202, `${key}: accepted, not refused`);
      ids.push((await res.json()).id as string);
    }
    const statuses = async () => {
      const { rows } = await a.airlock.database.pool.query<{ id: string; status: string }>(
        "SELECT id, status FROM airlock.runs WHERE id = ANY($1::text[])",
        [ids],
      );
      return rows.map((r) => r.status);
    };
    // Two fit the window; the other two wait, queued, for a place (given time to be tried).
    const until = Date.now() + 30_000;
    while ((await statuses()).filter((s) => s === "succeeded").length < 2) {
      if (Date.now() > until) throw new Error(`runs are ${(await statuses()).join(", ")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2_500));
    assert.deepEqual((await statuses()).sort(), ["queued", "queued", "succeeded", "succeeded"]);
    assert.equal((await rateLimitedEvents("rated_queued")).length, 0, "nothing was refused");

    // A minute passes: the admissions leave the window and the waiting jobs come due.
    const pool = a.airlock.database.pool;
    await pool.query(
      "UPDATE airlock.action_admissions SET admitted_at = admitted_at - interval '61 seconds' WHERE action = 'rated_queued'",
    );
    await pool.query(
      "UPDATE pgboss.job SET start_after = now() WHERE name = 'airlock.run' AND state = 'created' AND data->>'runId' = ANY($1::text[])",
      [ids],
    );
    for (const id of ids) assert.equal(await waitForRun(id), "succeeded");
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM airlock.action_admissions WHERE action = 'rated_queued' AND admitted_at > now() - interval '60 seconds'",
    );
    assert.equal(rows[0].n, 2, "the two late runs took their places in the new window");
  });
});

describe("concurrency", () => {
  test("inline: while one run holds the only slot on one instance, the other instance refuses with 429; after it, runs again", async () => {
    const holding = run(a, "one_at_a_time", sam, "hold-1");
    await waitFor(() => gates.get("hold-1"), "the first run to start");
    const refused = await run(b, "one_at_a_time", kim, "second");
    const body = await refused.json();
    assert.equal(refused.status, 429);
    assert.equal(body.error.details.limit, "concurrency");
    assert.match(body.error.message, /one_at_a_time allows 1 run at once and all are running/);
    assert.equal(refused.headers.get("retry-after"), "1");
    gates.get("hold-1")!();
    assert.equal((await holding).status, 200);
    const after = await run(b, "one_at_a_time", kim, "third");
    assert.equal(after.status, 200, "the slot is free once the run finished");
    const events = await rateLimitedEvents("one_at_a_time");
    assert.equal(events.length, 1);
    assert.equal(events[0].data.limit, "concurrency");
  });

  test("queued: three runs on two instances' workers execute one at a time, none refused, all succeed", async () => {
    const submitted = await Promise.all(
      ["q1", "q2", "q3"].map(async (key, i) => {
        const res = await (i % 2 ? b : a).post(
          "/api/v1/actions/one_at_a_time_queued/runs",
          { params: { key } },
          sam.headers,
        );
        assert.ok(res.status === 200 || res.status === 202, String(res.status));
        return (await res.json()).id as string;
      }),
    );
    const queuedKeys = () => entered.filter((k) => k.startsWith("q"));
    for (let finished = 0; finished < 3; finished++) {
      await waitFor(() => queuedKeys().length === finished + 1, `run ${finished + 1} to start`);
      // While it holds the slot, no other run starts (given time to try).
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(queuedKeys().length, finished + 1, "a second run started while the slot was held");
      gates.get(queuedKeys()[finished]!)!();
    }
    for (const id of submitted) assert.equal(await waitForRun(id), "succeeded");
  });
});

async function waitForRun(id: string): Promise<string> {
  const until = Date.now() + 30_000;
  for (;;) {
    const res = await a.request(`/api/v1/runs/${id}`, { headers: sam.headers });
    const body = await res.json();
    if (["succeeded", "failed"].includes(body.status)) return body.status;
    if (Date.now() > until) throw new Error(`run ${id} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("a limit that is not a whole number from 1, or a misspelt one, stops the start with the action's name", () => {
  const bad = defineAction({
    name: "bad_limits",
    title: "Bad limits",
    params: z.object({}),
    limits: { concurrency: 0, perMinut: 5 } as never,
    handler: () => null,
  });
  assert.throws(
    () => compileWorkspace(defineWorkspace({ name: "x", actions: [bad] })),
    (error: Error) =>
      /bad_limits.*limits\.concurrency must be a whole number from 1 to 100, got 0/.test(error.message) &&
      /limits\.perMinut is not a limit \(concurrency, perMinute, perActor, whenFull\)/.test(error.message),
  );
});

test('whenFull "queue" on an inline action stops the start: an inline run cannot wait', () => {
  const bad = defineAction({
    name: "inline_queue",
    title: "Inline that would queue",
    execution: "inline",
    params: z.object({}),
    limits: { perMinute: 5, whenFull: "queue" },
    handler: () => null,
  });
  assert.throws(
    () => compileWorkspace(defineWorkspace({ name: "x", actions: [bad] })),
    /inline_queue.*limits\.whenFull "queue" needs execution: "queued"/s,
  );
});
