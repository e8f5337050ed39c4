// Where a definition was written (file:line), so `airlock check` can point at the action a problem
// is about. Captured when defineAction/defineWorkspace is called — one stack capture per definition
// at import, nothing per run — and kept as a hidden (non-enumerable) property, so a definition's
// value, its JSON and its version hash stay as the author wrote them.
const SOURCE = Symbol.for("airlock.definitionSource");

export interface DefinitionSource {
  file: string;
  line: number;
}

// biome-ignore lint/complexity/noBannedTypes: Error.captureStackTrace takes any function.
function callerOf(fn: Function): DefinitionSource | null {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, fn);
  const frame = holder.stack?.split("\n")[1] ?? "";
  const match = /\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?$/.exec(frame.trim());
  if (!match) return null;
  // No node:url here: the SDK stays free of Node built-ins.
  const file = match[1]!.startsWith("file://") ? decodeURIComponent(new URL(match[1]!).pathname) : match[1]!;
  return { file, line: Number(match[2]) };
}

/** Marks `value` with the place `definer` was called from. */
// biome-ignore lint/complexity/noBannedTypes: any definer function.
export function withDefinitionSource<T extends object>(value: T, definer: Function): T {
  const source = callerOf(definer);
  if (source) Object.defineProperty(value, SOURCE, { value: source, enumerable: false });
  return value;
}

/** Where a definition was written, if known. */
export function definitionSource(value: unknown): DefinitionSource | null {
  if (typeof value !== "object" || value === null) return null;
  return ((value as Record<symbol, unknown>)[SOURCE] as DefinitionSource | undefined) ?? null;
}
