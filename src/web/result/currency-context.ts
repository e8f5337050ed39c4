// Which currency an amount in minor units is in. Results name it next to the amount (a record's
// `currency` field: `{ currency: "EUR", balanceCents: 1250 }`), so a record or table row that has
// one passes it down to every amount inside; without one the amount is in the workspace's default.
import { createContext, useContext } from "react";
import { isCurrencyCode } from "../form/money.ts";

export const DEFAULT_CURRENCY = "USD";

export const CurrencyContext = createContext<string>(DEFAULT_CURRENCY);

export function useCurrency(): string {
  return useContext(CurrencyContext);
}

/** The currency a record states for its own amounts (`currency` or `currencyCode`), or null. */
export function currencyOf(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  for (const key of ["currency", "currencyCode", "currency_code"]) {
    const code = record[key];
    if (typeof code === "string" && isCurrencyCode(code.toUpperCase())) return code.toUpperCase();
  }
  return null;
}
