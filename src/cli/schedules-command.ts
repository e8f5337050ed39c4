// `airlock schedules [list|pause|resume]`: schedules through a server's API, with the same checks
// as the web UI (listing shows what you may see; pausing and resuming need an admin).
import type { z } from "zod";
import type { scheduleView } from "../api/schedules.ts";
import { api, apiOptions, describeError, parseApiCommandArgs } from "./api-client.ts";
import { type CliIo, type Command, UsageError } from "./command.ts";
import { table } from "./text-table.ts";

type ScheduleJson = z.output<typeof scheduleView>;

function printList(io: CliIo, schedules: ScheduleJson[]): void {
  if (schedules.length === 0) {
    io.out("No schedules you may see.");
    return;
  }
  io.out(
    table(
      ["schedule", "timing", "as", "starts", "state", "next tick", "last run"],
      schedules.map((s) => {
        const last = s.lastRuns[0];
        return [
          s.name,
          s.timing,
          s.as,
          `${s.target.kind} ${s.target.name}`,
          s.paused ? "paused" : "active",
          s.nextTicks[0] ?? "",
          last
            ? `${last.tickAt} ${last.status === "refused" ? `refused (${last.errorCode})` : (last.targetStatus ?? last.status)}`
            : "",
        ];
      }),
    ),
  );
}

export const schedulesCommand: Command = {
  name: "schedules",
  summary: "List, pause and resume schedules: airlock schedules [list|pause|resume] …",
  help: [
    "Usage: airlock schedules [list]",
    "       airlock schedules pause <schedule> [--reason TEXT]",
    "       airlock schedules resume <schedule>",
    "       (each takes [--json] [--server URL] [--token TOKEN])",
    "",
    "list shows each schedule you may see: its timing, the service identity it acts as, what it",
    "starts, whether it is paused, its next tick and its last run. pause and resume need an admin",
    "and are audited; ticks that fall due while a schedule is paused are skipped.",
  ].join("\n"),
  async run(args, io) {
    const { values, positionals } = parseApiCommandArgs(args, {
      reason: { type: "string" },
    });
    const [verb = "list", name, ...rest] = positionals;
    const options = apiOptions(values, io.env);
    if (verb === "list") {
      if (name || rest.length > 0) throw new UsageError("use: airlock schedules list");
      const response = await api(options, "GET", "/api/v1/schedules");
      if (values.json) io.out(JSON.stringify(response.body, null, 2));
      if (response.status >= 400) {
        if (!values.json) io.err(describeError(response));
        return 1;
      }
      if (!values.json) printList(io, (response.body as { schedules: ScheduleJson[] }).schedules);
      return 0;
    }
    if ((verb !== "pause" && verb !== "resume") || !name || rest.length > 0)
      throw new UsageError(
        "use: airlock schedules [list] | pause <schedule> [--reason TEXT] | resume <schedule>",
      );
    const response = await api(options, "POST", `/api/v1/schedules/${encodeURIComponent(name)}/${verb}`, {
      body: verb === "pause" && values.reason ? { reason: values.reason } : {},
    });
    if (values.json) io.out(JSON.stringify(response.body, null, 2));
    if (response.status >= 400) {
      if (!values.json) io.err(describeError(response));
      return 1;
    }
    if (!values.json) {
      const view = response.body as ScheduleJson;
      io.out(
        `${view.name} is ${view.paused ? "paused" : `active; next tick ${view.nextTicks[0] ?? "none"}`}`,
      );
    }
    return 0;
  },
};
