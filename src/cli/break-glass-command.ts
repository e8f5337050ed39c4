// `airlock break-glass`: take an emergency role now (with a reason, at most 4 hours), see what is
// in force, end it, list the elevations waiting for their post-review, and complete one — through
// the HTTP API with the caller's token. The server applies every rule (emergency roles only, no
// approving while elevated, nobody reviews their own elevation).
import { API_OPTIONS_HELP, api, apiOptions, parseApiCommandArgs, responsePrinter } from "./api-client.ts";
import { type Command, UsageError } from "./command.ts";
import { table } from "./text-table.ts";

const HELP = [
  "Usage: airlock break-glass <subcommand> [options] [--server URL] [--token TOKEN] [--json]",
  "",
  "Break-glass: a bounded, reasoned elevation to an emergency role, reviewed afterwards (docs/governance.md).",
  "",
  "  start --role ROLE --reason TEXT [--minutes N]   take the role now (default 60, at most 240 minutes)",
  "  status                                          your elevations, and the one in force",
  "  end <brk_…>                                      end an elevation now (its holder, or an admin)",
  "  reviews                                         elevations waiting for their post-review (admins)",
  "  review <brk_…> --note TEXT                       complete a post-review (an admin, not its holder)",
  "",
  ...API_OPTIONS_HELP,
  "",
  "Exit status: 0 done, 1 refused, 2 usage.",
].join("\n");

interface Elevation {
  id: string;
  user: { name: string; email: string | null };
  role: string;
  reason: string;
  startedAt: string;
  endsAt: string;
  endedAt: string | null;
  active: boolean;
  review: { status: string; reviewedBy: string | null };
}

export const breakGlassCommand: Command = {
  name: "break-glass",
  summary: "Emergency elevation: airlock break-glass start|status|end|reviews|review",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseApiCommandArgs(args, {
      role: { type: "string" },
      reason: { type: "string" },
      minutes: { type: "string" },
      note: { type: "string" },
    });
    const [sub, id, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const options = apiOptions(values, io.env);
    const finish = responsePrinter(io, values.json);
    const line = (e: Elevation) =>
      `${e.id}  ${e.role}  ${e.active ? `in force until ${e.endsAt}` : `ended ${e.endedAt ?? e.endsAt}`}  review ${e.review.status}`;
    const list = (elevations: Elevation[]) =>
      elevations.length === 0
        ? io.out("No elevations.")
        : io.out(
            table(
              ["ID", "WHO", "ROLE", "STARTED", "ENDS/ENDED", "IN FORCE", "REVIEW", "REASON"],
              elevations.map((e) => [
                e.id,
                e.user.email ?? e.user.name,
                e.role,
                e.startedAt,
                e.endedAt ?? e.endsAt,
                e.active ? "yes" : "no",
                e.review.status,
                e.reason,
              ]),
            ),
          );
    const needId = () => {
      if (!id) throw new UsageError(`give an elevation id: airlock break-glass ${sub} brk_…`);
      return `/api/v1/break-glass/${encodeURIComponent(id)}`;
    };
    switch (sub) {
      case "start": {
        if (id) throw new UsageError(`unexpected argument "${id}"`);
        if (!values.role) throw new UsageError("give --role (an emergency role of the workspace)");
        const minutes = values.minutes === undefined ? 60 : Number(values.minutes);
        if (!Number.isInteger(minutes) || minutes < 1) throw new UsageError("--minutes is a whole number");
        // The reason is checked by the server (its code: breakglass.reason_required).
        const response = await api(options, "POST", "/api/v1/break-glass", {
          body: { role: values.role, reason: values.reason ?? "", minutes },
        });
        return finish(response, () => {
          const e = response.body as Elevation;
          io.out(line(e));
          io.out(
            "Admins have been told. Everything you do is marked; you cannot approve anything until it ends.",
          );
        });
      }
      case "status": {
        if (id) throw new UsageError(`unexpected argument "${id}"`);
        const response = await api(options, "GET", "/api/v1/break-glass?limit=20");
        return finish(response, () => list((response.body as { elevations: Elevation[] }).elevations));
      }
      case "reviews": {
        if (id) throw new UsageError(`unexpected argument "${id}"`);
        const response = await api(options, "GET", "/api/v1/break-glass?review=pending");
        return finish(response, () => list((response.body as { elevations: Elevation[] }).elevations));
      }
      case "end": {
        const response = await api(options, "POST", `${needId()}/end`);
        return finish(response, () => io.out(line(response.body as Elevation)));
      }
      case "review": {
        const path = needId();
        const note = values.note?.trim();
        if (!note) throw new UsageError("--note is required: say what you checked");
        const response = await api(options, "POST", `${path}/review`, { body: { note } });
        return finish(response, () => io.out(line(response.body as Elevation)));
      }
      default:
        throw new UsageError("subcommands: start, status, end, reviews, review");
    }
  },
};
