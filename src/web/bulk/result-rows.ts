// The rows a batch can be made of, in a finished run's result: the result itself when it is a list
// of records, or else its first field that is one (a lookup that returns `{ total, latePayments:
// [...] }`). Null when the result holds no such list.
import { isRecord, isTable } from "../result/result-shape.ts";

export function resultRows(result: unknown): Record<string, unknown>[] | null {
  if (isTable(result)) return result;
  if (!isRecord(result)) return null;
  for (const value of Object.values(result)) if (isTable(value)) return value;
  return null;
}
