// Before/after snapshots as rows: every leaf path of either side, and whether it changed.

export interface DiffRow {
  path: string;
  before: unknown;
  after: unknown;
  change: "added" | "removed" | "changed" | "same";
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>, depth = 0): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && depth < 6) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, {});
    for (const [key, child] of entries) flatten(child, prefix ? `${prefix}.${key}` : key, out, depth + 1);
    return;
  }
  out.set(prefix || "(value)", value);
}

export function diffSnapshots(before: unknown, after: unknown): DiffRow[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  if (before !== undefined && before !== null) flatten(before, "", a);
  if (after !== undefined && after !== null) flatten(after, "", b);
  const paths = [...new Set([...a.keys(), ...b.keys()])];
  return paths.map((path) => {
    const inA = a.has(path);
    const inB = b.has(path);
    const x = a.get(path);
    const y = b.get(path);
    const change = !inA
      ? "added"
      : !inB
        ? "removed"
        : JSON.stringify(x) === JSON.stringify(y)
          ? "same"
          : "changed";
    return { path, before: x, after: y, change };
  });
}
