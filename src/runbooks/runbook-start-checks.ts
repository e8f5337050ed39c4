// A runbook start's checks, shared by the start and its preview (`POST /runbooks/{name}/preview`):
// the runbook is visible, the starter may run it and every action it runs, the parameters are
// valid, and the function, rehearsed with them, names each step once. The preview answers what the
// start would ask: the approval gates whose reviewers the starter picks, with whom they may pick.
import type pg from "pg";
import { AirlockError } from "../errors/airlock-error.ts";
import { issuesOf } from "../errors/issues.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import type { CompiledRunbook, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { duplicateStepProblem, type Rehearsal, rehearseRunbook } from "../workspace/runbook-rehearsal.ts";
import { type GateReviewerOptions, gateReviewerOptions } from "./runbook-gate-reviewers.ts";

export interface StartCheckDeps {
  workspace: CompiledWorkspace;
  pool: pg.Pool;
  authorizer: Authorizer;
}

/** A start that passed its checks: the runbook, its parsed parameters and their rehearsal. */
export interface RehearsedStart {
  runbook: CompiledRunbook;
  params: Record<string, unknown>;
  rehearsal: Rehearsal;
}

/** A runbook the principal may see, or `runbook.not_found` (an unseen runbook does not exist). */
export async function visibleRunbook(
  deps: StartCheckDeps,
  principal: Principal,
  name: string,
): Promise<CompiledRunbook> {
  const runbook = deps.workspace.runbooks.get(name);
  if (!runbook || !(await deps.authorizer.can(principal, "view", runbook)).allowed)
    throw new AirlockError("runbook.not_found");
  return runbook;
}

export async function rehearsedStart(
  deps: StartCheckDeps,
  principal: Principal,
  name: string,
  params: unknown,
): Promise<RehearsedStart> {
  const { workspace, authorizer } = deps;
  const runbook = await visibleRunbook(deps, principal, name);
  if (!(await authorizer.can(principal, "run", runbook)).allowed)
    throw new AirlockError("permission.denied", "You need the run permission on this runbook.");
  const parsed = runbook.params.safeParse(params ?? {});
  if (!parsed.success)
    throw new AirlockError("validation.failed", undefined, { issues: issuesOf(parsed.error) });
  // Refused before it begins rather than half-way: every action it runs must exist and be
  // runnable by the starter (the runbook's actor).
  const problems: string[] = [];
  for (const actionName of runbook.uses) {
    const action = workspace.actions.get(actionName);
    if (!action) problems.push(`The action "${actionName}" does not exist.`);
    else if (!(await authorizer.can(principal, "run", action)).allowed)
      problems.push(`You may not run the action "${actionName}", which this runbook runs.`);
  }
  if (problems.length > 0) throw new AirlockError("runbook.invalid", undefined, { problems });
  // Two steps with one name would meet only when the second came, after the first had done
  // its work: the function, rehearsed with these parameters, names its steps first.
  const values = parsed.data as Record<string, unknown>;
  const rehearsal = await rehearseRunbook(runbook.handler, values);
  const { duplicate } = rehearsal;
  if (duplicate !== null)
    throw new AirlockError(
      "runbook.duplicate_step",
      `The runbook "${runbook.name}" has two steps named "${duplicate}"; nothing was started. Give each step a unique name ({ step: "..." }).`,
      {
        runbook: runbook.name,
        step: duplicate,
        problems: [duplicateStepProblem(runbook.name, duplicate)],
      },
    );
  return { runbook, params: values, rehearsal };
}

/**
 * What a start with these parameters would ask: the approval gates that let the starter pick
 * reviewers, with whom they may pick, and whether the rehearsal reached the function's end (if
 * not, a later gate may still ask).
 */
export async function previewStart(
  deps: StartCheckDeps,
  principal: Principal,
  name: string,
  params: unknown,
): Promise<{ gates: GateReviewerOptions[]; complete: boolean }> {
  const { runbook, rehearsal } = await rehearsedStart(deps, principal, name, params);
  return {
    gates: await gateReviewerOptions(deps, runbook, principal, rehearsal.gates),
    complete: rehearsal.finished,
  };
}
