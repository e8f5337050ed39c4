// PostgreSQL cannot store the NUL character in text or jsonb ("unsupported Unicode escape
// sequence"). Found by the fuzz test as a 500; input carrying it is refused up front instead.
import type { Issue } from "../errors/airlock-error.ts";

export function nulIssues(
  value: unknown,
  path: (string | number)[] = [],
  found: Issue[] = [],
  depth = 0,
): Issue[] {
  if (found.length >= 20 || depth > 64) return found;
  const issue = (at: (string | number)[]) =>
    found.push({
      path: at,
      code: "invalid_string",
      message: "Text must not contain the NUL character (\\u0000).",
    });
  if (typeof value === "string") {
    if (value.includes("\u0000")) issue(path);
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) nulIssues(item, [...path, i], found, depth + 1);
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes("\u0000")) issue([...path, key]);
      nulIssues(item, [...path, key], found, depth + 1);
    }
  }
  return found;
}
