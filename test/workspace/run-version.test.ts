// A run executes the version of its action it was requested (and approved) against, never
// silently another. Here the workspace changes between the approval and the worker's step (as a
// deploy or an `airlock dev` save does): without that version at hand the run fails with
// `run.version_changed`, naming both versions, and nothing is executed; with it held (what
// `airlock dev` does for superseded versions) the run executes on it. The instance runs no
// workers, so each test decides when the worker's step happens.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ControlDeps } from "../../src/control/control-deps.ts";
import { executeQueuedRun } from "../../src/control/executor.ts";
import type { AnyAction } from "../../src/sdk/define-action.ts";
import { defineWorkspace } from "../../src/sdk/define-workspace.ts";
import { compileWorkspace } from "../../src/workspace/compile-workspace.ts";
import {
  audit,
  type Cast,
  decide,
  effects,
  requestApproval,
  runRow,
  startApprovalAirlock,
} from "../approval/approval-support.ts";
import { fixtureWorkspace } from "../support/fixture-workspace.ts";
import type { TestAirlock } from "../support/test-airlock.ts";

let t: TestAirlock;
let cast: Cast;

before(async () => {
  ({ t, cast } = await startApprovalAirlock({ env: { AIRLOCK_WORKER_CONCURRENCY: "0" } }));
});
after(async () => {
  await t.close();
});

/** The fixture workspace after a save that changed credit_queued's handler. */
const changed = compileWorkspace(
  defineWorkspace({
    ...fixtureWorkspace,
    actions: fixtureWorkspace.actions.map((action) =>
      action.name === "credit_queued"
        ? ({ ...action, handler: async () => ({ balance: -1, requestId: "changed" }) } as AnyAction)
        : action,
    ),
  }),
);

async function approvedRun(account: string) {
  const { run, approvalId } = await requestApproval(t, cast.operator, "credit_queued", {
    account,
    amount: 25_000,
  });
  const res = await decide(t, cast.manager, approvalId, "approve", { reason: "ok" });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.run.status, "queued");
  return run as { id: string };
}

const execute = (deps: ControlDeps, runId: string) =>
  executeQueuedRun(deps, { data: { runId }, retryCount: 0 });

test("an approved run whose action changed before it started fails with run.version_changed, naming both versions; nothing is executed", async () => {
  const requested = t.airlock.workspace.actions.get("credit_queued")!.version;
  const loaded = changed.actions.get("credit_queued")!.version;
  assert.notEqual(requested, loaded, "the change is a new version");
  const run = await approvedRun("acc_changed");

  await execute({ ...t.airlock.control.deps, workspace: changed }, run.id);

  const row = await runRow(t, run.id);
  assert.equal(row.status, "failed");
  assert.equal(row.error_code, "run.version_changed");
  assert.ok(row.error_message.includes(requested), row.error_message);
  assert.ok(row.error_message.includes(loaded), row.error_message);
  assert.deepEqual(await effects(t, { runId: run.id }), [], "nothing executed");
  const [failed] = await audit(t, { runId: run.id, type: "run.failed" });
  assert.equal(failed.error_code, "run.version_changed");
  assert.equal(failed.action_version, requested, "the audit names the version the run was approved against");
  assert.deepEqual(await audit(t, { runId: run.id, type: "run.started" }), [], "it never started");

  // The requester sees the stable code and the message on the run.
  const view = await t.request(`/api/v1/runs/${run.id}`, { headers: cast.operator.headers });
  const body = (await view.json()) as { status: string; error: { code: string; message: string } };
  assert.equal(body.status, "failed");
  assert.equal(body.error.code, "run.version_changed");
  assert.ok(body.error.message.includes(loaded), body.error.message);
});

test("a held version: the run executes on the version it was approved against, not the loaded one", async () => {
  const requested = t.airlock.workspace.actions.get("credit_queued")!;
  const run = await approvedRun("acc_held");
  const asked: string[] = [];
  await execute(
    {
      ...t.airlock.control.deps,
      workspace: changed,
      heldVersion: (name, version) => {
        asked.push(`${name}@${version}`);
        return name === requested.name && version === requested.version ? requested : undefined;
      },
    },
    run.id,
  );
  assert.deepEqual(asked, [`credit_queued@${requested.version}`]);
  const row = await runRow(t, run.id);
  assert.equal(row.status, "succeeded", row.error_message);
  assert.equal(row.action_version, requested.version);
  assert.deepEqual(
    (await effects(t, { runId: run.id })).map((e) => [e.account, e.amount]),
    [["acc_held", 25_000]],
    "the approved version's handler ran (the changed one writes nothing)",
  );
});
