// Per-run logs: what a handler writes with ctx.log is kept with its run (inline and queued), shown
// by GET /api/v1/runs/{id}/logs and `airlock runs logs`, still written to the process log with the
// request ID — and a canary card number and email logged by the handler reach none of them raw.
// A handler that logs in a loop keeps a bounded record.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

const CARD = "4111111111111111";
const EMAIL = "canary.person@example.org";

const chatty = (name: string, execution: "inline" | "queued") =>
  defineAction({
    name,
    title: `Chatty (${execution})`,
    tags: ["logs"],
    execution,
    params: z.object({
      customerEmail: z.email().meta({ pii: "email" }),
      lines: z.number().int().min(0).max(1000),
    }),
    async handler(p, ctx) {
      ctx.log.info({ customerEmail: p.customerEmail, step: "lookup" }, "looking the customer up");
      ctx.log.warn(`card ${CARD} declined for ${p.customerEmail}`);
      ctx.log.error({ note: `card on file ${CARD}` }, "provider said no");
      for (let i = 0; i < p.lines; i++) ctx.log.debug({ i }, `line ${i}`);
      return { ok: true };
    },
  });

const workspace = defineWorkspace({
  name: "run-logs",
  actions: [chatty("chatty_inline", "inline"), chatty("chatty_queued", "queued")],
  roles: { operators: { groups: ["operators"] } },
  grants: [{ to: "operators", verbs: ["view", "run"], on: { tag: "logs" } }],
});

let t: TestAirlock;
let server: Listening;
let operator: TestUser;
let outsider: TestUser;

before(async () => {
  t = await startTestAirlock({ workspace });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  operator = await createUser(t.airlock.database.pool, { groups: ["operators"] });
  outsider = await createUser(t.airlock.database.pool, { groups: [] });
});
after(async () => {
  await server.close(100);
  await t.close();
});

async function runChatty(action: string, lines: number) {
  const response = await t.post(
    `/api/v1/actions/${action}/runs`,
    { params: { customerEmail: EMAIL, lines } },
    operator.headers,
  );
  assert.equal(response.status, 200);
  return (await response.json()) as { id: string; requestId: string };
}

async function logsOf(runId: string, user: TestUser) {
  return t.request(`/api/v1/runs/${runId}/logs`, { headers: user.headers });
}

for (const execution of ["inline", "queued"] as const) {
  test(`${execution}: the handler's lines are kept with the run, masked, and still logged with the request ID`, async () => {
    const run = await runChatty(`chatty_${execution}`, 0);
    const response = await logsOf(run.id, operator);
    assert.equal(response.status, 200);
    const text = await response.text();
    const { lines } = JSON.parse(text) as {
      lines: { level: string; message: string; data: Record<string, unknown> | null; requestId: string }[];
    };
    assert.deepEqual(
      lines.map((l) => [l.level, l.message]),
      [
        ["info", "looking the customer up"],
        ["warn", lines[1]!.message],
        ["error", "provider said no"],
      ],
    );
    assert.equal(lines[0]!.data?.step, "lookup");
    assert.notEqual(lines[0]!.data?.customerEmail, EMAIL, "the classified field is masked by name");
    assert.match(lines[1]!.message, /^card \S+ declined for \S+$/);
    assert.ok(lines.every((l) => l.requestId === run.requestId));
    for (const canary of [CARD, EMAIL])
      assert.equal(text.includes(canary), false, `${canary} is not in the stored logs`);

    const processLines = t.logs.filter((l) => l.runId === run.id && l.msg !== undefined);
    const handlerLines = processLines.filter((l) =>
      ["looking the customer up", "provider said no"].includes(l.msg as string),
    );
    assert.equal(handlerLines.length, 2, "stdout still gets the handler's lines");
    assert.ok(handlerLines.every((l) => typeof l.requestId === "string"));
    const logText = t.logText();
    for (const canary of [CARD, EMAIL])
      assert.equal(logText.includes(canary), false, `${canary} is not in the process log`);
  });
}

test("a handler logging in a loop keeps at most 200 lines, and says how many it dropped", async () => {
  const run = await runChatty("chatty_inline", 400);
  const { lines } = (await (await logsOf(run.id, operator)).json()) as {
    lines: { level: string; message: string }[];
  };
  assert.equal(lines.length, 201);
  assert.equal(lines[199]!.message, "line 196");
  assert.equal(lines[200]!.level, "warn");
  assert.match(lines[200]!.message, /^203 more log lines were not kept/);
});

test("someone who may not see the run gets run.not_found for its logs", async () => {
  const run = await runChatty("chatty_queued", 0);
  const response = await logsOf(run.id, outsider);
  assert.equal(response.status, 404);
  assert.equal(((await response.json()) as { error: { code: string } }).error.code, "run.not_found");
});

test("airlock runs logs <id> prints the lines, masked", async () => {
  const run = await runChatty("chatty_queued", 0);
  const res = await runAirlock(["runs", "logs", run.id], {
    AIRLOCK_URL: server.url,
    AIRLOCK_TOKEN: operator.token,
  });
  assert.equal(res.code, 0, res.err);
  const printed = res.out.trim().split("\n");
  assert.equal(printed.length, 3);
  assert.match(
    printed[0]!,
    /^\d{4}-\d\d-\d\dT\S+Z {2}info {3}looking the customer up {2}\{"step":"lookup","customerEmail":"c•••@example\.org"\}$/,
  );
  assert.match(printed[2]!, /error {2}provider said no/);
  for (const canary of [CARD, EMAIL]) assert.equal(res.out.includes(canary), false);

  const usage = await runAirlock(["runs", "tail", run.id], {
    AIRLOCK_URL: server.url,
    AIRLOCK_TOKEN: operator.token,
  });
  assert.equal(usage.code, 2);
});
