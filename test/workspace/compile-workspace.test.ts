// Every problem a workspace author can get when Airlock compiles their workspace at start: one test
// per message, each asserting the exact line they would read (what is wrong, and where).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StartupError } from "../../src/errors/startup-error.ts";
import type { WorkspaceDefinition } from "../../src/sdk/define-workspace.ts";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { compileWorkspace } from "../../src/workspace/compile-workspace.ts";

/** A valid action, with any field replaced (invalid values included, as an author could write them). */
function action(fields: Record<string, unknown> = {}) {
  return defineAction({
    name: "issue_credit",
    title: "Issue a credit",
    tags: ["billing"],
    params: z.object({ account: z.string(), amount: z.number().int() }),
    async handler() {
      return { ok: true };
    },
    ...fields,
  } as never);
}

/** A valid workspace with some parts replaced. */
function workspace(parts: Partial<WorkspaceDefinition> = {}) {
  return defineWorkspace({
    name: "acme",
    actions: [action()],
    services: { "nightly-job": { description: "Nightly reconciliation" } },
    roles: { support: { groups: ["support"], services: ["nightly-job"] } },
    grants: [{ to: "support", verbs: ["view", "run"], on: "*" }],
    ...parts,
  });
}

/** The problems an author reads, one per line, from the error Airlock stops with. */
function problemsOf(parts: Partial<WorkspaceDefinition>): string[] {
  try {
    compileWorkspace(workspace(parts));
  } catch (error) {
    assert.ok(error instanceof StartupError);
    assert.equal(error.code, "config.invalid_workspace");
    const [head, ...lines] = error.message.split("\n");
    assert.match(head ?? "", /^airlock\.config\.ts has \d+ problems?:$/);
    return lines.map((line) => line.replace(/^ {2}- /, ""));
  }
  assert.fail("the workspace compiled without problems");
}

const withPolicy = (approval: unknown) => ({ actions: [action({ approval })] });

describe("compiling a workspace", () => {
  test("the valid workspace these tests start from compiles", () => {
    const compiled = compileWorkspace(workspace());
    assert.deepEqual([...compiled.actions.keys()], ["issue_credit"]);
    assert.deepEqual(compiled.groups, { support: { description: "" } });
  });

  test("every problem is reported at once, counted, under the config file's name", () => {
    assert.throws(
      () =>
        compileWorkspace(workspace({ actions: [action({ title: "", risk: "extreme" })] }), "acme.config.ts"),
      {
        name: "StartupError",
        code: "config.invalid_workspace",
        message:
          "acme.config.ts has 2 problems:\n" +
          "  - actions[0] (issue_credit): a title is required.\n" +
          "  - actions[0] (issue_credit): risk must be low, medium, high or critical.",
      },
    );
  });

  test("a default export that is not a workspace", () => {
    assert.throws(() => compileWorkspace({ name: "acme", actions: [] } as never), {
      code: "config.invalid_workspace",
      message: 'airlock.config.ts must default-export defineWorkspace({ ... }) from "airlock".',
    });
  });
});

describe("action problems", () => {
  test("two actions with one name", () => {
    assert.deepEqual(problemsOf({ actions: [action(), action({ title: "Again" })] }), [
      'actions[1] (issue_credit): the name "issue_credit" is used by two actions; names must be unique.',
    ]);
  });

  test("an entry that is not an action", () => {
    assert.deepEqual(problemsOf({ actions: [{ name: "issue_credit", title: "x" } as never] }), [
      "actions[0] (issue_credit): not an action; wrap it in defineAction({ ... }).",
    ]);
  });

  test("a name that is not snake_case", () => {
    assert.deepEqual(problemsOf({ actions: [action({ name: "IssueCredit" })] }), [
      'actions[0] (IssueCredit): the name must be snake_case (like "issue_credit"), got "IssueCredit".',
    ]);
  });

  test("a blank title", () => {
    assert.deepEqual(problemsOf({ actions: [action({ title: "  " })] }), [
      "actions[0] (issue_credit): a title is required.",
    ]);
  });

  test("no handler", () => {
    assert.deepEqual(problemsOf({ actions: [action({ handler: undefined })] }), [
      "actions[0] (issue_credit): a handler function is required.",
    ]);
  });

  test("params that are not a z.object", () => {
    assert.deepEqual(problemsOf({ actions: [action({ params: z.string() })] }), [
      "actions[0] (issue_credit): params must be a z.object({ ... }) schema.",
    ]);
  });

  test("params that cannot be shown as a form", () => {
    assert.deepEqual(problemsOf({ actions: [action({ params: z.object({ on: z.date() }) })] }), [
      "actions[0] (issue_credit): the params schema cannot be shown as a form (JSON Schema): Date cannot be represented in JSON Schema",
    ]);
  });

  test("an output that is not a zod schema", () => {
    assert.deepEqual(problemsOf({ actions: [action({ output: { balance: "number" } })] }), [
      "actions[0] (issue_credit): output must be a zod schema.",
    ]);
  });

  test("an output schema that cannot be represented", () => {
    const output = z.object({ a: z.string().meta({ id: "money" }), b: z.number().meta({ id: "money" }) });
    assert.deepEqual(problemsOf({ actions: [action({ output })] }), [
      'actions[0] (issue_credit): the output schema cannot be represented: Duplicate schema id "money" detected during JSON Schema conversion. Two different schemas cannot share the same id when converted together.',
    ]);
  });

  test("an unknown risk", () => {
    assert.deepEqual(problemsOf({ actions: [action({ risk: "extreme" })] }), [
      "actions[0] (issue_credit): risk must be low, medium, high or critical.",
    ]);
  });

  test("a tag that is not lowercase-with-dashes", () => {
    assert.deepEqual(problemsOf({ actions: [action({ tags: ["billing", "Money_Movement"] })] }), [
      'actions[0] (issue_credit): tag "Money_Movement" must be lowercase letters, digits and dashes.',
    ]);
  });

  test("a timeout that is not a duration", () => {
    assert.deepEqual(problemsOf({ actions: [action({ timeout: "soon" })] }), [
      'actions[0] (issue_credit): timeout: not a duration (use e.g. "30s", "15m", "24h"): soon',
    ]);
  });

  test("an unknown retry", () => {
    assert.deepEqual(problemsOf({ actions: [action({ retry: "always" })] }), [
      'actions[0] (issue_credit): retry must be "safe" or "never".',
    ]);
  });

  test("an unknown execution mode", () => {
    assert.deepEqual(problemsOf({ actions: [action({ execution: "background" })] }), [
      'actions[0] (issue_credit): execution must be "queued" or "inline".',
    ]);
  });
});

