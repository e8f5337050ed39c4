// The demo's daily fraud check (examples/demo/schedules.ts) on the seeded demo data: a tick, as
// the fraud-bot service identity, flags a large card purchase made today and starts the fraud
// runbook for its account, whose decision step then waits for the risk team. The tick is run by
// its body (schedule-tick.ts), as DBOS runs it; test/reliability/schedule-ticks.test.ts covers the firing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ACCOUNT_ALICE } from "../../examples/demo/fixtures.ts";
import { runTick } from "../../src/schedules/schedule-tick.ts";
import { type CustomerDemo, getAs, startCustomerDemo } from "../demo/demo-airlock-customers.ts";

let demo: CustomerDemo;
before(async () => {
  demo = await startCustomerDemo();
});
after(async () => {
  await demo?.close();
});

test("the daily fraud check flags today's large purchase and starts a fraud review for its account, as fraud-bot", async () => {
  const { t, cast, owner } = demo;
  const account = await owner.query<{ currency: string }>(
    "SELECT currency FROM demo.accounts WHERE id = $1",
    [ACCOUNT_ALICE],
  );
  await owner.query(
    `INSERT INTO demo.transactions (id, account_id, kind, amount_cents, currency, description, status, occurred_at)
     VALUES ('txn_daily_check_big', $1, 'online_purchase', -120000, $2, 'Electronics, 1,200.00', 'pending', now() - interval '2 hours')`,
    [ACCOUNT_ALICE, account.rows[0]!.currency],
  );
  const schedule = t.airlock.workspace.schedules.get("daily_fraud_check")!;
  assert.equal(schedule.timing, "0 6 * * * (Europe/London)");
  const tickAt = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const deps = {
    pool: t.airlock.database.pool,
    control: t.airlock.control,
    runbooks: t.airlock.runbooks,
    log: t.airlock.log,
  };
  const outcome = await runTick(deps, schedule, tickAt, false);
  assert.equal(outcome.status, "started");

  const flagged = await owner.query<{ fraud_flag: string }>(
    "SELECT fraud_flag FROM demo.transactions WHERE id = 'txn_daily_check_big'",
  );
  assert.equal(flagged.rows[0]!.fraud_flag, "flagged");
  const bot = await owner.query<{ id: string }>(
    "SELECT id FROM airlock.users WHERE kind = 'service' AND name = 'fraud-bot'",
  );
  const run = await owner.query<{ actor_id: string; status: string; channel: string }>(
    "SELECT actor_id, status, channel FROM airlock.runs WHERE id = $1",
    [outcome.runId],
  );
  assert.deepEqual(run.rows[0], { actor_id: bot.rows[0]!.id, status: "succeeded", channel: "schedule" });

  // The six questions name the service identity as who, on the schedule channel.
  const sixQuestions = await getAs(t, cast.ada, `/api/v1/runs/${outcome.runId}`);
  assert.deepEqual(
    [sixQuestions.body.accountability.who.actor.name, sixQuestions.body.accountability.who.actor.kind],
    ["fraud-bot", "service"],
  );
  assert.equal(sixQuestions.body.accountability.who.channel, "schedule");

  const tick = await owner.query<{ for_each_runbook_run_ids: string[] }>(
    "SELECT for_each_runbook_run_ids FROM airlock.schedule_ticks WHERE schedule = 'daily_fraud_check'",
  );
  const reviews = await owner.query<{ id: string; params: { accountId: string }; actor_id: string }>(
    "SELECT id, params, actor_id FROM airlock.runbook_runs WHERE id = ANY($1)",
    [tick.rows[0]!.for_each_runbook_run_ids],
  );
  const alice = reviews.rows.find((r) => r.params.accountId === ACCOUNT_ALICE);
  assert.ok(alice, "a fraud review for the account");
  assert.ok(reviews.rows.every((r) => r.actor_id === bot.rows[0]!.id));

  // The review's decision step waits for the risk team, like one a person started.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const view = await getAs(t, cast.rita, `/api/v1/runbook-runs/${alice.id}`);
    if (view.body.status === "waiting") break;
    assert.ok(
      Date.now() < deadline,
      `the review did not reach its decision step: ${JSON.stringify(view.body)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  // Running the same tick again (a crash before its checkpoint) starts nothing new.
  const again = await runTick(deps, schedule, tickAt, false);
  assert.equal(again.runId, outcome.runId);
  const after = await owner.query(
    "SELECT count(*)::int AS n FROM airlock.runbook_runs WHERE request_id LIKE 'sched:%'",
  );
  assert.equal(after.rows[0].n, reviews.rows.length);

  const listed = await getAs(t, cast.ada, "/api/v1/schedules");
  const daily = listed.body.schedules.find((s: { name: string }) => s.name === "daily_fraud_check");
  assert.equal(daily.as, "fraud-bot");
  assert.equal(daily.target.forEach, "fraud_review");
  assert.equal(daily.lastRuns[0].runId, outcome.runId);
  assert.equal(daily.canAdmin, true);
});
