// `airlock runs logs <run id>`: what a run's handler logged, through a running server (the same
// API, and the same "may this person see this run" check, as the run page).
// `airlock runs retry <run id>`: a run whose outcome is unknown, sent again with its own key.
import type { Run, RunLogs } from "../api/runs.ts";
import { API_OPTIONS_HELP, api, apiOptions, parseApiCommandArgs, responsePrinter } from "./api-client.ts";
import { type Command, UsageError } from "./command.ts";

const HELP = [
  "Usage: airlock runs logs <run id> [--server URL] [--token TOKEN] [--json]",
  "       airlock runs retry <run id> [--server URL] [--token TOKEN] [--json]",
  "",
  "logs: prints the lines the run's handler logged with ctx.log, oldest first: time, level, message",
  "and data (PII masked as on the run page; at most 200 lines or 64 KiB per attempt are kept).",
  "",
  "retry: a run whose outcome is unknown (a call to another system may have taken effect) is sent",
  "again with its own idempotency key and parameters, so the other system answers what it did the",
  "first time instead of doing it twice. Only its requester may; prints the new run.",
  "",
  ...API_OPTIONS_HELP,
].join("\n");

export const runsCommand: Command = {
  name: "runs",
  summary:
    "Runs: logs <run id> prints what a run's handler logged; retry <run id> completes an unknown outcome",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseApiCommandArgs(args, {});
    const [sub, id, ...extra] = positionals;
    if (sub !== "logs" && sub !== "retry")
      throw new UsageError('the subcommand is "logs" or "retry" (airlock runs logs <run id>).');
    if (!id || extra.length > 0) throw new UsageError(`give one run id: airlock runs ${sub} <run id>.`);
    if (sub === "retry") {
      const response = await api(
        apiOptions(values, io.env),
        "POST",
        `/api/v1/runs/${encodeURIComponent(id)}/retry`,
        {},
      );
      // A retry that ran and failed again is a new run too: say which, to look at or retry.
      const failedRun = (response.body as { error?: { details?: { runId?: unknown } } })?.error?.details
        ?.runId;
      if (response.status >= 400 && typeof failedRun === "string" && failedRun !== id)
        io.err(`The retry is run ${failedRun}; it did not succeed:`);
      return responsePrinter(io, values.json)(response, () => {
        const run = response.body as Run;
        io.out(`${run.id}  ${run.status}  (retried ${id} with key ${run.idempotencyKey})`);
      });
    }
    const response = await api(
      apiOptions(values, io.env),
      "GET",
      `/api/v1/runs/${encodeURIComponent(id)}/logs`,
    );
    return responsePrinter(io, values.json)(response, () => {
      const { lines } = response.body as RunLogs;
      if (lines.length === 0) io.out("(the run logged nothing)");
      for (const line of lines) {
        const data = line.data ? `  ${JSON.stringify(line.data)}` : "";
        const attempt = line.attempt > 1 ? `  (attempt ${line.attempt})` : "";
        io.out(`${line.at}  ${line.level.padEnd(5)}  ${line.message}${data}${attempt}`);
      }
    });
  },
};
