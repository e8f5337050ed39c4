// The run and HTTP metrics a Prometheus scrape of one process reads (docs/operations.md): runs that
// reached a final status by action and status, their duration, the requests answered by route and
// status, and how old the oldest event of each sealed audit batch was when it was sealed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ActionError, defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

const workspace = defineWorkspace({
  name: "run-metrics",
  actions: [
    defineAction({
      name: "flaky_transfer",
      title: "Flaky transfer",
      execution: "inline",
      params: z.object({ fail: z.boolean() }),
      async handler(p) {
        if (p.fail) throw new ActionError("transfer.refused", "The bank refused the transfer.");
        return { ok: true };
      },
    }),
  ],
  roles: { operators: { groups: ["operators"] } },
  grants: [{ to: "operators", verbs: ["view", "run"], on: "*" }],
});

let t: TestAirlock;
let operator: TestUser;

before(async () => {
  t = await startTestAirlock({ workspace });
  operator = await createUser(t.airlock.database.pool, { groups: ["operators"] });
});
after(() => t.close());

/** The value of the one sample of `name` whose labels include every pair given. */
function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return null;
}

async function run(key: string, fail: boolean): Promise<Response> {
  return t.post(
    "/api/v1/actions/flaky_transfer/runs",
    { params: { fail } },
    {
      ...operator.headers,
      "idempotency-key": key,
    },
  );
}

test("runs are counted by action and final status, timed, and the requests by route and status", async () => {
  const ok = await run("metrics-ok-1", false);
  assert.equal(ok.status, 200, await ok.clone().text());
  await run("metrics-ok-2", false);
  const failed = await run("metrics-failed-1", true);
  assert.ok(failed.status < 500, await failed.clone().text());
  const text = await (await t.request("/metrics")).text();
  const finished = "airlock_runs_finished_total";
  assert.equal(sample(text, finished, { action: "flaky_transfer", status: "succeeded" }), 2);
  assert.equal(sample(text, finished, { action: "flaky_transfer", status: "failed" }), 1);
  assert.equal(sample(text, "airlock_run_duration_seconds_count", { action: "flaky_transfer" }), 3);
  const route = { method: "POST", route: "/api/v1/actions/:name/runs" };
  assert.equal(sample(text, "airlock_http_requests_total", { ...route, status: "200" }), 2);
  assert.equal(sample(text, "airlock_http_request_duration_seconds_count", route), 3);
});

test("each sealed audit batch records how old its oldest event was", async () => {
  await run("metrics-seal-1", false);
  // The instance's sealer runs on its own; the scrape is read until a batch was sealed.
  const deadline = Date.now() + 30_000;
  let sealed = 0;
  let text = "";
  while (Date.now() < deadline) {
    text = await (await t.request("/metrics")).text();
    sealed = sample(text, "airlock_audit_seal_lag_seconds_count", {}) ?? 0;
    if (sealed > 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(sealed >= 1, "a batch was sealed and measured");
  const lag = sample(text, "airlock_audit_seal_lag_seconds_sum", {});
  assert.ok(lag !== null && lag >= 0, `the lag is a duration (${lag})`);
});
