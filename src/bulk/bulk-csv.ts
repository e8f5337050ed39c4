// A pasted or uploaded CSV of items (RFC 4180: quoted cells, doubled quotes, CRLF or LF), read
// into rows keyed by the header's column names. A broken header (empty or repeated names,
// unterminated quotes) refuses the whole file; a bad line is reported on its own, by line
// number, so one mistake never hides the others and nothing is half-applied.
import { AirlockError } from "../errors/airlock-error.ts";

export interface CsvLine {
  /** 1-based line number of the row in the file (the header is line 1). */
  line: number;
  row: Record<string, string>;
  /** Why the line cannot become an item, or null. */
  problem: string | null;
}

// What a spreadsheet would run as a formula (OWASP "CSV injection"): refused as input, never
// passed on as a parameter.
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

export function isFormula(value: unknown): boolean {
  return typeof value === "string" && FORMULA_START.test(value) && !/^[-+]\d+(\.\d+)?$/.test(value);
}

function records(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else cell += ch;
      i++;
      continue;
    }
    if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      row.push(cell);
      out.push(row);
      row = [];
      cell = "";
      if (ch === "\r" && text[i + 1] === "\n") i++;
    } else cell += ch;
    i++;
  }
  if (quoted) throw new AirlockError("bulk.csv_invalid", "The CSV has a quoted cell that never ends.");
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    out.push(row);
  }
  return out;
}

export function parseItemsCsv(text: string): CsvLine[] {
  const all = records(text);
  const header = all[0]?.map((name) => name.trim());
  if (!header || header.every((name) => name === ""))
    throw new AirlockError("bulk.csv_invalid", "The CSV is empty: its first line must name the columns.");
  const seen = new Set<string>();
  for (const name of header) {
    if (name === "") throw new AirlockError("bulk.csv_invalid", "A column of the CSV's header has no name.");
    if (seen.has(name))
      throw new AirlockError("bulk.csv_invalid", `The CSV's header names the column "${name}" twice.`);
    if (isFormula(name))
      throw new AirlockError(
        "bulk.csv_invalid",
        "A column name of the CSV starts like a spreadsheet formula.",
      );
    seen.add(name);
  }
  const lines: CsvLine[] = [];
  all.slice(1).forEach((cells, index) => {
    const line = index + 2;
    if (cells.length === 1 && cells[0]!.trim() === "") return; // blank line
    const row: Record<string, string> = {};
    header.forEach((name, at) => {
      row[name] = (cells[at] ?? "").trim();
    });
    let problem: string | null = null;
    if (cells.length !== header.length)
      problem = `has ${cells.length} cell${cells.length === 1 ? "" : "s"}, the header has ${header.length}`;
    else {
      const formula = header.find((name) => isFormula(row[name]));
      if (formula) problem = `the cell "${formula}" starts like a spreadsheet formula`;
    }
    lines.push({ line, row, problem });
  });
  return lines;
}
