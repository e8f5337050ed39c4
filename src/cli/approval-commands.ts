// `airlock approve|reject|approvals`: the approvals inbox and decisions, through the HTTP API with
// the caller's token. The server applies every rule (no self-approval, reviewers only, quorum);
// the CLI has no way around them and sends nothing but the decision and its reason.
import { api, apiOptions, describeError, parseApiCommandArgs } from "./api-client.ts";
import { decideChange } from "./changes-command.ts";
import { type Command, UsageError } from "./command.ts";

const CONNECTION_HELP = [
  "  --server   Airlock's URL (default: $AIRLOCK_URL or http://127.0.0.1:3000)",
  "  --token    an API token (default: $AIRLOCK_TOKEN)",
  "  --json     print the server's answer as JSON",
];

function parse(args: string[]) {
  return parseApiCommandArgs(args, {
    reason: { type: "string" },
    status: { type: "string" },
    limit: { type: "string" },
  });
}

const decision = (verb: "approve" | "reject", summary: string, reasonRequired: boolean): Command => ({
  name: verb,
  summary,
  help: [
    `Usage: airlock ${verb} <apr_… | chg_…> ${reasonRequired ? "--reason TEXT" : "[--reason TEXT]"} [--json] [--server URL] [--token TOKEN]`,
    "",
    verb === "approve"
      ? "Approves a request as the token's user. When the quorum is reached the run executes from the\nparameters stored with the request; a runbook's approval gate lets the runbook go on.\nA change request (chg_…) is applied at once. You can never approve your own request."
      : "Rejects a request (or a change request, chg_…) as the token's user; nothing executes.\nA reason is required.",
    "",
    "  --reason   why (kept in the audit trail)",
    ...CONNECTION_HELP,
    "",
    "Exit status: 0 recorded, 1 refused.",
  ].join("\n"),
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (values.status !== undefined || values.limit !== undefined)
      throw new UsageError("--status and --limit belong to airlock approvals");
    const id = positionals[0];
    if (!id || positionals.length > 1)
      throw new UsageError(`give exactly one approval id: airlock ${verb} apr_… (or chg_…)`);
    const reason = values.reason?.trim();
    if (reasonRequired && !reason) throw new UsageError("--reason is required to reject");
    const options = apiOptions(values, io.env);
    // A change request (chg_…) is decided through its own route: the same rules, another subject.
    if (id.startsWith("chg_")) return await decideChange(io, options, verb, id, reason, values.json === true);
    const response = await api(options, "POST", `/api/v1/approvals/${encodeURIComponent(id)}/${verb}`, {
      body: reason ? { reason } : {},
    });
    if (values.json) io.out(JSON.stringify(response.body, null, 2));
    if (response.status >= 400) {
      if (!values.json) io.err(describeError(response));
      return 1;
    }
    if (!values.json) {
      const body = response.body as {
        approval: {
          id: string;
          status: string;
          quorum: { name: string; quorum: number; approvals: number }[];
        };
        run: { id: string; status: string; executionRequestId: string | null } | null;
        subject: { kind: string; fields: Record<string, string> };
      };
      const { run, subject } = body;
      const what = run
        ? `run ${run.id} (${run.status})`
        : subject.kind === "runbook_gate"
          ? `runbook ${subject.fields.runbook} gate ${subject.fields.step} (${subject.fields.runbookRunId})`
          : subject.kind;
      io.out(`${body.approval.status}  approval ${body.approval.id}  ${what}`);
      for (const q of body.approval.quorum) io.out(`  ${q.name}: ${q.approvals}/${q.quorum} approvals`);
      if (run?.executionRequestId) io.out(`Executing under request ${run.executionRequestId}.`);
      if (!run && body.approval.status === "approved") io.out("The runbook goes on.");
    }
    return 0;
  },
});

export const approveCommand = decision(
  "approve",
  "Approve a request: airlock approve apr_… [--reason …]",
  false,
);
export const rejectCommand = decision("reject", "Reject a request: airlock reject apr_… --reason …", true);

export const approvalsCommand: Command = {
  name: "approvals",
  summary: "Your approvals inbox: airlock approvals [--status pending|decided|mine]",
  help: [
    "Usage: airlock approvals [--status pending|decided|mine] [--limit N] [--json] [--server URL] [--token TOKEN]",
    "",
    "pending (default): requests you may decide now; decided: those you decided; mine: your own.",
    "Runs' requests, runbooks' approval gates and bulk batches are listed together. A run's",
    "request and a gate are decided with airlock approve|reject <apr_…> (a gate also with airlock",
    "runbook approve|reject … --step NAME), a batch with airlock bulk approve|reject <batch-id>.",
    ...CONNECTION_HELP,
  ].join("\n"),
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (values.reason !== undefined) throw new UsageError("--reason belongs to airlock approve and reject");
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const status = values.status ?? "pending";
    if (!["pending", "decided", "mine"].includes(status))
      throw new UsageError("--status must be pending, decided or mine");
    const limit = values.limit ?? "50";
    if (!/^\d{1,3}$/.test(limit)) throw new UsageError("--limit must be a number from 1 to 200");
    const options = apiOptions(values, io.env);
    const response = await api(options, "GET", `/api/v1/approvals?status=${status}&limit=${limit}`);
    if (values.json) io.out(JSON.stringify(response.body, null, 2));
    if (response.status >= 400) {
      if (!values.json) io.err(describeError(response));
      return 1;
    }
    if (!values.json) {
      const { approvals } = response.body as {
        approvals: {
          id: string;
          kind?: string;
          status: string;
          action: string;
          requester: { name: string };
          target: { type: string; id: string } | null;
          expiresAt: string;
          reason: string | null;
          runbookRunId?: string;
          step?: string;
          batchId?: string;
        }[];
      };
      if (approvals.length === 0) io.out(`No ${status} approval requests.`);
      for (const a of approvals) {
        // A runbook's gate: say which runbook run and step it holds, and how to decide it.
        const gate = a.kind === "runbook_gate";
        const batch = a.kind === "bulk";
        const what = gate
          ? `runbook ${a.action} gate ${a.step} (${a.runbookRunId})`
          : batch
            ? `bulk ${a.action} batch ${a.batchId}`
            : a.action;
        const target = a.target ? ` ${a.target.type}:${a.target.id}` : "";
        io.out(
          `${a.id}  ${a.status.padEnd(9)} ${what}${target}  by ${a.requester.name}  expires ${a.expiresAt}${a.reason ? `  "${a.reason}"` : ""}`,
        );
        if (gate && a.status === "pending" && status === "pending")
          io.out(`  decide: airlock approve|reject ${a.id} --reason TEXT`);
        if (batch && a.status === "pending" && status === "pending")
          io.out(`  decide: airlock bulk approve|reject ${a.batchId} --reason TEXT`);
      }
    }
    return 0;
  },
};
