// airlock approve | reject | approvals | policies — the real command, in a child process, against
// the real HTTP server: the CLI goes through the same API and the same rules.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Listening, listen } from "../../src/server/serve.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import type { TestAirlock } from "../support/test-airlock.ts";
import type { TestUser } from "../support/users.ts";
import { type Cast, requestApproval, startApprovalAirlock, waitForRun } from "./approval-support.ts";

let t: TestAirlock;
let cast: Cast;
let server: Listening;

before(async () => {
  ({ t, cast } = await startApprovalAirlock());
  server = await listen(t.airlock.app, "127.0.0.1", 0);
});
after(async () => {
  await server.close(100);
  await t.close();
});

const airlock = (user: TestUser, args: string[]) =>
  runAirlock(args, { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: user.token });

test("self-approval is refused through the CLI too, admins included", async () => {
  for (const requester of [cast.operator, cast.admin]) {
    const { approvalId } = await requestApproval(t, requester, "credit_queued", {
      account: "acc_cli",
      amount: 30_000,
    });
    const res = await airlock(requester, ["approve", approvalId, "--reason", "trust me"]);
    assert.equal(res.code, 1, res.out + res.err);
    assert.match(res.err, /^approval\.self_approval: You cannot decide on your own request\. \(request req_/);
    const refused = await t.airlock.database.pool.query(
      "SELECT data FROM airlock.audit_events WHERE type = 'approval.refused' AND approval_request_id = $1",
      [approvalId],
    );
    assert.equal(refused.rows[0].data.channel, "cli");
  }
});

test("approvals inbox, approve and reject from the command line", async () => {
  const one = await requestApproval(t, cast.operator, "credit_queued", {
    account: "acc_cli1",
    amount: 31_000,
  });
  const two = await requestApproval(t, cast.operator, "credit_queued", {
    account: "acc_cli2",
    amount: 32_000,
  });
  const inbox = await airlock(cast.manager, ["approvals"]);
  assert.equal(inbox.code, 0, inbox.err);
  assert.match(
    inbox.out,
    new RegExp(`${one.approvalId}\\s+pending\\s+credit_queued account:acc_cli1\\s+by Olive Operator`),
  );
  assert.match(inbox.out, new RegExp(two.approvalId));
  const mine = await airlock(cast.operator, ["approvals", "--status", "mine", "--json"]);
  assert.equal(mine.code, 0);
  assert.ok(JSON.parse(mine.out).approvals.some((a: { id: string }) => a.id === one.approvalId));

  const noReason = await airlock(cast.manager, ["reject", two.approvalId]);
  assert.equal(noReason.code, 2);
  assert.match(noReason.err, /--reason is required/);
  const rejected = await airlock(cast.manager, [
    "reject",
    two.approvalId,
    "--reason",
    "duplicate of another credit",
  ]);
  assert.equal(rejected.code, 0, rejected.err);
  assert.match(rejected.out, /^rejected {2}approval apr_\S+ {2}run run_\S+ \(rejected\)/);

  const approved = await airlock(cast.manager, ["approve", one.approvalId, "--reason", "ok"]);
  assert.equal(approved.code, 0, approved.err);
  assert.match(approved.out, /^approved {2}approval/);
  assert.match(approved.out, /credit_queued\.approval: 1\/1 approvals/);
  assert.match(approved.out, /Executing under request req_/);
  await waitForRun(t, one.run.id, ["succeeded"]);
  const decision = await t.airlock.database.pool.query(
    "SELECT channel FROM airlock.approval_decisions WHERE approval_request_id = $1",
    [one.approvalId],
  );
  assert.equal(decision.rows[0].channel, "cli");
  const twice = await airlock(cast.manager, ["approve", one.approvalId]);
  assert.equal(twice.code, 1);
  assert.match(twice.err, /^approval\.already_decided/);
  const usage = await airlock(cast.manager, ["approve"]);
  assert.equal(usage.code, 2);
});

test("policies: list, report and a mode change", async () => {
  const list = await airlock(cast.admin, ["policies"]);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /credit_queued\.approval {2}credit_queued {2}enforce {2}quorum 1/);
  const mode = await airlock(cast.admin, [
    "policies",
    "mode",
    "credit_inline.approval",
    "monitor",
    "--reason",
    "trial",
  ]);
  assert.equal(mode.code, 0, mode.err);
  assert.match(mode.out, /credit_inline\.approval \(credit_inline\): enforce → monitor/);
  const report = await airlock(cast.admin, ["policies", "report"]);
  assert.equal(report.code, 0, report.err);
  assert.match(report.out, /credit_queued\.approval {2}\(credit_queued, enforce\)/);
  assert.match(report.out, /gated requests: +\d+ \(approved 1, rejected 1/);
  assert.match(report.out, /credit_inline\.approval {2}\(credit_inline, monitor\)/);
  const denied = await airlock(cast.operator, [
    "policies",
    "mode",
    "credit_inline.approval",
    "enforce",
    "--reason",
    "not mine to change",
  ]);
  assert.equal(denied.code, 1);
  assert.match(denied.err, /^permission\.denied/);
});
