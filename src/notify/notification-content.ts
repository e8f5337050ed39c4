// What an event says, and to whom: the message parts (message-template.ts) and the people to tell.
// Events carry ids only; everything shown is loaded here through the API's masking rules —
// parameters masked by their PII classes and free text scrubbed — so a notification never holds
// raw PII, and never a secret or token (payloads hold neither, and links carry none).
import { decisionsOf, getApprovalRequest } from "../approval/approval-store.ts";
import type { OutboxEvent } from "../events/event-types.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { scrubText } from "../pii/mask.ts";
import { getRunbookRun, getStep } from "../runbooks/runbook-store.ts";
import { maskedParams } from "../runs/run-audit.ts";
import { getRun } from "../runs/run-store.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { MessageParts } from "./message-template.ts";
import { showValue } from "./message-template.ts";
import { membersOf, personToTell, reviewersOf } from "./notification-recipients.ts";
import { gatedRequest, gatedThing } from "./subject-notices.ts";

export interface ContentDeps {
  db: Queryable;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  /** Base URL of the web UI (AIRLOCK_PUBLIC_URL, or the local address). */
  baseUrl: string;
}

export interface EventContent {
  parts: MessageParts;
  recipients: Principal[];
  approvalRequestId: string | null;
  runId: string | null;
  /** For Slack: the request can be decided from the message (approve/reject buttons). */
  decidable: boolean;
}

export const NOTIFIED_EVENTS = [
  "approval.requested",
  "approval.decided",
  "run.failed",
  "runbook.waiting",
] as const;
export type NotifiedEvent = (typeof NOTIFIED_EVENTS)[number];

/** The content of `event`, or null when it tells nobody anything (a cancelled request, a gone run). */
export async function contentOf(deps: ContentDeps, event: OutboxEvent): Promise<EventContent | null> {
  switch (event.type) {
    case "approval.requested":
      return await approvalRequested(deps, event as OutboxEvent<"approval.requested">);
    case "approval.decided":
      return await approvalDecided(deps, event as OutboxEvent<"approval.decided">);
    case "run.failed":
      return await runFailed(deps, event as OutboxEvent<"run.failed">);
    case "runbook.waiting":
      return await runbookWaiting(deps, event as OutboxEvent<"runbook.waiting">);
    default:
      return null;
  }
}

async function approvalRequested(
  deps: ContentDeps,
  event: OutboxEvent<"approval.requested">,
): Promise<EventContent | null> {
  const request = await getApprovalRequest(deps.db, event.payload.approvalRequestId);
  if (!request) return null;
  // A runbook's gate or a bulk batch: its own facts and page.
  if (request.subject_kind !== "run")
    return await gatedRequest(deps, request, await nameOf(deps.db, request.requester_id));
  const action = deps.workspace.actions.get(request.action);
  const run = request.run_id ? await getRun(deps.db, request.run_id) : null;
  if (!action || !run) return null;
  const requester = await nameOf(deps.db, request.requester_id);
  const params = maskedParams(action, run.params) as Record<string, unknown>;
  const target = run.target_type && run.target_id ? `${run.target_type}:${run.target_id}` : "—";
  const facts: [string, string][] = [
    ["Action", `${action.title} (${action.name})`],
    ["Target", target],
    ["Requested by", requester],
    ["Reason", request.reason ? scrubText(request.reason) : "—"],
    [
      "Parameters",
      Object.entries(params ?? {})
        .map(([name, value]) => `${name}: ${showValue(value)}`)
        .join("\n") || "—",
    ],
    [
      "Needs",
      request.policies.map((p) => `${p.quorum} approval${p.quorum === 1 ? "" : "s"} (${p.name})`).join("; "),
    ],
    ["Expires", new Date(request.expires_at).toISOString()],
  ];
  // Narrowed by the requester: the reader learns who else was asked (and that others were not).
  if (request.chosen_reviewers) {
    const { users, groups } = request.chosen_reviewers;
    const names = await Promise.all(users.map((id) => nameOf(deps.db, id)));
    facts.push(["Asked", [...names, ...groups.map((g) => `the ${g} group`)].join(", ")]);
  }
  return {
    parts: {
      subject: `Approval needed: ${action.title} on ${target}`,
      intro: `${requester} asks for approval to run ${action.title}. Review the request in Airlock.`,
      facts,
      link: { href: `${deps.baseUrl}/approvals/${request.id}`, label: "Open the request" },
    },
    recipients: await reviewersOf(deps.db, deps.authorizer, action, request, run.on_behalf_of),
    approvalRequestId: request.id,
    runId: run.id,
    decidable: true,
  };
}

