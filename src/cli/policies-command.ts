// `airlock policies [list|report|mode]`: approval policies with their effective mode, the
// monitoring report, and mode changes — through the HTTP API, with the same permissions
// (admin or audit on the action to read; admin to change a mode, which is audited).
import { readFile } from "node:fs/promises";
import { api, apiOptions, describeError, parseApiCommandArgs } from "./api-client.ts";
import { printHeldChange } from "./changes-command.ts";
import { type CliIo, type Command, UsageError } from "./command.ts";

const HELP = [
  "Usage: airlock policies [list] [--json]",
  "       airlock policies report [--from DATE] [--to DATE] [--interval day|week|month] [--json]",
  "       airlock policies mode <policy> enforce|monitor --reason TEXT [--action NAME] [--json]",
  "       airlock policies what-if <policy> --draft FILE|- [--days N] [--action NAME] [--json]",
  "",
  "list    the policies of the actions you administer or audit, with their effective mode",
  "report  per policy: runs that would have been gated (monitor mode), by requester, and how",
  "        gated requests ended (approved / rejected / expired); default period: the last 30 days",
  "mode    switch a policy between enforce and monitor (needs admin on its action; audited)",
  "what-if replay the last N days (default 30) of the action's runs against a draft of the policy",
  "        (a JSON file, or - for stdin: { when?, reviewers?, quorum? }; see docs/approvals.md);",
  "        changes nothing",
  "",
  "  --server   Airlock's URL (default: $AIRLOCK_URL or http://127.0.0.1:3000)",
  "  --token    an API token (default: $AIRLOCK_TOKEN)",
].join("\n");

interface ReportRow {
  action: string;
  policy: string;
  mode: string;
  totals: {
    wouldHaveGated: number;
    requested: number;
    approved: number;
    rejected: number;
    expired: number;
    pending: number;
    shares: { approved: number; rejected: number; expired: number } | null;
  };
  byRequester: { name: string | null; id: string; wouldHaveGated: number; requested: number }[];
}

export const policiesCommand: Command = {
  name: "policies",
  summary: "Approval policies: list, monitoring report, mode changes",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parsePoliciesArgs(args);
    const sub = positionals[0] ?? "list";
    const options = apiOptions(values, io.env);
    let response: Awaited<ReturnType<typeof api>>;
    if (sub === "list") {
      if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
      response = await api(options, "GET", "/api/v1/policies");
    } else if (sub === "report") {
      if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
      const query = new URLSearchParams();
      if (values.from) query.set("from", values.from);
      if (values.to) query.set("to", values.to);
      if (values.interval) query.set("interval", values.interval);
      response = await api(options, "GET", `/api/v1/policies/report?${query}`);
    } else if (sub === "mode") {
      const [, name, mode] = positionals;
      if (!name || (mode !== "enforce" && mode !== "monitor") || positionals.length > 3)
        throw new UsageError("usage: airlock policies mode <policy> enforce|monitor --reason TEXT");
      if (!values.reason?.trim()) throw new UsageError("--reason is required to change a policy's mode");
      response = await api(options, "POST", `/api/v1/policies/${encodeURIComponent(name)}/mode`, {
        body: { mode, reason: values.reason, ...(values.action ? { action: values.action } : {}) },
      });
    } else if (sub === "what-if") {
      const [, name] = positionals;
      if (!name || positionals.length > 2)
        throw new UsageError("usage: airlock policies what-if <policy> --draft FILE|- [--days N]");
      if (!values.draft) throw new UsageError("--draft FILE (or - for stdin) is required");
      const days = values.days === undefined ? undefined : Number(values.days);
      if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 365))
        throw new UsageError("--days must be a whole number from 1 to 365");
      let draft: unknown;
      try {
        draft = JSON.parse(values.draft === "-" ? await readStdin(io) : await readFile(values.draft, "utf8"));
      } catch (error) {
        throw new UsageError(`--draft: ${(error as Error).message}`);
      }
      response = await api(options, "POST", `/api/v1/policies/${encodeURIComponent(name)}/what-if`, {
        body: { draft, ...(days ? { days } : {}), ...(values.action ? { action: values.action } : {}) },
      });
    } else {
      throw new UsageError(`unknown subcommand "${sub}" (list, report, mode or what-if)`);
    }
    if (values.json) io.out(JSON.stringify(response.body, null, 2));
    if (response.status >= 400) {
      if (!values.json) io.err(describeError(response));
      return 1;
    }
    if (values.json) return 0;
    if (sub === "list") {
      const { policies } = response.body as {
        policies: { action: string; name: string; mode: string; codeMode: string; quorum: number }[];
      };
      if (policies.length === 0) io.out("No policies you may see.");
      for (const p of policies) {
        const overridden = p.mode !== p.codeMode ? ` (code: ${p.codeMode})` : "";
        io.out(`${p.name}  ${p.action}  ${p.mode}${overridden}  quorum ${p.quorum}`);
      }
    } else if (sub === "report") {
      const body = response.body as { from: string; to: string; policies: ReportRow[] };
      io.out(`Policies from ${body.from} to ${body.to}`);
      for (const p of body.policies) io.out(reportLines(p).join("\n"));
    } else if (sub === "what-if") {
      io.out(whatIfLines(response.body as WhatIf).join("\n"));
    } else if (!printHeldChange(io, response)) {
      const body = response.body as {
        policy: string;
        action: string;
        changed: boolean;
        from: string;
        to: string;
      };
      io.out(
        body.changed
          ? `${body.policy} (${body.action}): ${body.from} → ${body.to}`
          : `${body.policy} (${body.action}) is already ${body.to}; nothing changed`,
      );
    }
    return 0;
  },
};

