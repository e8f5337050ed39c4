/**
 * The kinds of personal data a parameter or output field can be classified as, with
 * `.meta({ pii: "card_number" })`. Masking rules per class live in src/pii/; a workspace may use
 * its own class names too (they are masked fully unless a rule exists).
 */
export const PII_CLASSES = [
  "card_number",
  "ssn",
  "email",
  "phone",
  "name",
  "address",
  "dob",
  "bank_account",
  "free_text",
] as const;

export type KnownPiiClass = (typeof PII_CLASSES)[number];
export type PiiClass = KnownPiiClass | (string & {});