describe("approval policy problems", () => {
  const reviewers = { groups: ["managers"] };

  test("two policies with one name", () => {
    const approval = [
      { name: "large", reviewers },
      { name: "large", reviewers },
    ];
    assert.deepEqual(problemsOf(withPolicy(approval)), [
      'actions[0] (issue_credit): two approval policies are named "large".',
    ]);
  });

  test("a policy with no reviewers, named by default after its action", () => {
    assert.deepEqual(problemsOf(withPolicy({ reviewers: { groups: [] } })), [
      'actions[0] (issue_credit): approval policy "issue_credit.approval" names no reviewers.',
    ]);
  });

  test("a quorum that is not a whole number ≥ 1", () => {
    assert.deepEqual(problemsOf(withPolicy({ reviewers, quorum: 0 })), [
      'actions[0] (issue_credit): approval policy "issue_credit.approval": quorum must be a whole number ≥ 1.',
    ]);
  });

  test("an expiry that is not a duration, in the second of two policies", () => {
    assert.deepEqual(problemsOf(withPolicy([{ reviewers }, { reviewers, expiresIn: "-1h" }])), [
      'actions[0] (issue_credit): approval policy "issue_credit.approval.2": expiresIn: not a duration (use e.g. "30s", "15m", "24h"): -1h',
    ]);
  });

  test("an unknown mode", () => {
    assert.deepEqual(problemsOf(withPolicy({ reviewers, mode: "audit" })), [
      'actions[0] (issue_credit): approval policy "issue_credit.approval": mode must be enforce or monitor.',
    ]);
  });

  test("a `when` that is not a function", () => {
    assert.deepEqual(problemsOf(withPolicy({ reviewers, when: "amount > 100" })), [
      'actions[0] (issue_credit): approval policy "issue_credit.approval": when must be a function.',
    ]);
  });
});

describe("role and service problems", () => {
  test("a service name that is not lowercase-with-dashes", () => {
    assert.deepEqual(problemsOf({ services: { Nightly_Job: {} }, roles: {}, grants: [] }), [
      "services.Nightly_Job: use lowercase letters, digits and dashes.",
    ]);
  });

  test("a role name that is not lowercase-with-dashes", () => {
    assert.deepEqual(problemsOf({ roles: { Support: { groups: ["support"] } }, grants: [] }), [
      "roles.Support: use lowercase letters, digits and dashes.",
    ]);
  });

  test("a role held by an undeclared service", () => {
    assert.deepEqual(problemsOf({ roles: { support: { services: ["nightly-jobs"] } } }), [
      'roles.support.services: "nightly-jobs" is not declared in services.',
    ]);
  });
});

describe("grant problems", () => {
  test("a grant to an undeclared role", () => {
    assert.deepEqual(problemsOf({ grants: [{ to: "suport", verbs: ["run"], on: "*" }] }), [
      'grants[0]: role "suport" is not declared in roles.',
    ]);
  });

  test("a grant with no verbs", () => {
    assert.deepEqual(problemsOf({ grants: [{ to: "support", verbs: [], on: "*" }] }), [
      "grants[0]: list at least one verb.",
    ]);
  });

  test("a grant with a word that is not a verb", () => {
    assert.deepEqual(
      problemsOf({ grants: [{ to: "support", verbs: ["run", "execute" as never], on: "*" }] }),
      ['grants[0]: "execute" is not a verb (view, run, approve, audit, admin, reveal:<class>).'],
    );
  });

  test("a grant on an action that does not exist", () => {
    assert.deepEqual(
      problemsOf({ grants: [{ to: "support", verbs: ["run"], on: { action: "issue_refund" } }] }),
      ['grants[0]: action "issue_refund" does not exist.'],
    );
  });

  test("a grant on a tag no action has", () => {
    const grants = [
      { to: "support", verbs: ["view" as const], on: "*" as const },
      { to: "support", verbs: ["run" as const], on: { tag: "payments" } },
    ];
    assert.deepEqual(problemsOf({ grants }), ['grants[1]: no action has the tag "payments".']);
  });

  test("a grant on something that is neither an action, a tag nor everything", () => {
    assert.deepEqual(
      problemsOf({ grants: [{ to: "support", verbs: ["run"], on: { group: "billing" } as never }] }),
      ['grants[0]: on must be { action }, { runbook }, { tag } or "*".'],
    );
  });
});
