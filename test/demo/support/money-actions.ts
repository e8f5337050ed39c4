// The demo Airlock of the money actions' tests (money-actions-support-desk.test.ts,
// money-actions-payments.test.ts): started once per file by `withMoneyDemo()` with a support agent,
// a support manager and two ops members, and the helpers the tests read the ledger with and take
// a run through its approval.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import type { TestAirlock } from "../../support/test-airlock.ts";
import type { TestUser } from "../../support/users.ts";
import {
  type DemoAirlock,
  getJson,
  postJson,
  type RunResponse,
  runAction,
  startDemoAirlock,
  waitForRun,
} from "../demo-airlock-money.ts";

export let demo: DemoAirlock;
export let t: TestAirlock;
export let agent: TestUser;
export let manager: TestUser;
export let ops: TestUser;
export let ops2: TestUser;

/** Starts the demo Airlock before the file's tests (its people: a support agent, a support
 * manager, two ops members) and closes it after them. */
export function withMoneyDemo(): void {
  before(async () => {
    demo = await startDemoAirlock({
      users: {
        agent: ["support"],
        manager: ["support-managers"],
        ops: ["ops"],
        ops2: ["ops"],
      },
    });
    ({ t } = demo);
    const { users } = demo;
    [agent, manager, ops, ops2] = [users.agent!, users.manager!, users.ops!, users.ops2!];
  });
  after(async () => {
    await demo?.close();
  });
}

export const balance = async (accountId: string): Promise<number> =>
  Number(
    (await demo.owner("SELECT balance_cents FROM demo.accounts WHERE id = $1", [accountId])).rows[0]
      .balance_cents,
  );

export const journalsWithReference = async (reference: string) =>
  (await demo.owner("SELECT id, kind, posted_by, memo FROM demo.journals WHERE reference = $1", [reference]))
    .rows;

export const journalCount = async () =>
  Number((await demo.owner("SELECT count(*) AS n FROM demo.journals")).rows[0].n);

export function assertRefused(res: RunResponse, code: string) {
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.equal(res.body.error.code, `domain.${code}`, JSON.stringify(res.body));
  assert.match(res.body.error.details.runId, /^run_/);
}

/** Submit a run a policy holds; the requester's own approval is refused; `reviewer` approves. */
export async function approveAndRun(
  requester: TestUser,
  reviewer: TestUser,
  action: string,
  params: Record<string, unknown>,
  options: { key?: string; reason?: string } = {},
) {
  const asked = await runAction(t, requester, action, params, options);
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  assert.equal(asked.body.status, "pending_approval");
  const approvalId = asked.body.approvalRequestId as string;
  const self = await postJson(t, requester, `/api/v1/approvals/${approvalId}/approve`, {});
  assert.equal(self.status, 403, JSON.stringify(self.body));
  assert.equal(self.body.error.code, "approval.self_approval");
  const view = await getJson(t, reviewer, `/api/v1/approvals/${approvalId}`);
  assert.equal(view.status, 200, JSON.stringify(view.body));
  const approved = await postJson(t, reviewer, `/api/v1/approvals/${approvalId}/approve`, {
    reason: "checked against the ticket",
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const run = await waitForRun(t, asked.body.id, ["succeeded", "failed"]);
  return { run, approvalId, view: view.body, key: options.key };
}
