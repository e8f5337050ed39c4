// Who may see a runbook's events on the live-updates stream (notify/live-feed.ts), and what of
// them is sent: ids and statuses only, like every live event; a page reads the rest through the
// API and its masking. A runbook run's events go to its starter, to whoever may view (or approve)
// the runbook, and to a human step's assignee. A gate's approval events follow the same rule, so
// a reviewer's approvals list changes when a gate is asked or decided.
import type { OutboxEvent } from "../events/event-types.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { GATE_SUBJECT } from "./runbook-gate.ts";

export interface RunbookLiveDeps {
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
}

/** Whether `principal` may see `event`; null when it is not a runbook's event. */
export async function runbookEventVisible(
  deps: RunbookLiveDeps,
  principal: Principal,
  event: OutboxEvent,
): Promise<boolean | null> {
  if (
    event.type === "runbook.step" ||
    event.type === "runbook.progress" ||
    event.type === "runbook.finished"
  ) {
    const p = event.payload as OutboxEvent<"runbook.step">["payload"];
    if (p.actorId === principal.id) return true;
    if (p.assignedUser && (p.assignedUser === principal.id || p.assignedUser === principal.email))
      return true;
    if (p.assignedGroup && principal.groups.includes(p.assignedGroup)) return true;
    return await mayFollow(deps, principal, p.runbook);
  }
  if (event.type === "approval.requested" || event.type === "approval.decided") {
    const p = event.payload as OutboxEvent<"approval.requested">["payload"];
    if (p.subjectKind !== GATE_SUBJECT) return null;
    return p.requesterId === principal.id || (await mayFollow(deps, principal, p.action));
  }
  return null;
}

async function mayFollow(deps: RunbookLiveDeps, principal: Principal, name: string): Promise<boolean> {
  const runbook = deps.workspace.runbooks.get(name);
  if (!runbook) return false;
  for (const verb of ["view", "approve"] as const)
    if ((await deps.authorizer.can(principal, verb, runbook)).allowed) return true;
  return false;
}

/** What a live runbook event carries; null when it is not a runbook's event. */
export function runbookEventSummary(event: OutboxEvent): Record<string, unknown> | null {
  if (event.type === "runbook.step") {
    const { runbookRunId, runbook, step, kind, status } =
      event.payload as OutboxEvent<"runbook.step">["payload"];
    return { runbookRunId, runbook, step, kind, status };
  }
  if (event.type === "runbook.progress") {
    const { runbookRunId, runbook } = event.payload as OutboxEvent<"runbook.progress">["payload"];
    return { runbookRunId, runbook };
  }
  if (event.type === "runbook.finished") {
    const { runbookRunId, runbook, status } = event.payload as OutboxEvent<"runbook.finished">["payload"];
    return { runbookRunId, runbook, status };
  }
  return null;
}
