// The generated authorization matrix (reliability.md, "deny by default"): for every role × action
// × verb of a demo-shaped workspace, the one authorizer answers exactly what the declared grants
// say. The expectation is computed here from the grant list with the documented rules, not with
// the authorizer's code.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Principal } from "../../src/identity/principal.ts";
import type { GrantDefinition, Verb } from "../../src/sdk/define-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { DEMO_ACTIONS, DEMO_GRANTS, DEMO_ROLE_GROUPS, demoLikeWorkspace } from "./demo-like-workspace.ts";
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
const ROLES = Object.keys(DEMO_ROLE_GROUPS);

function expected(grants: GrantDefinition[], role: string, verb: Verb, actionName: string): boolean {
  return grantsAllow(grants, role, verb, DEMO_ACTIONS.find((a) => a.name === actionName)!);
}

let t: TestAirlock;
const users: Record<string, TestUser> = {};
let nobody: TestUser;

function principalOf(user: TestUser, groups: string[]): Principal {
  return { id: user.id, kind: "human", name: user.email, email: user.email, groups, via: "token" };
}

before(async () => {
  t = await startTestAirlock({ workspace: demoLikeWorkspace });
  for (const role of ROLES)
    users[role] = await createUser(t.airlock.database.pool, { groups: [DEMO_ROLE_GROUPS[role]!] });
  nobody = await createUser(t.airlock.database.pool, { groups: [] });
});
after(async () => {
  await t.close();
});

