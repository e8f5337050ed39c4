// One line per run in the run list: its parameters as "Label value", amounts in the run's
// currency (named by its result), so "the $250 credit" can be found by eye.
import { currencyOf, DEFAULT_CURRENCY } from "../result/currency-context.ts";
import { formatField, labelOf } from "../result/result-shape.ts";

export function paramsSummary(params: Record<string, unknown> | null, result: unknown): string {
  if (!params) return "";
  const currency = currencyOf(params) ?? currencyOf(result) ?? DEFAULT_CURRENCY;
  return Object.entries(params)
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([key, value]) => {
      const text = typeof value === "object" ? JSON.stringify(value) : formatField(key, value, currency);
      return `${labelOf(key)} ${text.length > 60 ? `${text.slice(0, 59)}…` : text}`;
    })
    .join(" · ");
}
