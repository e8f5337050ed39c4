// Text PostgreSQL cannot store: the NUL character (text and jsonb refuse it, "unsupported Unicode
// escape sequence"), and a UTF-16 surrogate without its partner (JSON can escape one, `"\ud800"`,
// but it is no character and has no UTF-8 form, so jsonb refuses it too). Both were found as 500s
// (the fuzz test, then probing); input carrying either is refused at the edge instead.
import type { Issue } from "../errors/airlock-error.ts";

export const UNSTORABLE_TEXT_MESSAGE =
  "Text must not contain the NUL character (\\u0000) or a lone UTF-16 surrogate (\\ud800–\\udfff without its partner).";

export function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && text.isWellFormed();
}

/** Where in a parsed JSON value (keys included) there is text that cannot be stored; at most 20. */
export function unstorableTextIssues(
  value: unknown,
  path: (string | number)[] = [],
  found: Issue[] = [],
  depth = 0,
): Issue[] {
  if (found.length >= 20 || depth > 64) return found;
  const issue = (at: (string | number)[]) =>
    found.push({ path: at, code: "invalid_string", message: UNSTORABLE_TEXT_MESSAGE });
  if (typeof value === "string") {
    if (!isStorableText(value)) issue(path);
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) unstorableTextIssues(item, [...path, i], found, depth + 1);
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) issue([...path, key]);
      unstorableTextIssues(item, [...path, key], found, depth + 1);
    }
  }
  return found;
}

/** The earlier name (NUL only); it now finds lone surrogates as well. */
export const nulIssues = unstorableTextIssues;
