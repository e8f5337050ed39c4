import type { ActionSummary } from "../../api/actions.ts";

function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * How well an action matches one search word: a word of its title is what a person reads and
 * remembers, so it weighs most; then its name and tags; the description least. 0: no match.
 */
function wordScore(action: ActionSummary, word: string): number {
  const title = wordsOf(action.title);
  if (title.includes(word)) return 8;
  if (title.some((w) => w.startsWith(word))) return 6;
  if (
    wordsOf(action.name).some((w) => w.startsWith(word)) ||
    action.tags.some((t) => t.toLowerCase().startsWith(word))
  )
    return 4;
  const haystack = [action.name, action.title, action.description, ...action.tags].join(" ").toLowerCase();
  return haystack.includes(word) ? 1 : 0;
}

/** The instant, client-side half of the search: every word must appear in name, title, tags or description. */
export function filterActions(actions: ActionSummary[], text: string): ActionSummary[] {
  const words = text.toLowerCase().trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return actions;
  return rankActions(actions, words);
}

/** Matches of every word, best first (title words before descriptions), then by title. */
function rankActions(actions: ActionSummary[], words: string[]): ActionSummary[] {
  const scored = actions.flatMap((action) => {
    const scores = words.map((w) => wordScore(action, w));
    return scores.every((s) => s > 0) ? [{ action, score: scores.reduce((a, b) => a + b, 0) }] : [];
  });
  return scored
    .sort((a, b) => b.score - a.score || a.action.title.localeCompare(b.action.title))
    .map((s) => s.action);
}

/** The client's ranked matches, then any more the server found for the same text. */
export function mergeMatches(local: ActionSummary[], server: ActionSummary[]): ActionSummary[] {
  if (server.length === 0) return local;
  const names = new Set(local.map((a) => a.name));
  return [...local, ...server.filter((a) => !names.has(a.name))];
}
