/** Totals per currency (minor units) as "$12.50 USD, 7.00 EUR"; "none" without amounts. */
export function money(totals: Record<string, number>): string {
  const parts = Object.entries(totals).map(([currency, cents]) => `${(cents / 100).toFixed(2)} ${currency}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}
