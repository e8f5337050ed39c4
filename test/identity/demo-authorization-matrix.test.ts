// The authorization matrix of the real demo workspace (examples/demo): for every demo role ×
// action × verb, the authorizer answers what the workspace's grants say, and so does the API —
// a role that may run an action gets past authorization (to parameter validation), one that may
// only view it gets permission.denied, and one that may not see it gets action.not_found.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import demo from "../../examples/demo/workspace.ts";
import type { Principal } from "../../src/identity/principal.ts";
import type { Verb } from "../../src/sdk/define-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { grantsAllow } from "./expected-grants.ts";

const VERBS: Verb[] = [
  "view",
  "run",
  "approve",
  "audit",
  "admin",
  "reveal:card_number",
  "reveal:ssn",
  "reveal:email",
];
// Roles held by people (a group); a service identity's role (the fraud check's bot) has no group.
const ROLES = Object.entries(demo.roles ?? {})
  .filter(([, def]) => (def.groups ?? []).length > 0)
  .map(([role, def]) => ({ role, group: def.groups![0]! }));
const GRANTS = demo.grants ?? [];

let t: TestAirlock;
const users = new Map<string, TestUser>();

before(async () => {
  t = await startTestAirlock({ workspace: demo });
  for (const { role, group } of ROLES)
    users.set(role, await createUser(t.airlock.database.pool, { groups: [group] }));
});
after(async () => {
  await t.close();
});

const principalOf = (user: TestUser, group: string): Principal => ({
  id: user.id,
  kind: "human",
  name: user.email,
  email: user.email,
  groups: [group],
  via: "token",
});

test("every demo role × action × verb: the authorizer equals the declared grants", async () => {
  assert.deepEqual(ROLES.map((r) => r.role).sort(), [
    "admin",
    "compliance",
    "ops",
    "risk-analyst",
    "support",
    "support-manager",
  ]);
  const mismatches: string[] = [];
  let allowed = 0;
  let cells = 0;
  for (const { role, group } of ROLES) {
    const principal = principalOf(users.get(role)!, group);
    for (const action of t.airlock.workspace.actions.values()) {
      for (const verb of VERBS) {
        cells++;
        const want = grantsAllow(GRANTS, role, verb, action);
        const got = (await t.airlock.authorizer.can(principal, verb, action)).allowed;
        if (want) allowed++;
        if (got !== want) mismatches.push(`${role} ${verb} ${action.name}: got ${got}, grants say ${want}`);
      }
    }
  }
  assert.deepEqual(mismatches, []);
  assert.equal(cells, ROLES.length * t.airlock.workspace.actions.size * VERBS.length);
  assert.ok(allowed > 50 && allowed < cells / 2, `${allowed} of ${cells} cells allowed`);
});

test("segregation of duties in the demo: nobody approves what only they may run; admins neither run nor approve money", async () => {
  const admin = principalOf(users.get("admin")!, "admins");
  for (const action of t.airlock.workspace.actions.values()) {
    const approvers = action.policies.flatMap((p) => p.reviewers.groups);
    for (const group of approvers) {
      // Each reviewer group has at least two demo users, so a requester in it always has a peer.
      const members = (demo.demo?.users ?? []).filter((u) => u.groups.includes(group));
      assert.ok(
        members.length >= 2,
        `${action.name}: reviewer group ${group} has ${members.length} demo users`,
      );
    }
    if (action.tags.some((tag) => ["support", "payments", "treasury", "privacy", "risk"].includes(tag))) {
      assert.equal((await t.airlock.authorizer.can(admin, "run", action)).allowed, false, action.name);
      assert.equal((await t.airlock.authorizer.can(admin, "approve", action)).allowed, false, action.name);
    }
  }
});

test("through the API, each role gets exactly as far as its grants: validation, permission.denied or not found", async () => {
  const mismatches: string[] = [];
  for (const { role } of ROLES) {
    const headers = users.get(role)!.headers;
    const catalog = await (await t.request("/api/v1/actions", { headers })).json();
    const listed = new Set(catalog.actions.map((a: { name: string }) => a.name));
    for (const action of t.airlock.workspace.actions.values()) {
      const view = grantsAllow(GRANTS, role, "view", action);
      const run = grantsAllow(GRANTS, role, "run", action);
      if (listed.has(action.name) !== view) mismatches.push(`${role} catalog ${action.name}: ${!view}`);
      // Empty parameters: most actions refuse them at validation, i.e. after authorization.
      // (This database has no demo tables, so the few whose parameters are all optional fail in
      // their handler — also after authorization.)
      const res = await t.post(`/api/v1/actions/${action.name}/runs`, { params: {} }, headers);
      const code = (await res.json()).error?.code;
      const refusedBefore = code === "permission.denied" || code === "action.not_found";
      if (run ? refusedBefore : code !== (view ? "permission.denied" : "action.not_found"))
        mismatches.push(
          `${role} run ${action.name}: ${res.status} ${code} (grants: view ${view}, run ${run})`,
        );
    }
  }
  assert.deepEqual(mismatches, []);
});