async function approvalDecided(
  deps: ContentDeps,
  event: OutboxEvent<"approval.decided">,
): Promise<EventContent | null> {
  const { status } = event.payload;
  // The requester cancelled it: they know.
  if (status === "cancelled") return null;
  const request = await getApprovalRequest(deps.db, event.payload.approvalRequestId);
  if (!request) return null;
  const requester = await personToTell(deps.db, request.requester_id);
  // What was asked for, as the requester knows it: an action's run, a runbook's gate or a batch.
  let what: { title: string; facts: [string, string][]; link: { href: string; label: string } };
  if (request.subject_kind === "run") {
    const action = deps.workspace.actions.get(request.action);
    if (!action) return null;
    what = {
      title: action.title,
      facts: [["Action", `${action.title} (${action.name})`]],
      link: { href: `${deps.baseUrl}/approvals/${request.id}`, label: "Open the request" },
    };
  } else {
    const thing = await gatedThing(deps, request);
    if (!thing) return null;
    what = { title: thing.name, facts: thing.facts, link: thing.link };
  }
  const decisions = await decisionsOf(deps.db, request.id);
  const deciding = decisions.filter((d) => d.decision === (status === "approved" ? "approve" : "reject"));
  const verb = { approved: "Approved", rejected: "Rejected", expired: "Expired" }[status];
  const facts: [string, string][] = [...what.facts];
  if (status !== "expired") {
    facts.push(["Decided by", deciding.map((d) => `${d.reviewer_name} (${d.channel})`).join(", ") || "—"]);
    const reasons = deciding.filter((d) => d.reason).map((d) => scrubText(d.reason!));
    if (reasons.length > 0) facts.push(["Reason", reasons.join("\n")]);
  }
  facts.push(["Your reason", request.reason ? scrubText(request.reason) : "—"]);
  const gated = request.subject_kind !== "run";
  return {
    parts: {
      subject: `${verb}: ${what.title}`,
      intro:
        status === "approved"
          ? gated
            ? `Your request for ${what.title} was approved; it goes on now, as you asked it.`
            : `Your request to run ${what.title} was approved; it runs now with the parameters you submitted.`
          : status === "rejected"
            ? `Your request ${gated ? "for" : "to run"} ${what.title} was rejected; nothing ran.`
            : `Your request ${gated ? "for" : "to run"} ${what.title} expired before enough reviewers approved it; nothing ran.`,
      facts,
      link: what.link,
    },
    recipients: requester ? [requester] : [],
    approvalRequestId: request.id,
    runId: request.run_id,
    decidable: false,
  };
}

async function runFailed(deps: ContentDeps, event: OutboxEvent<"run.failed">): Promise<EventContent | null> {
  const run = await getRun(deps.db, event.payload.runId);
  const action = run ? deps.workspace.actions.get(run.action) : undefined;
  const actor = run ? await personToTell(deps.db, run.actor_id) : null;
  if (!run || !action || !actor) return null;
  const target = run.target_type && run.target_id ? `${run.target_type}:${run.target_id}` : "—";
  return {
    parts: {
      subject: `Run failed: ${action.title} on ${target}`,
      intro: `Your run of ${action.title} failed.`,
      facts: [
        ["Action", `${action.title} (${action.name})`],
        ["Target", target],
        [
          "Error",
          `${run.error_code ?? "unknown"}${run.error_message ? `: ${scrubText(run.error_message)}` : ""}`,
        ],
        ["Request ID", run.execution_request_id ?? run.request_id],
      ],
      link: { href: `${deps.baseUrl}/runs/${run.id}`, label: "Open the run" },
    },
    recipients: [actor],
    approvalRequestId: run.approval_request_id,
    runId: run.id,
    decidable: false,
  };
}

async function runbookWaiting(
  deps: ContentDeps,
  event: OutboxEvent<"runbook.waiting">,
): Promise<EventContent | null> {
  const { runbookRunId, step, waitingFor } = event.payload;
  // An approval gate's reviewers are told by its approval request (approval.requested).
  if (waitingFor !== "input") return null;
  // The step row is the truth: assigned to a group or to one person, with what they are asked.
  const [run, row] = await Promise.all([
    getRunbookRun(deps.db, runbookRunId),
    getStep(deps.db, runbookRunId, step),
  ]);
  if (!run || !row || row.status !== "waiting") return null;
  const runbook = deps.workspace.runbooks.get(run.runbook);
  const person = row.assigned_user ? await personToTell(deps.db, row.assigned_user) : null;
  const recipients = row.assigned_group
    ? await membersOf(deps.db, row.assigned_group)
    : person
      ? [person]
      : [];
  const assignedTo = row.assigned_group ?? person?.name ?? "—";
  const asked = row.title ? scrubText(row.title) : step;
  const facts: [string, string][] = [
    ["Runbook", runbook ? `${runbook.title} (${runbook.name})` : run.runbook],
    ["Step", step],
    ["Asks", asked],
    ["Assigned to", assignedTo],
    ["Started by", await nameOf(deps.db, run.actor_id)],
  ];
  if (row.expires_at) facts.push(["Expires", new Date(row.expires_at).toISOString()]);
  return {
    parts: {
      subject: `Runbook waiting for your input: ${asked}`,
      intro: `The runbook ${runbook?.title ?? run.runbook} waits for input from ${row.assigned_group ? `the ${assignedTo} group` : "you"}: ${asked}. Answer it in Airlock.`,
      facts,
      link: { href: `${deps.baseUrl}/runbooks/runs/${runbookRunId}`, label: "Open the runbook" },
    },
    recipients,
    approvalRequestId: null,
    runId: null,
    decidable: false,
  };
}

async function nameOf(db: Queryable, userId: string): Promise<string> {
  const result = await db.query<{ name: string }>("SELECT name FROM airlock.users WHERE id = $1", [userId]);
  return result.rows[0]?.name ?? "Someone";
}
