// `airlock changes`: access and policy changes waiting for a second admin, and the decisions on
// them, through the HTTP API with the caller's token. The server applies every rule (no
// self-approval, nobody approves their own access); the CLI sends nothing but the decision.
import {
  API_OPTIONS_HELP,
  api,
  apiOptions,
  describeError,
  parseApiCommandArgs,
  responsePrinter,
} from "./api-client.ts";
import { type Command, UsageError } from "./command.ts";
import { table } from "./text-table.ts";

const HELP = [
  "Usage: airlock changes <subcommand> [options] [--server URL] [--token TOKEN] [--json]",
  "",
  "Access and policy changes held for a second admin's approval (docs/governance.md).",
  "",
  "  list [--status pending|mine|all]     change requests (pending: what you may decide)",
  "  show <chg_…>                         one change request and its decisions",
  "  approve <chg_…> [--reason TEXT]      approve another admin's change; it is applied at once",
  "  reject <chg_…> --reason TEXT         reject it",
  "  cancel <chg_…>                       cancel your own pending change",
  "  status                               whether four-eyes is in force (not with one admin)",
  "",
  ...API_OPTIONS_HELP,
  "",
  "Exit status: 0 done, 1 refused.",
].join("\n");

interface ChangeRow {
  id: string;
  kind: string;
  summary: string;
  status: string;
  requester: { name: string; email: string | null };
  whyNot: string | null;
  createdAt: string;
  decisions: { reviewerName: string; decision: string; reason: string | null }[];
}

export const changesCommand: Command = {
  name: "changes",
  summary: "Access and policy changes waiting for a second admin: airlock changes list|approve|…",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseApiCommandArgs(args, {
      status: { type: "string" },
      reason: { type: "string" },
    });
    const [sub, id, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const options = apiOptions(values, io.env);
    const finish = responsePrinter(io, values.json);
    switch (sub) {
      case "list": {
        if (id) throw new UsageError(`unexpected argument "${id}"`);
        const status = values.status ?? "pending";
        if (!["pending", "mine", "all"].includes(status))
          throw new UsageError("--status is pending, mine or all");
        const response = await api(options, "GET", `/api/v1/changes?status=${status}`);
        return finish(response, () => {
          const changes = (response.body as { changes: ChangeRow[] }).changes;
          io.out(
            table(
              ["ID", "STATUS", "CHANGE", "REQUESTED BY", "YOU MAY DECIDE"],
              changes.map((c) => [
                c.id,
                c.status,
                c.summary,
                c.requester.email ?? c.requester.name,
                c.whyNot === null ? "yes" : `no (${c.whyNot})`,
              ]),
            ),
          );
        });
      }
      case "status": {
        const response = await api(options, "GET", "/api/v1/changes/status");
        return finish(response, () => {
          const body = response.body as { admins: number; fourEyes: string };
          io.out(
            body.fourEyes === "on"
              ? `Four-eyes is on: ${body.admins} admins; sensitive access and policy changes need a second admin.`
              : `Only ${body.admins} admin exists: changes apply directly until a second admin exists.`,
          );
        });
      }
      case "show":
      case "approve":
      case "reject":
      case "cancel": {
        if (!id) throw new UsageError(`give a change request id: airlock changes ${sub} chg_…`);
        const reason = values.reason?.trim();
        if (sub === "reject" && !reason) throw new UsageError("--reason is required to reject");
        const path = `/api/v1/changes/${encodeURIComponent(id)}`;
        const response =
          sub === "show"
            ? await api(options, "GET", path)
            : await api(options, "POST", `${path}/${sub}`, { body: reason ? { reason } : {} });
        return finish(response, () => printChange(io, response.body as ChangeRow));
      }
      default:
        throw new UsageError("subcommands: list, show, approve, reject, cancel, status");
    }
  },
};

/** `airlock approve|reject chg_…`: decides a change request; prints it as `changes approve` does. */
export async function decideChange(
  io: { out(line: string): void; err(line: string): void },
  options: ReturnType<typeof apiOptions>,
  verb: "approve" | "reject",
  id: string,
  reason: string | undefined,
  asJson: boolean,
): Promise<number> {
  const response = await api(options, "POST", `/api/v1/changes/${encodeURIComponent(id)}/${verb}`, {
    body: reason ? { reason } : {},
  });
  if (asJson) io.out(JSON.stringify(response.body, null, 2));
  if (response.status >= 400) {
    if (!asJson) io.err(describeError(response as never));
    return 1;
  }
  if (!asJson) printChange(io, response.body as ChangeRow);
  return 0;
}

function printChange(io: { out(line: string): void }, change: ChangeRow): void {
  io.out(
    `${change.status}  ${change.id}  ${change.summary}  (by ${change.requester.email ?? change.requester.name})`,
  );
  for (const d of change.decisions)
    io.out(`  ${d.decision} by ${d.reviewerName}${d.reason ? `: ${d.reason}` : ""}`);
}

/**
 * For admin subcommands whose change may be held (202): prints the change request and how a
 * second admin approves it. Returns whether it was held.
 */
export function printHeldChange(
  io: { out(line: string): void },
  response: { status: number; body: unknown },
): boolean {
  if (response.status !== 202) return false;
  const held = (response.body as { changeRequest?: { id: string; summary: string } }).changeRequest;
  if (!held) return false;
  io.out(`Held for a second admin: ${held.id}  ${held.summary}`);
  io.out(`Another admin approves it with: airlock changes approve ${held.id}`);
  return true;
}
