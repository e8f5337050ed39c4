// Shared by the lookups (find_account, find_customer): the search field and how its text is matched.
import { z } from "../../../src/sdk/index.ts";

/** What the person typed: often a name or an email, so it is sealed and masked like one. */
export const lookupSearchField = (label: string) =>
  z.string().trim().max(100).optional().meta({ label, pii: "free_text" });

/** `%text%` for ILIKE with the text's own wildcards escaped; null for no search. */
export function searchPattern(query: string | undefined): string | null {
  const text = query?.trim();
  return text ? `%${text.replace(/[\\%_]/g, "\\$&")}%` : null;
}

/** "Alice M.": enough to tell customers apart in a list, no more (erased customers have no name). */
export function shortName(name: string | null): string {
  if (!name) return "(erased)";
  const [first, ...rest] = name.trim().split(/\s+/);
  const last = rest.at(-1);
  return last ? `${first} ${last[0]}.` : (first ?? "");
}
