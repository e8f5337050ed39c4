// CSV download of a result table. A cell that a spreadsheet would read as a formula (starting
// with = + - @, a tab or a carriage return) gets a leading apostrophe, so opening an export can
// never run a formula an attacker planted in a customer's name (OWASP "CSV injection").

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralize(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  // Numbers and booleans are written by us, not typed by anyone: -12.5 stays a number.
  const text =
    typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : neutralize(typeof value === "string" ? value : JSON.stringify(value));
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  const lines = [columns.map((c) => cell(c)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * A result table as the person saw it: the columns' labels as headers ("Amount due", not
 * `amountDueCents`) and each amount in its row's currency ("€1,250.00", not 125000).
 */
export function tableCsv(
  columns: string[],
  rows: Record<string, unknown>[],
  show: {
    label: (column: string) => string;
    value: (row: Record<string, unknown>, column: string) => unknown;
  },
): string {
  const lines = [columns.map((c) => cell(show.label(c))).join(",")];
  for (const row of rows) lines.push(columns.map((c) => cell(show.value(row, c))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
