// What an approval request says when it gates something other than a single run: a runbook's
// approval gate (kind `runbook_gate`, governed by the runbook) or a bulk batch (kind `bulk`,
// governed by the batch's action). The reviewers are computed as for a run's request
// (eligible-reviewers.ts: the decision's own rules, with `approve` on the runbook or the action),
// and the link opens the page where the request is decided: the runbook run or the batch.
import type { ApprovalRequestRow } from "../approval/approval-store.ts";
import { eligibleReviewers } from "../approval/eligible-reviewers.ts";
import { getBatch } from "../bulk/bulk-store.ts";
import { BULK_SUBJECT } from "../bulk/bulk-subject.ts";
import { scrubText } from "../pii/mask.ts";
import { GATE_SUBJECT } from "../runbooks/runbook-gate.ts";
import { getRunbookRun } from "../runbooks/runbook-store.ts";
import type { ContentDeps, EventContent } from "./notification-content.ts";

/** The thing a request of another kind gates, as a message names and links it. */
export interface GatedThing {
  /** "runbook Onboard a customer, step manager_ok" / "Charge a late fee on 120 items". */
  name: string;
  /** Facts that say what would run. */
  facts: [string, string][];
  link: { href: string; label: string };
  /** Who governs it: a runbook or an action (for the `approve` grant). */
  governor: { name: string; tags: string[] };
}

/** The gated thing of a `runbook_gate` or `bulk` request, or null (another kind, or gone). */
export async function gatedThing(deps: ContentDeps, request: ApprovalRequestRow): Promise<GatedThing | null> {
  if (request.subject_kind === GATE_SUBJECT) {
    const runbook = deps.workspace.runbooks.get(request.action);
    // The subject id is `<runbook run>:<step>:<attempt>` (runbook-gate.ts).
    const [runbookRunId = "", step = ""] = request.subject_id.split(":");
    const run = runbookRunId ? await getRunbookRun(deps.db, runbookRunId) : null;
    if (!runbook || !run) return null;
    return {
      name: `runbook ${runbook.title}, step ${step}`,
      facts: [
        ["Runbook", `${runbook.title} (${runbook.name})`],
        ["Step", step],
      ],
      link: { href: `${deps.baseUrl}/runbooks/runs/${run.id}`, label: "Open the runbook" },
      governor: runbook,
    };
  }
  if (request.subject_kind === BULK_SUBJECT) {
    const action = deps.workspace.actions.get(request.action);
    const batch = await getBatch(deps.db, request.subject_id);
    if (!action || !batch) return null;
    const totals = Object.entries(batch.totals).map(([currency, minor]) => money(minor, currency));
    return {
      name: `${action.title} on ${batch.item_count} item${batch.item_count === 1 ? "" : "s"}`,
      facts: [
        ["Action", `${action.title} (${action.name}), as a batch`],
        ["Items", String(batch.item_count)],
        ["Totals", totals.join("\n") || "—"],
      ],
      link: { href: `${deps.baseUrl}/bulk/${batch.id}`, label: "Open the batch" },
      governor: action,
    };
  }
  return null;
}

/** approval.requested for a gate or a batch: its eligible reviewers, told what would run. */
export async function gatedRequest(
  deps: ContentDeps,
  request: ApprovalRequestRow,
  requesterName: string,
): Promise<EventContent | null> {
  const thing = await gatedThing(deps, request);
  if (!thing) return null;
  return {
    parts: {
      subject: `Approval needed: ${thing.name}`,
      intro: `${requesterName} asks for approval of ${thing.name}. Review the request in Airlock.`,
      facts: [
        ...thing.facts,
        ["Requested by", requesterName],
        ["Reason", request.reason ? scrubText(request.reason) : "—"],
        [
          "Needs",
          request.policies
            .map((p) => `${p.quorum} approval${p.quorum === 1 ? "" : "s"} (${p.name})`)
            .join("; "),
        ],
        ["Expires", new Date(request.expires_at).toISOString()],
      ],
      link: thing.link,
    },
    recipients: await eligibleReviewers(
      deps.db,
      deps.authorizer,
      thing.governor,
      request.policies,
      [request.requester_id],
      request.chosen_reviewers,
    ),
    approvalRequestId: request.id,
    runId: null,
    decidable: true,
  };
}

/** An amount in minor units, in its currency's own decimals ("EUR 1,250.00"). */
function money(minor: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat("en", { style: "currency", currency, currencyDisplay: "code" });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    // Intl puts a no-break space after the code; plain text and Slack read better with a space.
    return format.format(minor / 10 ** digits).replace(/\u00a0/g, " ");
  } catch {
    return `${currency} ${minor} (minor units)`;
  }
}
