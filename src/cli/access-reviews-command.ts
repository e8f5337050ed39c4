// `airlock access-reviews`: start a review of groups or of every grant on high-risk actions, once
// or recurring, list and read reviews, keep or revoke each
// member, sign off, and export the evidence — through the HTTP API with the caller's token. The
// server applies every rule (only the named reviewer decides; nobody reviews their own access).
import { writeFile } from "node:fs/promises";
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
  "Usage: airlock access-reviews <subcommand> [options] [--server URL] [--token TOKEN] [--json]",
  "",
  "Access reviews: a named reviewer keeps or revokes each member's access to a group (docs/governance.md).",
  "",
  "  list [--all]                                   open reviews you may see (--all: every one)",
  "  start (--group G [--group G2…] | --high-risk) --reviewer USER_ID [--days N]",
  "                                                 start a review of groups, or of every grant on",
  "                                                 high-risk actions (admins)",
  "  schedule (--group G… | --high-risk) --reviewer USER_ID [--every quarterly|monthly|half-yearly|yearly|CRON]",
  "           [--time-zone TZ] [--days N]           the same review every tick (admins)",
  "  schedules                                      recurring reviews and their next ticks",
  "  stop-schedule <arsch_…>                        stop a recurring review",
  "  take-over <arsch_…>                            run a recurring review as yourself (admins; one",
  "                                                 whose admin was disabled is stalled until then)",
  "  show <rev_…>                                   each member, their grants' last use, the decisions",
  "  keep <rev_…> <usr_…> [--reason TEXT] [--group G]  keep a member's access (the reviewer; --group",
  "                                                 when they are reviewed in several groups)",
  "  revoke <rev_…> <usr_…> --reason TEXT [--group G]  revoke it (at sign-off, by change request)",
  "  sign-off <rev_…> [--note TEXT]                 sign the review off",
  "  export <rev_…> [--format csv|html] [--out FILE]  the review as evidence (stdout without --out)",
  "",
  ...API_OPTIONS_HELP,
  "",
  "Exit status: 0 done, 1 refused, 2 usage.",
].join("\n");

interface Review {
  id: string;
  scope: "groups" | "high_risk";
  groups: { name: string }[];
  reviewer: { name: string; email: string | null };
  status: string;
  dueAt: string;
  items: {
    group: { name: string };
    userId: string;
    name: string;
    email: string | null;
    grants: { verbs: string[]; on: string; lastUsedAt: string | null }[];
    decision: string | null;
    outcome: string | null;
    changeRequestId: string | null;
  }[];
}

interface Schedule {
  id: string;
  scope: "groups" | "high_risk";
  groups: string[];
  reviewer: { name: string };
  cron: string;
  timeZone: string;
  status: string;
  nextTicks: string[];
  lastReviewId: string | null;
  runsAs: { name: string };
  stalled: boolean;
}

function coverage(review: Pick<Review, "scope" | "groups">): string {
  if (review.scope === "high_risk") return "every grant on high-risk actions";
  return `group${review.groups.length > 1 ? "s" : ""} ${review.groups.map((g) => `"${g.name}"`).join(", ")}`;
}

export const accessReviewsCommand: Command = {
  name: "access-reviews",
  summary:
    "Access reviews of groups: airlock access-reviews list|start|schedule|schedules|show|keep|revoke|sign-off|export",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseApiCommandArgs(args, {
      all: { type: "boolean" },
      group: { type: "string", multiple: true },
      "high-risk": { type: "boolean" },
      every: { type: "string" },
      "time-zone": { type: "string" },
      reviewer: { type: "string" },
      days: { type: "string" },
      reason: { type: "string" },
      note: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
    });
    const [sub, id, userId, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const options = apiOptions(values, io.env);
    const base = "/api/v1/access-reviews";
    const finish = responsePrinter(io, values.json);
    const printSchedules = (schedules: Schedule[]) => {
      if (schedules.length === 0) return io.out("No recurring access reviews.");
      io.out(
        table(
          ["ID", "STATUS", "COVERS", "EVERY", "REVIEWER", "NEXT", "LAST REVIEW", "RUNS AS"],
          schedules.map((s) => [
            s.id,
            s.stalled ? "stalled" : s.status,
            s.scope === "high_risk" ? "every grant on high-risk actions" : s.groups.join(", "),
            `${s.cron} ${s.timeZone}`,
            s.reviewer.name,
            s.nextTicks[0] ?? "-",
            s.lastReviewId ?? "-",
            s.runsAs.name,
          ]),
        ),
      );
    };
    const printReview = (review: Review) => {
      io.out(
        `${review.id}  ${review.status}  ${coverage(review)}  reviewer ${review.reviewer.email ?? review.reviewer.name}  due ${review.dueAt}`,
      );
      io.out(
        table(
          ["GROUP", "MEMBER", "ID", "GRANTS (LAST USED)", "DECISION", "OUTCOME"],
          review.items.map((i) => [
            i.group.name,
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
                ["ID", "STATUS", "COVERS", "REVIEWER", "DECIDED", "DUE"],
                reviews.map((r) => [
                  r.id,
                  r.status,
                  coverage(r),
                  r.reviewer.email ?? r.reviewer.name,
                  `${r.items.filter((i) => i.decision).length}/${r.items.length}`,
                  r.dueAt,
                ]),
              ),
            );
        });
      }
      case "start":
      case "schedule": {
        const groups = values.group ?? [];
        if (groups.length > 0 === !!values["high-risk"] || !values.reviewer)
          throw new UsageError("give --group NAME (one or more) or --high-risk, and --reviewer USER_ID");
        const days = values.days === undefined ? 14 : Number(values.days);
        if (!Number.isInteger(days) || days < 1 || days > 90) throw new UsageError("--days is 1 to 90");
        const scope = values["high-risk"] ? { highRisk: true } : { groups };
        const body = { ...scope, reviewerId: values.reviewer, dueInDays: days };
        if (sub === "start") {
          const response = await api(options, "POST", base, { body });
          return finish(response, () => printReview(response.body as Review));
        }
        const response = await api(options, "POST", `${base}/schedules`, {
          body: {
            ...body,
            ...(values.every ? { every: values.every } : {}),
            ...(values["time-zone"] ? { timeZone: values["time-zone"] } : {}),
          },
        });
        return finish(response, () => printSchedules([response.body as Schedule]));
      }
      case "schedules": {
        const response = await api(options, "GET", `${base}/schedules`);
        return finish(response, () => printSchedules((response.body as { schedules: Schedule[] }).schedules));
      }
      case "stop-schedule": {
        if (!id)
          throw new UsageError(
            "give the recurring review's id: airlock access-reviews stop-schedule arsch_…",
          );
        const response = await api(options, "POST", `${base}/schedules/${encodeURIComponent(id)}/stop`, {
          body: {},
        });
        return finish(response, () => printSchedules([response.body as Schedule]));
      }
      case "take-over": {
        if (!id)
          throw new UsageError("give the recurring review's id: airlock access-reviews take-over arsch_…");
        const response = await api(options, "POST", `${base}/schedules/${encodeURIComponent(id)}/take-over`, {
          body: {},
        });
        return finish(response, () => printSchedules([response.body as Schedule]));
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
          body: {
            decision: sub,
            ...(reason ? { reason } : {}),
            ...(values.group?.[0] ? { group: values.group[0] } : {}),
          },
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
        throw new UsageError(
          "subcommands: list, start, schedule, schedules, stop-schedule, take-over, show, keep, revoke, sign-off, export",
        );
    }
  },
};
