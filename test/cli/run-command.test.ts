import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Listening, listen } from "../../src/server/serve.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { createFixtureSchema, fixtureWorkspace } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let server: Listening;
let operator: TestUser;

before(async () => {
  t = await startTestAirlock({ workspace: fixtureWorkspace, prepare: createFixtureSchema });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  operator = await createUser(t.airlock.database.pool, { groups: ["operators"] });
});
after(async () => {
  await server.close(100);
  await t.close();
});

const airlock = (args: string[], env: Record<string, string> = {}) =>
  runAirlock(args, { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: operator.token, ...env });

test("airlock run: typed params, the result, the run and request IDs", async () => {
  const res = await airlock([
    "run",
    "credit_inline",
    "--param",
    "account=acc_cli",
    "--param",
    "amount=1250",
    "--param",
    "note=via cli",
  ]);
  assert.equal(res.code, 0, res.err);
  const [first, ...rest] = res.out.trim().split("\n");
  assert.match(first!, /^succeeded {2}run run_\w+ {2}request req_\w+ {2}idempotency key cli-/);
  assert.equal(JSON.parse(rest.join("\n")).balance, 1250, "amount was sent as a number");
  const runId = /run (run_\w+)/.exec(first!)![1];
  const run = await (await t.request(`/api/v1/runs/${runId}`, { headers: operator.headers })).json();
  assert.equal(run.channel, "cli");
});

test("airlock run --json and a replay with the same --idempotency-key", async () => {
  const args = ["run", "echo", "--param", "text=hello", "--idempotency-key", "cli-key-1", "--json"];
  const first = await airlock(args);
  assert.equal(first.code, 0, first.err);
  const a = JSON.parse(first.out);
  const second = await airlock(args);
  const b = JSON.parse(second.out);
  assert.equal(a.id, b.id);
  assert.deepEqual(a.result, { text: "hello", card: null });
});

test("refusals: validation issues listed, exit 1; pending approval exits 3", async () => {
  const invalid = await airlock(["run", "credit_inline", "--param", "account=x", "--param", "amount=-3"]);
  assert.equal(invalid.code, 1);
  assert.match(invalid.err, /^validation\.failed: Some parameters are not valid\. \(request req_\w+\)/);
  assert.match(invalid.err, /- amount: /);
  const gated = await airlock([
    "run",
    "credit_queued",
    "--param",
    "account=acc_big",
    "--param",
    "amount=50000",
  ]);
  assert.equal(gated.code, 3, gated.err);
  assert.match(gated.out, /^pending_approval/);
  const unknown = await airlock(["run", "no_such"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /^action\.not_found/);
  const noToken = await airlock(["run", "echo"], { AIRLOCK_TOKEN: "" });
  assert.equal(noToken.code, 2);
  assert.match(noToken.err, /an API token is needed/);
  const badToken = await airlock(["run", "echo", "--token", "alk_nope"]);
  assert.equal(badToken.code, 1);
  assert.match(badToken.err, /^auth\.token_invalid/);
});
