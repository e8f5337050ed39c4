// `airlock bulk start|status|pause|resume|cancel|approve|reject`: bulk batches through a server's API, with the
// same checks as the web UI. `start` previews first (count, totals, refused items), then starts
// on exactly that item set; `--wait` follows the batch with a progress bar until it ends.
import { readFile } from "node:fs/promises";
import { type ApiClientOptions, api, apiOptions, describeError, parseApiCommandArgs } from "./api-client.ts";
import { type CliIo, type Command, UsageError } from "./command.ts";
import { reviewerChoice } from "./run-command.ts";

interface BatchJson {
  id: string;
  action: string;
  status: string;
  itemCount: number;
  totals: Record<string, number>;
  approvalRequestId: string | null;
  stopReason: string | null;
  counts: { pending: number; succeeded: number; failed: number; skipped: number };
  etaSeconds: number | null;
}
interface PreviewJson {
  count: number;
  totals: Record<string, number>;
  refused: { row: number; ref: string | null; code: string; reason: string }[];
  itemSetHash: string;
  needsApproval: boolean;
  policies: { name: string; because: string | null }[];
}

const FINAL = new Set(["succeeded", "failed", "stopped", "cancelled", "rejected", "expired"]);
const BAR_WIDTH = 30;

/** `[#########.........] 35/120 29%  ok 33  failed 2  skipped 0  ETA 12s` */
export function progressLine(batch: BatchJson): string {
  const { succeeded, failed, skipped } = batch.counts;
  const done = succeeded + failed + skipped;
  const total = Math.max(1, batch.itemCount);
  const filled = Math.round((done / total) * BAR_WIDTH);
  const eta = batch.etaSeconds === null ? "" : `  ETA ${batch.etaSeconds}s`;
  return `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${done}/${batch.itemCount} ${Math.floor((done / total) * 100)}%  ok ${succeeded}  failed ${failed}  skipped ${skipped}  ${batch.status}${eta}`;
}

