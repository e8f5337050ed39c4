// `airlock access-reviews`: start a review of a group, list and read reviews, keep or revoke each
// member, sign off, and export the evidence — through the HTTP API with the caller's token. The
// server applies every rule (only the named reviewer decides; nobody reviews their own access).
import { writeFile } from "node:fs/promises";
import { api, apiOptions, describeError } from "./api-client.ts";
import { type Command, parseCommandArgs, UsageError } from "./command.ts";
import { table } from "./text-table.ts";

const HELP = [
  "Usage: airlock access-reviews <subcommand> [options] [--server URL] [--token TOKEN] [--json]",
  "",
  "Access reviews: a named reviewer keeps or revokes each member's access to a group (docs/governance.md).",
  "",
  "  list [--all]                                   open reviews you may see (--all: every one)",
  "  start --group G --reviewer USER_ID [--days N]  start a review of a group (admins)",
  "  show <rev_…>                                   each member, their grants' last use, the decisions",
  "  keep <rev_…> <usr_…> [--reason TEXT]           keep a member's access (the reviewer)",
  "  revoke <rev_…> <usr_…> --reason TEXT           revoke it (applied at sign-off, by change request)",
  "  sign-off <rev_…> [--note TEXT]                 sign the review off",
  "  export <rev_…> [--format csv|html] [--out FILE]  the review as evidence (stdout without --out)",
  "",
  "  --server   Airlock's URL (default: $AIRLOCK_URL or http://127.0.0.1:3000)",
  "  --token    an API token (default: $AIRLOCK_TOKEN)",
  "  --json     print the API's JSON answer",
  "",
  "Exit status: 0 done, 1 refused, 2 usage.",
].join("\n");

interface Review {
  id: string;
  group: { name: string };
  reviewer: { name: string; email: string | null };
  status: string;
  dueAt: string;
  items: {
    userId: string;
    name: string;
    email: string | null;
    grants: { verbs: string[]; on: string; lastUsedAt: string | null }[];
    decision: string | null;
    outcome: string | null;
    changeRequestId: string | null;
  }[];
}

export const accessReviewsCommand: Command = {
  name: "access-reviews",
  summary: "Access reviews of groups: airlock access-reviews list|start|show|keep|revoke|sign-off|export",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      allowPositionals: true,
      options: {
        all: { type: "boolean" },
        group: { type: "string" },
        reviewer: { type: "string" },
        days: { type: "string" },
        reason: { type: "string" },
        note: { type: "string" },
        format: { type: "string" },
        out: { type: "string" },
        server: { type: "string" },
        token: { type: "string" },
        json: { type: "boolean" },
      },
    });
    const [sub, id, userId, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const options = apiOptions(values, io.env);
    const base = "/api/v1/access-reviews";
    const finish = (response: { status: number; body: unknown }, print: () => void): number => {
      if (values.json) io.out(JSON.stringify(response.body, null, 2));
      if (response.status >= 400) {
        if (!values.json) io.err(describeError(response as never));
        return 1;
      }
      if (!values.json) print();
      return 0;
    };
    const printReview = (review: Review) => {
      io.out(
        `${review.id}  ${review.status}  group "${review.group.name}"  reviewer ${review.reviewer.email ?? review.reviewer.name}  due ${review.dueAt}`,
      );
      io.out(
        table(
          ["MEMBER", "ID", "GRANTS (LAST USED)", "DECISION", "OUTCOME"],
          review.items.map((i) => [
            i.email ?? i.name,
            i.userId,
            i.grants.map((g) => `${g.verbs.join("+")} ${g.on} (${g.lastUsedAt ?? "never"})`).join("; "),
            i.decision ?? "-",
            i.outcome ? `${i.outcome}${i.changeRequestId ? ` ${i.changeRequestId}` : ""}` : "-",
          ]),
        ),
      );
    };
    const needId = () => {
      if (!id) throw new UsageError(`give a review id: airlock access-reviews ${sub} rev_…`);
      return `${base}/${encodeURIComponent(id)}`;
    };
    switch (sub) {
      case "list": {
        if (id) throw new UsageError(`unexpected argument "${id}"`);
        const response = await api(options, "GET", `${base}?status=${values.all ? "all" : "open"}`);
        return finish(response, () => {
          const reviews = (response.body as { reviews: Review[] }).reviews;
          if (reviews.length === 0) io.out("No access reviews.");
          else
            io.out(
              table(
                ["ID", "STATUS", "GROUP", "REVIEWER", "DECIDED", "DUE"],
                reviews.map((r) => [
                  r.id,
                  r.status,
                  r.group.name,
                  r.reviewer.email ?? r.reviewer.name,
                  `${r.items.filter((i) => i.decision).length}/${r.items.length}`,
                  r.dueAt,
                ]),
              ),
            );
        });
      }
      case "start": {
        if (!values.group || !values.reviewer)
          throw new UsageError("give --group NAME and --reviewer USER_ID (the group's owner)");
        const days = values.days === undefined ? 14 : Number(values.days);
        if (!Number.isInteger(days) || days < 1 || days > 90) throw new UsageError("--days is 1 to 90");
        const response = await api(options, "POST", base, {
          body: { group: values.group, reviewerId: values.reviewer, dueInDays: days },
        });
        return finish(response, () => printReview(response.body as Review));
      }
      case "show": {
        const response = await api(options, "GET", needId());
        return finish(response, () => printReview(response.body as Review));
      }
      case "keep":
      case "revoke": {
        const path = needId();
        if (!userId) throw new UsageError(`give the member's id: airlock access-reviews ${sub} rev_… usr_…`);
        const reason = values.reason?.trim();
        if (sub === "revoke" && !reason) throw new UsageError("--reason is required to revoke");
        const response = await api(options, "POST", `${path}/items/${encodeURIComponent(userId)}`, {
          body: { decision: sub, ...(reason ? { reason } : {}) },
        });
        return finish(response, () => io.out(`${sub === "keep" ? "Kept" : "Revoke at sign-off"}: ${userId}`));
      }
      case "sign-off": {
        const note = values.note?.trim();
        const response = await api(options, "POST", `${needId()}/sign-off`, { body: note ? { note } : {} });
        return finish(response, () => printReview(response.body as Review));
      }
      case "export": {
        const format = values.format ?? "csv";
        if (format !== "csv" && format !== "html") throw new UsageError("--format is csv or html");
        const response = await api(options, "GET", `${needId()}/export?format=${format}`);
        if (response.status >= 400) {
          io.err(describeError(response as never));
          return 1;
        }
        if (values.out) {
          await writeFile(values.out, String(response.body));
          io.out(`Wrote ${values.out}`);
        } else io.out(String(response.body));
        return 0;
      }
      default:
        throw new UsageError("subcommands: list, start, show, keep, revoke, sign-off, export");
    }
  },
};
