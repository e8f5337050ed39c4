// A batch's failure report: every item with its outcome (succeeded, failed, skipped) and why, as
// CSV. Cells are formula-safe (a value starting with = + - @ is neutralized) and free text is
// scrubbed of anything that looks like a card number, SSN or email.
import { csvRow } from "../audit/audit-export.ts";
import { scrubText } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import type { BatchRow, ItemRow } from "./bulk-store.ts";

const HEADER = ["position", "status", "target_id", "run_id", "error_code", "reason", "params"];

export async function failureReport(db: Queryable, batch: BatchRow): Promise<string> {
  const items = await db.query<ItemRow>(
    "SELECT * FROM airlock.bulk_items WHERE batch_id = $1 ORDER BY position",
    [batch.id],
  );
  const lines = [csvRow(HEADER)];
  for (const item of items.rows)
    lines.push(
      csvRow([
        String(item.position),
        item.status,
        item.target_id === null ? null : scrubText(item.target_id),
        item.run_id,
        item.error_code,
        item.error_message === null ? null : scrubText(item.error_message),
        scrubText(JSON.stringify(item.params)),
      ]),
    );
  return lines.join("");
}