describe("authorization matrix (role × action × verb)", () => {
  test("authorizer.can equals the declared grants for every cell", async () => {
    const mismatches: string[] = [];
    let cells = 0;
    for (const role of ROLES) {
      const principal = principalOf(users[role]!, [DEMO_ROLE_GROUPS[role]!]);
      for (const action of t.airlock.workspace.actions.values()) {
        for (const verb of VERBS) {
          cells++;
          const actual = (await t.airlock.authorizer.can(principal, verb, action)).allowed;
          const want = expected(DEMO_GRANTS, role, verb, action.name);
          if (actual !== want)
            mismatches.push(`${role} ${verb} ${action.name}: got ${actual}, grants say ${want}`);
        }
      }
    }
    assert.equal(cells, ROLES.length * DEMO_ACTIONS.length * VERBS.length);
    assert.deepEqual(mismatches, []);
    // The matrix is not trivially empty or full.
    const allowed = ROLES.flatMap((r) =>
      DEMO_ACTIONS.flatMap((a) => VERBS.filter((v) => expected(DEMO_GRANTS, r, v, a.name))),
    );
    assert.ok(allowed.length > 30 && allowed.length < cells / 2, `${allowed.length} allowed cells`);
  });

  test("an action no grant names is refused to everyone; only `*` grants (audit, admin) reach it", async () => {
    const orphan = t.airlock.workspace.actions.get("orphan_action")!;
    const starGrants = DEMO_GRANTS.filter((g) => g.on === "*");
    for (const role of ROLES) {
      const principal = principalOf(users[role]!, [DEMO_ROLE_GROUPS[role]!]);
      for (const verb of VERBS) {
        const actual = (await t.airlock.authorizer.can(principal, verb, orphan)).allowed;
        assert.equal(actual, expected(starGrants, role, verb, "orphan_action"), `${role} ${verb}`);
        if (verb === "run" || verb === "approve") assert.equal(actual, false, `${role} ${verb}`);
      }
      // Through the API: unrunnable for all; invisible to every role without a `*` grant.
      const headers = users[role]!.headers;
      const visible = starGrants.some((g) => g.to === role);
      assert.equal(
        (await t.request("/api/v1/actions/orphan_action", { headers })).status,
        visible ? 200 : 404,
      );
      const run = await t.post("/api/v1/actions/orphan_action/runs", { params: {} }, headers);
      assert.equal((await run.json()).error.code, visible ? "permission.denied" : "action.not_found");
      const catalog = await (await t.request("/api/v1/actions", { headers })).json();
      assert.equal(
        catalog.actions.some((a: { name: string }) => a.name === "orphan_action"),
        visible,
      );
    }
    for (const verb of VERBS)
      assert.equal((await t.airlock.authorizer.can(principalOf(nobody, []), verb, orphan)).allowed, false);
  });

  test("a service identity holds its role's grants, and only those", async () => {
    const service = (
      await t.airlock.database.pool.query(
        "SELECT id FROM airlock.users WHERE kind = 'service' AND name = 'nightly-fraud-check'",
      )
    ).rows[0];
    const principal: Principal = {
      id: service.id,
      kind: "service",
      name: "nightly-fraud-check",
      email: null,
      groups: [],
      via: "service",
    };
    assert.deepEqual(t.airlock.authorizer.rolesOf(principal), ["risk-analyst"]);
    for (const action of t.airlock.workspace.actions.values())
      for (const verb of VERBS)
        assert.equal(
          (await t.airlock.authorizer.can(principal, verb, action)).allowed,
          expected(DEMO_GRANTS, "risk-analyst", verb, action.name),
          `${verb} ${action.name}`,
        );
    assert.equal(await t.airlock.authorizer.isWorkspaceAdmin(principal), false);
  });

  test("a user with no role may do nothing", async () => {
    for (const action of t.airlock.workspace.actions.values())
      for (const verb of VERBS)
        assert.equal((await t.airlock.authorizer.can(principalOf(nobody, []), verb, action)).allowed, false);
  });

  test("admin on * administers but neither runs nor approves anything", async () => {
    const admin = principalOf(users.admin!, ["admins"]);
    assert.equal(await t.airlock.authorizer.isWorkspaceAdmin(admin), true);
    for (const action of t.airlock.workspace.actions.values()) {
      assert.equal((await t.airlock.authorizer.can(admin, "run", action)).allowed, false, action.name);
      assert.equal((await t.airlock.authorizer.can(admin, "approve", action)).allowed, false, action.name);
      const run = await t.post(`/api/v1/actions/${action.name}/runs`, { params: {} }, users.admin!.headers);
      assert.ok([403, 404].includes(run.status), `${action.name}: ${run.status}`);
    }
    for (const role of ROLES.filter((r) => r !== "admin"))
      assert.equal(
        await t.airlock.authorizer.isWorkspaceAdmin(principalOf(users[role]!, [DEMO_ROLE_GROUPS[role]!])),
        false,
      );
  });

  test("through the API: GET /api/v1/me and running each action agree with the grants", async () => {
    const mismatches: string[] = [];
    for (const role of ROLES) {
      const headers = users[role]!.headers;
      const me = await (await t.request("/api/v1/me", { headers })).json();
      for (const verb of ["view", "run", "approve", "audit", "admin"] as const) {
        const want = DEMO_ACTIONS.filter((a) => expected(DEMO_GRANTS, role, verb, a.name))
          .map((a) => a.name)
          .sort();
        const got = [...me.permissions.actions[verb]].sort();
        if (JSON.stringify(got) !== JSON.stringify(want))
          mismatches.push(`${role} /me ${verb}: ${got} ≠ ${want}`);
      }
      for (const action of DEMO_ACTIONS) {
        const res = await t.post(`/api/v1/actions/${action.name}/runs`, { params: {} }, headers);
        const ran = res.status === 200;
        if (ran !== expected(DEMO_GRANTS, role, "run", action.name))
          mismatches.push(`${role} run ${action.name}: HTTP ${res.status}`);
        if (!ran) {
          const code = (await res.json()).error.code;
          const visible = expected(DEMO_GRANTS, role, "view", action.name);
          if (code !== (visible ? "permission.denied" : "action.not_found"))
            mismatches.push(`${role} run ${action.name}: ${code}`);
        }
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test("a stored grant joins the matrix on the next request, and leaves it when revoked", async () => {
    const extra: GrantDefinition = { to: "ops", verbs: ["run"], on: { action: "issue_credit" } };
    const add = await t.post(
      "/api/v1/admin/grants",
      { to: { role: "ops" }, verbs: ["run"], on: { action: "issue_credit" } },
      users.admin!.headers,
    );
    assert.equal(add.status, 201, await add.clone().text());
    const grant = await add.json();
    const ops = principalOf(users.ops!, ["ops"]);
    const issueCredit = t.airlock.workspace.actions.get("issue_credit")!;
    for (const verb of VERBS) {
      assert.equal(
        (await t.airlock.authorizer.can(ops, verb, issueCredit)).allowed,
        expected([...DEMO_GRANTS, extra], "ops", verb, "issue_credit"),
        verb,
      );
    }
    assert.equal(
      (await t.post("/api/v1/actions/issue_credit/runs", { params: {} }, users.ops!.headers)).status,
      200,
    );
    await t.request(`/api/v1/admin/grants/${grant.id}`, { method: "DELETE", headers: users.admin!.headers });
    assert.equal((await t.airlock.authorizer.can(ops, "run", issueCredit)).allowed, false);
    assert.equal(
      (await t.post("/api/v1/actions/issue_credit/runs", { params: {} }, users.ops!.headers)).status,
      404,
    );
  });
});
