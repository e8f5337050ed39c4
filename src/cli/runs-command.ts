// `airlock runs logs <run id>`: what a run's handler logged, through a running server (the same
// API, and the same "may this person see this run" check, as the run page).
import type { RunLogs } from "../api/runs.ts";
import { api, apiOptions, responsePrinter } from "./api-client.ts";
import { type Command, parseCommandArgs, UsageError } from "./command.ts";

const HELP = [
  "Usage: airlock runs logs <run id> [--server URL] [--token TOKEN] [--json]",
  "",
  "Prints the lines the run's handler logged with ctx.log, oldest first: time, level, message and",
  "data (PII masked as on the run page; at most 200 lines or 64 KiB per attempt are kept).",
  "",
  "  --server   Airlock's URL (default: $AIRLOCK_URL or http://127.0.0.1:3000)",
  "  --token    an API token (default: $AIRLOCK_TOKEN)",
  "  --json     print the API's JSON answer",
].join("\n");

export const runsCommand: Command = {
  name: "runs",
  summary: "Runs: airlock runs logs <run id> prints what a run's handler logged",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      allowPositionals: true,
      options: { json: { type: "boolean" }, server: { type: "string" }, token: { type: "string" } },
    });
    const [sub, id, ...extra] = positionals;
    if (sub !== "logs") throw new UsageError('the subcommand is "logs" (airlock runs logs <run id>).');
    if (!id || extra.length > 0) throw new UsageError("give one run id: airlock runs logs <run id>.");
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
