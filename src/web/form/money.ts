// Money fields hold minor units (cents) on the wire and currency on screen: 25000 ↔ "$250.00".
// Parsing works on the digits as text, so 0.1 + 0.2 never becomes 30.000000000000004 cents.

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string): Intl.NumberFormat {
  let f = formatters.get(currency);
  if (!f) {
    f = new Intl.NumberFormat("en-US", { style: "currency", currency });
    formatters.set(currency, f);
  }
  return f;
}

/** An ISO 4217 code this browser can format ("EUR"), not just any three letters. */
export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  try {
    formatter(code);
    return true;
  } catch {
    return false;
  }
}

/** Digits after the decimal point for a currency: 2 for USD, 0 for JPY, 3 for KWD. */
export function currencyDigits(currency: string): number {
  return formatter(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

export function currencySymbol(currency: string): string {
  return (
    formatter(currency)
      .formatToParts(0)
      .find((p) => p.type === "currency")?.value ?? currency
  );
}

/** 25000 (USD) → "$250.00". */
export function formatMoney(minor: number, currency: string): string {
  return formatter(currency).format(minor / 10 ** currencyDigits(currency));
}

/** 25000 (USD) → "250.00", the text an input shows. */
export function minorToInput(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const negative = minor < 0;
  const text = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, "0");
  const whole = digits === 0 ? text : text.slice(0, -digits);
  const frac = digits === 0 ? "" : `.${text.slice(-digits)}`;
  return `${negative ? "-" : ""}${whole}${frac}`;
}

export type MoneyParse = { ok: true; minor: number } | { ok: false; message: string };

/** "$1,250.5" → 125050 (USD). Accepts a currency symbol or code, spaces and thousands separators. */
export function parseMoney(text: string, currency: string): MoneyParse {
  const digits = currencyDigits(currency);
  const symbol = currencySymbol(currency);
  const cleaned = text.replaceAll(symbol, "").replaceAll(currency, "").replace(/[\s,]/g, "");
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(cleaned);
  if (!match || (match[2] === "" && (match[3] ?? "") === ""))
    return { ok: false, message: `Enter an amount, like ${formatMoney(25000, currency)}` };
  const [, sign, whole = "", frac = ""] = match;
  if (frac.length > digits)
    return {
      ok: false,
      message: digits === 0 ? `${currency} has no minor units` : `Use at most ${digits} decimal places`,
    };
  const minor = Number((whole || "0") + frac.padEnd(digits, "0"));
  if (!Number.isSafeInteger(minor)) return { ok: false, message: "That amount is too large" };
  return { ok: true, minor: sign === "-" ? -minor : minor };
}
