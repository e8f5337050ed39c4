// Policy what-if: a draft replayed against the action's past runs, without changing anything.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { listen } from "../../src/server/serve.ts";
import { runAirlockBatch } from "../governance/cli-batch.ts";
import type { TestAirlock } from "../support/test-airlock.ts";
import { audit, type Cast, getJson, startApprovalAirlock, submit } from "./approval-support.ts";

let t: TestAirlock;
let cast: Cast;
const runIds: Record<number, string> = {};

before(async () => {
  ({ t, cast } = await startApprovalAirlock());
  // credit_watch: monitor mode, gated over 100.00 (amount > 10_000), reviewers: approvers.
  for (const amount of [50, 5_000, 20_000, 60_000]) {
    const res = await submit(t, cast.clerk, "credit_watch", { account: "acc_whatif", amount });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    runIds[amount] = res.body.id;
  }
});
after(async () => {
  await t.close();
});

async function whatIf(user: typeof cast.admin, body: unknown, policy = "credit_watch.approval") {
  const res = await t.post(`/api/v1/policies/${policy}/what-if`, body, user.headers);
  return { status: res.status, body: await res.json() };
}

const over = (value: number) => ({ when: { all: [{ param: "amount", op: "gt", value }] } });

describe("policy what-if", () => {
  test("a lower threshold: counts today's and the draft's gated runs and lists the newly gated one", async () => {
    const res = await whatIf(cast.admin, { days: 7, draft: over(1_000) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { totals, changed } = res.body;
    assert.equal(totals.runs, 4);
    assert.equal(totals.gatedNow, 2);
    assert.equal(totals.gatedDraft, 3);
    assert.deepEqual(
      [totals.still_gated, totals.newly_gated, totals.no_longer_gated, totals.still_free],
      [2, 1, 0, 1],
    );
    assert.deepEqual(
      changed.map((c: { runId: string; category: string }) => [c.runId, c.category]),
      [[runIds[5_000], "newly_gated"]],
    );
    assert.equal(changed[0].requester.name, "Cleo Clerk");
    assert.deepEqual(changed[0].params, { account: "acc_whatif", amount: 5_000 });
    assert.equal(res.body.draft.condition, "amount gt 1000");
    assert.deepEqual(res.body.draft.eligibleReviewers.map((p: { name: string }) => p.name).sort(), [
      "Abe Approver",
      "Amy Approver",
    ]);
  });

  test("a higher threshold lists the run that would no longer be gated", async () => {
    const res = await whatIf(cast.admin, { draft: over(50_000) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.totals.gatedDraft, 1);
    assert.deepEqual(
      res.body.changed.map((c: { runId: string; category: string }) => [c.runId, c.category]),
      [[runIds[20_000], "no_longer_gated"]],
    );
  });

  test("reviewers no one eligible belongs to: every gated run is flagged as unable to reach its quorum", async () => {
    // Clerks may run credit_watch but hold no approve on it.
    const res = await whatIf(cast.admin, { draft: { reviewers: { groups: ["clerks"], users: [] } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.draft.eligibleReviewers, []);
    assert.equal(res.body.totals.gatedDraft, 2);
    assert.equal(res.body.totals.noQuorumPossible, 2);
    assert.equal(res.body.totals.newly_gated + res.body.totals.no_longer_gated, 0);
  });

  test("nothing changes: the policy keeps its mode, and the replay itself is audited with the draft", async () => {
    const before = await getJson(t, cast.admin, "/api/v1/policies");
    await whatIf(cast.admin, { days: 3, draft: { when: "always", quorum: 2 } });
    const afterwards = await getJson(t, cast.admin, "/api/v1/policies");
    assert.deepEqual(afterwards.body, before.body);
    const events = await audit(t, { type: "policy.what_if" });
    const mine = events.find((e: { data: { days: number } }) => e.data.days === 3);
    assert.ok(mine, "a policy.what_if event for the replay");
    assert.equal(mine.actor_id, cast.admin.id);
    assert.deepEqual(mine.data.draft.when, "always");
    assert.equal(mine.data.draft.quorum, 2);
    assert.equal(mine.data.runs, 4);
  });

  test("a value typed into a draft is scrubbed of PII before the audit trail keeps it", async () => {
    const res = await whatIf(cast.admin, {
      days: 2,
      draft: { when: { all: [{ param: "account", op: "eq", value: "olive.secret@example.com" }] } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const events = await audit(t, { type: "policy.what_if" });
    const mine = events.find((e: { data: { days: number } }) => e.data.days === 2);
    assert.ok(mine, "a policy.what_if event for the replay");
    assert.doesNotMatch(JSON.stringify(mine.data), /olive\.secret@example\.com/);
    assert.equal(mine.data.draft.when.all[0].param, "account");
  });

  test("a draft naming a parameter the action does not have, or a group that does not exist, is refused with each problem", async () => {
    const res = await whatIf(cast.admin, {
      draft: {
        when: { any: [{ param: "amout", op: "gt", value: 10 }] },
        reviewers: { groups: ["nobody-group"] },
      },
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "policy.draft_invalid");
    assert.ok(res.body.error.requestId);
    const problems: string[] = res.body.error.details.problems;
    assert.ok(
      problems.some((p) => p.includes('no parameter "amout"')),
      problems.join("; "),
    );
    assert.ok(
      problems.some((p) => p.includes('no group "nobody-group"')),
      problems.join("; "),
    );
  });

  test("a comparison without a value of the right kind, and an unknown operator, are refused", async () => {
    const missing = await whatIf(cast.admin, { draft: { when: { all: [{ param: "amount", op: "in" }] } } });
    assert.equal(missing.status, 422);
    assert.equal(missing.body.error.code, "policy.draft_invalid");
    const unknown = await whatIf(cast.admin, {
      draft: { when: { all: [{ param: "amount", op: "like", value: 1 }] } },
    });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error.code, "validation.failed");
    const tooFar = await whatIf(cast.admin, { days: 400, draft: {} });
    assert.equal(tooFar.status, 422);
    assert.equal(tooFar.body.error.code, "validation.failed");
  });

  test("someone who may run the action but neither administers nor audits it is refused, and the refusal audited", async () => {
    const res = await whatIf(cast.clerk, { draft: over(1) });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "permission.denied");
    const denied = await audit(t, { type: "permission.denied" });
    assert.ok(
      denied.some(
        (e: { actor_id: string; data: { attempted?: string } }) =>
          e.actor_id === cast.clerk.id && e.data.attempted === "policy.what_if",
      ),
    );
    const hidden = await whatIf(cast.outsider, { draft: over(1) });
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.error.code, "policy.not_found");
  });
});

test("the CLI replays a draft from a file and prints the counts and the changed runs", async () => {
  const server = await listen(t.airlock.app, "127.0.0.1", 0);
  const dir = await mkdtemp(join(tmpdir(), "airlock-what-if-"));
  try {
    const file = join(dir, "draft.json");
    await writeFile(file, JSON.stringify(over(1_000)));
    // Both commands in one child process: a process start costs seconds under load.
    const env = { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: cast.admin.token };
    const [res, bad] = await runAirlockBatch([
      { args: ["policies", "what-if", "credit_watch.approval", "--draft", file, "--days", "7"], env },
      { args: ["policies", "what-if", "credit_watch.approval", "--draft", join(dir, "missing.json")], env },
    ]);
    assert.ok(res && bad);
    assert.equal(res.code, 0, res.out + res.err);
    assert.match(res.out, /credit_watch\.approval {2}\(credit_watch\): the last 7 day\(s\), 4 run\(s\)/);
    assert.match(res.out, /now: {3}2 gated/);
    assert.match(
      res.out,
      /draft: 3 gated; condition: amount gt 1000; quorum 1; could approve: A\w+ Approver, A\w+ Approver/,
    );
    assert.match(res.out, /newly gated 1, no longer gated 0, unchanged 3, unknown 0/);
    assert.match(res.out, new RegExp(`${runIds[5_000]}\\s+\\S+\\s+newly_gated\\s+Cleo Clerk`));
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--draft: ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await server.close(100);
  }
});
