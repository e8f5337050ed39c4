// The action change log: a workspace loaded twice with a changed action records two versions; the
// versions answer what changed (the policy's condition, a new parameter) and which runs ran on
// which version. Real app, real PostgreSQL, one database shared by both deployments.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { compileWorkspace } from "../../src/workspace/compile-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser } from "../support/users.ts";
import { governanceWorkspace, issueCredit, lookupAccount } from "./governance-workspace.ts";

const issueCreditV2 = defineAction({
  ...issueCredit,
  params: z.object({
    accountId: z.string(),
    amountCents: z.number().int().positive(),
    note: z.string().optional(),
  }),
  approval: {
    ...issueCredit.approval,
    name: "large-credit",
    when: (p: { amountCents: number }) => p.amountCents > 50_00,
  } as never,
});
const v2 = defineWorkspace({ ...governanceWorkspace, actions: [issueCreditV2, lookupAccount] });

let t: TestAirlock | null = null;
after(async () => {
  await t?.close();
  await t?.database.drop();
});

test("two deployments: two versions, what changed between them, and the runs of each", async () => {
  const first = await startTestAirlock({ workspace: governanceWorkspace });
  const sam = await createUser(first.airlock.database.pool, { groups: ["support"] });
  const run = (app: TestAirlock) =>
    app.post(
      "/api/v1/actions/issue_credit/runs",
      { params: { accountId: "acc_1", amountCents: 20_00 } },
      sam.headers,
    );
  assert.equal((await run(first)).status, 200);
  const v1 = first.airlock.workspace.actions.get("issue_credit")!.version;
  await first.airlock.close();

  t = await startTestAirlock({ workspace: v2, database: first.database });
  const res = await t.request("/api/v1/actions/issue_credit/versions", { headers: sam.headers });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    versions: {
      version: string;
      current: boolean;
      changes: { path: string; before: unknown; after: unknown }[];
      runs: { count: number };
    }[];
  };
  assert.equal(body.versions.length, 2);
  const [now, before] = body.versions;
  assert.equal(before!.version, v1);
  assert.deepEqual([now!.current, before!.current], [true, false]);
  assert.deepEqual([now!.runs.count, before!.runs.count], [0, 1]);
  const paths = now!.changes.map((c) => c.path);
  assert.ok(paths.includes("params.properties.note"), paths.join(", "));
  const condition = now!.changes.find((c) => c.path === "policies.large-credit.condition")!;
  assert.match(String(condition.before), /100_00/);
  assert.match(String(condition.after), /50_00/);
  assert.ok(!paths.includes("codeHash"), "the handler did not change");

  // $20 is below both thresholds: it runs at once, on v2.
  assert.equal((await run(t)).status, 200);
  const again = (await (
    await t.request("/api/v1/actions/issue_credit/versions", { headers: sam.headers })
  ).json()) as typeof body;
  assert.deepEqual(
    again.versions.map((v) => v.runs.count),
    [1, 1],
  );

  const outsider = await createUser(t.airlock.database.pool, { groups: [] });
  const hidden = await t.request("/api/v1/actions/issue_credit/versions", { headers: outsider.headers });
  assert.equal(hidden.status, 404);
});

test("a demo's earlier versions are recorded in demo mode only, dated when it says they were deployed", async () => {
  const withPast = defineWorkspace({
    ...governanceWorkspace,
    actions: [issueCreditV2, lookupAccount],
    demo: { users: [], history: [{ action: issueCredit, deployedAt: "2026-09-14T09:30:00Z" }] },
  });
  const versionsOf = async (app: TestAirlock) =>
    (
      await app.airlock.database.pool.query<{ version: string; first_seen_at: Date }>(
        "SELECT version, first_seen_at FROM airlock.action_versions WHERE action = 'issue_credit' ORDER BY first_seen_at",
      )
    ).rows;
  const production = await startTestAirlock({ workspace: withPast });
  try {
    assert.deepEqual(
      (await versionsOf(production)).map((v) => v.version),
      [production.airlock.workspace.actions.get("issue_credit")!.version],
    );
  } finally {
    await production.close();
  }
  const demo = await startTestAirlock({ workspace: withPast, env: { AIRLOCK_DEMO: "true" } });
  try {
    const past = demo.airlock.workspace.demo!.history[0]!.action.version;
    const rows = await versionsOf(demo);
    assert.deepEqual(
      rows.map((v) => v.version),
      [past, demo.airlock.workspace.actions.get("issue_credit")!.version],
    );
    assert.equal(rows[0]!.first_seen_at.toISOString(), "2026-09-14T09:30:00.000Z");
  } finally {
    await demo.close();
  }

  // A past version of an action the workspace lacks, or dated in the future, stops the start.
  const bad = (history: { action: typeof issueCredit; deployedAt: string }[]) => () =>
    compileWorkspace(defineWorkspace({ ...governanceWorkspace, demo: { users: [], history } }));
  assert.throws(
    bad([{ action: issueCredit, deployedAt: "2999-01-01T00:00:00Z" }]),
    /deployedAt must be a date in the past/,
  );
  assert.throws(
    bad([{ action: defineAction({ ...issueCredit, name: "gone" }), deployedAt: "2026-01-01T00:00:00Z" }]),
    /no action "gone"/,
  );
});
