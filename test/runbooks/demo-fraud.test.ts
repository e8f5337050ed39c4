// The demo's fraud runbook on the seeded demo data: a risk analyst starts it for the flagged
// account, the report lists the flagged transactions, the decision step waits in the other
// analyst's inbox, and once answered every flagged transaction is confirmed, each by its own run.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ACCOUNT_FLAGGED } from "../../examples/demo/fixtures.ts";
import { type CustomerDemo, getAs, startCustomerDemo } from "../demo/demo-airlock-customers.ts";

let demo: CustomerDemo;
before(async () => {
  demo = await startCustomerDemo();
});
after(async () => {
  await demo?.close();
});

test("the fraud runbook reports, waits for a risk analyst's decision, then confirms each flagged transaction", async () => {
  const { t, cast, owner } = demo;
  const flaggedBefore = await owner.query(
    "SELECT id FROM demo.transactions WHERE account_id = $1 AND fraud_flag = 'flagged' ORDER BY id",
    [ACCOUNT_FLAGGED],
  );
  assert.ok(flaggedBefore.rows.length > 0);
  const started = await t.post(
    "/api/v1/runbooks/fraud_review/runs",
    { params: { accountId: ACCOUNT_FLAGGED } },
    cast.rita.headers,
  );
  assert.equal(started.status, 202);
  const id = ((await started.json()) as { id: string }).id;
  const view = async () => (await getAs(t, cast.rita, `/api/v1/runbook-runs/${id}`)).body;
  const until = async (what: string, ok: (run: Record<string, unknown>) => boolean) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const run = await view();
      if (ok(run)) return run;
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}: ${JSON.stringify(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const waiting = await until("the decision step", (run) => run.status === "waiting");
  const report = waiting.steps.find((s: { name: string }) => s.name === "report");
  assert.equal(report.output.count, flaggedBefore.rows.length);
  const inbox = await getAs(t, cast.raj, "/api/v1/runbook-inputs");
  assert.deepEqual(
    inbox.body.inputs.map((i: { runbookRunId: string }) => i.runbookRunId),
    [id],
  );
  const answered = await t.post(
    `/api/v1/runbook-runs/${id}/steps/input/answer`,
    { answer: { decision: "confirm", reason: "Customer confirmed the card was stolen" } },
    cast.raj.headers,
  );
  assert.equal(answered.status, 200);
  const done = await until("the end", (run) => run.status === "succeeded" || run.status === "failed");
  assert.equal(done.status, "succeeded", JSON.stringify(done.error));
  assert.deepEqual(done.result, { decision: "confirm", count: flaggedBefore.rows.length });
  const confirmed = await owner.query(
    "SELECT id FROM demo.transactions WHERE id = ANY($1) AND fraud_flag = 'confirmed' ORDER BY id",
    [flaggedBefore.rows.map((r) => r.id)],
  );
  assert.equal(confirmed.rows.length, flaggedBefore.rows.length);
  const runs = done.steps.filter((s: { name: string }) => s.name.startsWith("confirm_"));
  assert.equal(new Set(runs.map((s: { runId: string }) => s.runId)).size, flaggedBefore.rows.length);
});