function money(totals: Record<string, number>): string {
  const parts = Object.entries(totals).map(([currency, cents]) => `${(cents / 100).toFixed(2)} ${currency}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

async function follow(
  io: CliIo,
  options: ApiClientOptions,
  id: string,
  intervalMs: number,
): Promise<BatchJson> {
  let last = "";
  for (;;) {
    const response = await api(options, "GET", `/api/v1/bulk/${encodeURIComponent(id)}`);
    if (response.status >= 400) throw new UsageError(describeError(response));
    const batch = response.body as BatchJson;
    const line = progressLine(batch);
    if (line !== last) io.out(line);
    last = line;
    if (FINAL.has(batch.status)) return batch;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function exitFor(batch: BatchJson): number {
  if (batch.status === "succeeded") return 0;
  return FINAL.has(batch.status) ? 1 : 3;
}

export const bulkCommand: Command = {
  name: "bulk",
  summary:
    "Run an action over many items as one batch: airlock bulk start|status|pause|resume|cancel|approve|reject …",
  help: [
    "Usage: airlock bulk start <action> (--csv FILE | --rows-json JSON) [--reason TEXT] [--key KEY]",
    "                          [--concurrency N] [--reviewer USER|group:NAME]… [--wait]",
    "       airlock bulk status <batch-id> [--wait]",
    "       airlock bulk pause|resume|cancel <batch-id> [--reason TEXT]",
    "       airlock bulk approve|reject <batch-id> [--reason TEXT]   (a batch you did not start)",
    "       (each takes [--json] [--server URL] [--token TOKEN])",
    "",
    "start previews the selection (item count, totals per currency, refused rows with reasons),",
    "then starts the batch on exactly that item set; --key makes a repeated start the same batch.",
    "A batch over the action's bulk policy waits for a second person's approval; --reviewer asks",
    "only these people or groups, where the policy lets the requester choose. --wait follows",
    "the batch with a progress bar until it ends.",
    "",
    "Exit status: 0 succeeded, 1 refused or ended otherwise, 3 started or still running.",
  ].join("\n"),
  async run(args, io) {
    const { values, positionals } = parseApiCommandArgs(args, {
      csv: { type: "string" },
      "rows-json": { type: "string" },
      reason: { type: "string" },
      key: { type: "string" },
      concurrency: { type: "string" },
      wait: { type: "boolean" },
      "interval-ms": { type: "string" },
      reviewer: { type: "string", multiple: true },
    });
    const [verb, subject, ...rest] = positionals;
    if (
      !verb ||
      !subject ||
      rest.length > 0 ||
      !["start", "status", "pause", "resume", "cancel", "approve", "reject"].includes(verb)
    )
      throw new UsageError(
        "use: airlock bulk start|status|pause|resume|cancel|approve|reject <action or batch id>",
      );
    const options = apiOptions(values, io.env);
    const intervalMs = Math.max(200, Number(values["interval-ms"] ?? 1_000) || 1_000);
    const report = (response: Awaited<ReturnType<typeof api>>) => {
      if (values.json) io.out(JSON.stringify(response.body, null, 2));
      else io.err(describeError(response));
      return 1;
    };
    let batch: BatchJson;
    if (verb === "start") {
      const selection: { action: string; csv?: string; rows?: unknown } = { action: subject };
      if (values.csv !== undefined) selection.csv = await readFile(values.csv, "utf8");
      else if (values["rows-json"] !== undefined) {
        try {
          selection.rows = JSON.parse(values["rows-json"]);
        } catch {
          throw new UsageError("--rows-json must be a JSON array of objects");
        }
      } else throw new UsageError("start needs --csv FILE or --rows-json JSON");
      const reviewers = reviewerChoice(values.reviewer ?? []);
      const previewed = await api(options, "POST", "/api/v1/bulk/preview", { body: selection });
      if (previewed.status >= 400) return report(previewed);
      const preview = previewed.body as PreviewJson;
      if (!values.json) {
        io.out(
          `preview: ${preview.count} items, totals ${money(preview.totals)}, ${preview.refused.length} refused`,
        );
        for (const r of preview.refused)
          io.out(`  refused row ${r.row}${r.ref ? ` (${r.ref})` : ""}: ${r.code}: ${r.reason}`);
        if (preview.needsApproval)
          io.out(`needs approval: ${preview.policies.map((p) => p.because ?? p.name).join("; ")}`);
      }
      const started = await api(options, "POST", "/api/v1/bulk/start", {
        body: {
          ...selection,
          itemSetHash: preview.itemSetHash,
          ...(values.reason ? { reason: values.reason } : {}),
          ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
          ...(reviewers ? { reviewers } : {}),
        },
        ...(values.key ? { headers: { "idempotency-key": values.key } } : {}),
      });
      if (started.status >= 400) return report(started);
      const body = started.body as { batch: BatchJson; replayed: boolean };
      batch = body.batch;
      if (!values.json)
        io.out(
          `${body.replayed ? "already started" : "started"}: batch ${batch.id} (${batch.status})${batch.approvalRequestId ? `, approval request ${batch.approvalRequestId}` : ""}`,
        );
    } else {
      const response =
        verb === "status"
          ? await api(options, "GET", `/api/v1/bulk/${encodeURIComponent(subject)}`)
          : await api(options, "POST", `/api/v1/bulk/${encodeURIComponent(subject)}/${verb}`, {
              body: values.reason ? { reason: values.reason } : {},
            });
      if (response.status >= 400) return report(response);
      batch = response.body as BatchJson;
    }
    if (values.wait)
      batch = await follow(values.json ? { ...io, out: () => {} } : io, options, batch.id, intervalMs);
    else if (!values.json) io.out(progressLine(batch));
    if (values.json) io.out(JSON.stringify(batch, null, 2));
    else if (batch.stopReason) io.out(`stopped: ${batch.stopReason}`);
    return exitFor(batch);
  },
};
