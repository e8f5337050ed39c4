// Personal data that looks real but can never belong to anyone: reserved ranges only.
import type { Random } from "./random.ts";
import type { Country } from "./word-lists.ts";

/** Luhn (mod 10) check digit for the digits before it. */
export function luhnCheckDigit(partial: string): number {
  let sum = 0;
  // Double every second digit counting from the right of the full number, i.e. starting with the
  // last digit of the partial number.
  for (let i = partial.length - 1, double = true; i >= 0; i--, double = !double) {
    let digit = partial.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function passesLuhn(number: string): boolean {
  return /^[0-9]{12,19}$/.test(number) && luhnCheckDigit(number.slice(0, -1)) === Number(number.at(-1));
}

export type CardBrand = "visa" | "mastercard" | "amex";

// Issuer prefixes of the card networks' and processors' published test numbers (Stripe,
// Adyen docs): never issued to real cardholders.
const TEST_BINS: Record<CardBrand, { bins: readonly string[]; length: number }> = {
  visa: { bins: ["424242", "400005", "401288"], length: 16 },
  mastercard: { bins: ["555555", "222300", "520082"], length: 16 },
  amex: { bins: ["378282", "371449"], length: 15 },
};

export function testCardNumber(random: Random, brand: CardBrand): string {
  const { bins, length } = TEST_BINS[brand];
  const partial = random.pick(bins) + random.chars(length - 7, "0123456789");
  return partial + luhnCheckDigit(partial);
}

/**
 * SSN-shaped numbers that are invalid as SSNs (area 900-999 is never assigned) and as ITINs
 * (which use 9xx only with group 50-65, 70-88, 90-92 or 94-99): group 10-49.
 */
export function invalidSsn(random: Random): string {
  const area = random.int(900, 999);
  const group = random.int(10, 49);
  const serial = random.int(1, 9999);
  return `${area}-${group}-${String(serial).padStart(4, "0")}`;
}

/** Phone numbers from the ranges reserved for fiction, in E.164; null where we know none. */
export function fictionalPhone(random: Random, country: Country): string | null {
  const digits = (n: number) => random.chars(n, "0123456789");
  switch (country) {
    case "US": // NANP: 555-0100 to 555-0199 in any area code.
      return `+1${random.int(201, 989)}55501${digits(2)}`;
    case "GB": // Ofcom: 07700 900000 to 900999.
      return `+447700900${digits(3)}`;
    case "FR": // ARCEP: 01 99 00 xx xx.
      return `+3319900${digits(4)}`;
    default:
      return null;
  }
}

export function emailFor(first: string, last: string, random: Random, domain: string): string {
  const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, "");
  return random.chance(0.4) ? `${local}${random.int(1, 99)}@${domain}` : `${local}@${domain}`;
}
