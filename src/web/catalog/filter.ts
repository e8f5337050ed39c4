import type { ActionSummary } from "../../api/actions.ts";

/** The instant, client-side half of the search: every word must appear in name, title, tags or description. */
export function filterActions(actions: ActionSummary[], text: string): ActionSummary[] {
  const words = text.toLowerCase().trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return actions;
  return actions.filter((action) => {
    const haystack = [action.name, action.title, action.description, ...action.tags].join(" ").toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}

/** The client's matches plus any the server found for the same text, in title order. */
export function mergeMatches(local: ActionSummary[], server: ActionSummary[]): ActionSummary[] {
  if (server.length === 0) return local;
  const byName = new Map(local.map((a) => [a.name, a]));
  for (const action of server) if (!byName.has(action.name)) byName.set(action.name, action);
  return [...byName.values()].sort((a, b) => a.title.localeCompare(b.title));
}
