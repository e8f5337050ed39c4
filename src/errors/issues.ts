import type { Issue } from "./airlock-error.ts";

/**
 * A failed zod parse's issues as an error's `details.issues`: path, code and message, nothing of
 * the value itself (it may hold PII). Symbols in a path (zod allows them) become strings.
 */
export function issuesOf(error: {
  issues: readonly { path: readonly PropertyKey[]; code: string; message: string }[];
}): Issue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    code: issue.code,
    message: issue.message,
  }));
}
