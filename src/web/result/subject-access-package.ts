// The unmasked package a subject access request hands over, built in the browser from the one
// reveal-all answer and never sent back: the run as JSON, or every value as a "Field,Value" CSV
// (`result.profile.email`, `result.ledgerEntries[3].memo`) a person can read in a spreadsheet.
import type { RevealedAll } from "../../api/runs.ts";
import { toCsv } from "./csv.ts";
import { isRecord, type PiiPath } from "./result-shape.ts";

export function packageJson(revealed: RevealedAll): string {
  return `${JSON.stringify(
    {
      runId: revealed.runId,
      action: revealed.action,
      actionVersion: revealed.actionVersion,
      revealedAt: revealed.revealedAt,
      parameters: revealed.params,
      result: revealed.result,
    },
    null,
    2,
  )}\n`;
}

function leaves(value: unknown, path: string, out: Record<string, unknown>[]): void {
  if (Array.isArray(value) && value.length > 0) {
    for (const [i, item] of value.entries()) leaves(item, `${path}[${i}]`, out);
  } else if (isRecord(value) && Object.keys(value).length > 0) {
    for (const [key, item] of Object.entries(value)) leaves(item, path ? `${path}.${key}` : key, out);
  } else {
    out.push({ Field: path, Value: value });
  }
}

export function packageCsv(revealed: RevealedAll): string {
  const rows: Record<string, unknown>[] = [];
  leaves(revealed.params, "parameters", rows);
  leaves(revealed.result, "result", rows);
  return toCsv(["Field", "Value"], rows);
}

/** How many values a classified field holds in a (masked) value: `*` spans a list's items. */
export function countHeld(value: unknown, path: PiiPath["path"], index = 0): number {
  if (value === null || value === undefined) return 0;
  if (index === path.length) return 1;
  const key = path[index]!;
  if (key === "*")
    return Array.isArray(value)
      ? value.reduce((n: number, item) => n + countHeld(item, path, index + 1), 0)
      : 0;
  return isRecord(value) ? countHeld(value[key], path, index + 1) : 0;
}
