// One registry of PII classes, each with its masking rule. PCI DSS 3.4.1 allows at most the BIN
// (first six) and the last four digits of a card number to be shown; we show exactly that.
export type Masker = (value: string) => string;

const BULLET = "•";

function digits(value: string): string {
  return value.replace(/\D/g, "");
}

function keepLast(value: string, count: number): string {
  const d = digits(value);
  if (d.length <= count) return BULLET.repeat(Math.max(d.length, 4));
  return BULLET.repeat(d.length - count) + d.slice(-count);
}

export const MASKERS: Record<string, Masker> = {
  card_number: (value) => {
    const d = digits(value);
    // Too short to be a PAN: show nothing rather than most of it.
    if (d.length < 12) return BULLET.repeat(Math.max(d.length, 4));
    return d.slice(0, 6) + BULLET.repeat(d.length - 10) + d.slice(-4);
  },
  ssn: (value) => {
    const d = digits(value);
    return d.length >= 4 ? `${BULLET.repeat(3)}-${BULLET.repeat(2)}-${d.slice(-4)}` : BULLET.repeat(9);
  },
  email: (value) => {
    const at = value.lastIndexOf("@");
    if (at < 1) return BULLET.repeat(6);
    return `${value[0]}${BULLET.repeat(3)}@${value.slice(at + 1)}`;
  },
  phone: (value) => keepLast(value, 2),
  name: (value) =>
    value
      .split(/\s+/)
      .filter(Boolean)
      .map((part) => `${part[0]}${BULLET.repeat(3)}`)
      .join(" ") || BULLET.repeat(3),
  address: () => `${BULLET.repeat(3)} (address hidden)`,
  dob: () => `${BULLET.repeat(4)}-${BULLET.repeat(2)}-${BULLET.repeat(2)}`,
  bank_account: (value) => keepLast(value, 4),
  free_text: (value) => `[hidden text, ${value.length} characters]`,
};

/**
 * What each masker's output looks like. A run's row keeps classified values already masked (the
 * raw ones are encrypted beside them), and every view masks what it reads: masking a masked value
 * must give it back unchanged. A text of this shape shows no more than its mask would.
 */
const MASKED_FORMS: Record<string, RegExp> = {
  card_number: /^(\d{6}•+\d{4}|•{4,})$/,
  ssn: /^(•••-••-\d{4}|•{9})$/,
  email: /^([^•]•••@[^@]*|•{6})$/,
  phone: /^•+\d{0,2}$/,
  name: /^(\S••• )*\S•••$|^•••$/,
  address: /^••• \(address hidden\)$/,
  dob: /^••••-••-••$/,
  bank_account: /^•+\d{0,4}$/,
  free_text: /^\[hidden text, \d+ characters\]$/,
};

/** Mask one value of a class. Unknown classes are hidden entirely. Masking a mask changes nothing. */
export function maskValue(piiClass: string, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const masker = MASKERS[piiClass];
  if (!masker) return `${BULLET.repeat(3)} (${piiClass} hidden)`;
  if (typeof value === "string" && MASKED_FORMS[piiClass]?.test(value)) return value;
  return masker(text);
}
