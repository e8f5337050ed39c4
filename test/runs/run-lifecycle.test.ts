// The run lifecycle owns a run's row: every status change goes through src/runs/run-lifecycle.ts,
// whose SQL is in run-lifecycle-sql.ts. Any other module writing `airlock.runs` would be a status
// change without its audit event or its announcement.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { test } from "node:test";

const root = resolve(import.meta.dirname, "..", "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

test("only the run lifecycle writes airlock.runs; the retention purge goes through it and never touches a status", () => {
  const writers: string[] = [];
  for (const file of files(join(root, "src"))) {
    const text = readFileSync(file, "utf8");
    if (/(UPDATE|INSERT INTO|DELETE FROM)\s+airlock\.runs\b/.test(text)) writers.push(relative(root, file));
  }
  assert.deepEqual(writers, ["src/runs/run-lifecycle-sql.ts"]);
  const sql = readFileSync(join(root, "src/runs/run-lifecycle-sql.ts"), "utf8");
  const purge = sql.match(/UPDATE airlock\.runs SET params[^"`]*/)?.[0] ?? "";
  assert.match(purge, /pii_purged_at/);
  assert.doesNotMatch(purge, /status/);
});

test("the lifecycle's SQL is called from the lifecycle alone", () => {
  const callers = files(join(root, "src"))
    .filter((file) => /from\s+["'][^"']*run-lifecycle-sql\.ts["']/.test(readFileSync(file, "utf8")))
    .map((file) => relative(root, file))
    .sort();
  assert.deepEqual(callers, ["src/runs/run-lifecycle.ts"]);
});