function reportLines(p: ReportRow): string[] {
  const t = p.totals;
  const pct = (n: number | undefined) => (n === undefined ? "-" : `${Math.round(n * 100)}%`);
  const lines = [
    `${p.policy}  (${p.action}, ${p.mode})`,
    `  would have gated: ${t.wouldHaveGated} run(s)`,
    `  gated requests:   ${t.requested} (approved ${t.approved}, rejected ${t.rejected}, expired ${t.expired}, pending ${t.pending})` +
      (t.shares
        ? `  shares: approved ${pct(t.shares.approved)}, rejected ${pct(t.shares.rejected)}, expired ${pct(t.shares.expired)}`
        : ""),
  ];
  for (const r of p.byRequester)
    lines.push(`    ${r.name ?? r.id}: would have gated ${r.wouldHaveGated}, requested ${r.requested}`);
  return lines;
}

interface WhatIf {
  policy: string;
  action: string;
  days: number;
  current: { condition: string; quorum: number; eligibleReviewers: { name: string }[] };
  draft: { condition: string; quorum: number; eligibleReviewers: { name: string }[] };
  truncated: boolean;
  totals: Record<string, number>;
  changed: {
    runId: string;
    createdAt: string;
    category: string;
    requester: { id: string; name: string | null };
  }[];
}

function whatIfLines(r: WhatIf): string[] {
  const t = r.totals;
  const names = (side: WhatIf["draft"]) => side.eligibleReviewers.map((p) => p.name).join(", ") || "nobody";
  const lines = [
    `${r.policy}  (${r.action}): the last ${r.days} day(s), ${t.runs} run(s)${r.truncated ? " (the newest only)" : ""}`,
    `  now:   ${t.gatedNow} gated; condition: ${r.current.condition}; quorum ${r.current.quorum}; could approve: ${names(r.current)}`,
    `  draft: ${t.gatedDraft} gated; condition: ${r.draft.condition}; quorum ${r.draft.quorum}; could approve: ${names(r.draft)}`,
    `  newly gated ${t.newly_gated}, no longer gated ${t.no_longer_gated}, unchanged ${(t.still_gated ?? 0) + (t.still_free ?? 0)}, unknown ${t.unknown}`,
  ];
  if (t.noQuorumPossible)
    lines.push(
      `  ${t.noQuorumPossible} gated run(s) could not reach the draft's quorum without their requester`,
    );
  for (const c of r.changed)
    lines.push(`    ${c.runId}  ${c.createdAt}  ${c.category}  ${c.requester.name ?? c.requester.id}`);
  return lines;
}

async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin ?? process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

function parsePoliciesArgs(args: string[]) {
  return parseApiCommandArgs(args, {
    from: { type: "string" },
    to: { type: "string" },
    interval: { type: "string" },
    reason: { type: "string" },
    action: { type: "string" },
    draft: { type: "string" },
    days: { type: "string" },
  });
}
