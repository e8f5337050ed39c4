// One phase of `npm test` (test/run.ts), files started in the order given: `node --test` sorts its
// files by name, and with the slowest files last (the browser tests are under test/web/) the
// run's tail was a few long files on an otherwise idle machine. Through node:test's run() the
// order is kept, so the runner can start the longest files first.
//
// Same behaviour as `node --test --test-reporter=spec`: one process per file, the same per-test
// timeout, exit code 1 when any test fails. Each file's time (the sum of its top-level tests,
// before-hooks included) is written as JSON to the path given, for the next run's order.
//
// Usage: node test/support/ordered-run.ts <concurrency> <timeout ms> <durations.json|-> <file>…
import { writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { run } from "node:test";
import { spec } from "node:test/reporters";

const root = resolve(import.meta.dirname, "..", "..");
const [concurrency, timeout, durationsOut, ...files] = process.argv.slice(2);

const durations: Record<string, number> = {};
let failed = false;
// Stopped (Ctrl-C, or test/run.ts passing on a signal): the test processes are stopped with it.
const stop = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    stop.abort();
    process.exitCode = 1;
  });
}
const stream = run({
  files: files.map((file) => resolve(root, file)),
  concurrency: Number(concurrency),
  timeout: Number(timeout),
  cwd: root,
  signal: stop.signal,
});
const count = (data: { nesting: number; file?: string; details: { duration_ms: number } }) => {
  if (data.nesting !== 0 || !data.file) return;
  const file = relative(root, data.file);
  durations[file] = (durations[file] ?? 0) + data.details.duration_ms;
};
stream.on("test:pass", count);
stream.on("test:fail", (data) => {
  failed = true;
  count(data);
});
stream.compose(new spec()).pipe(process.stdout);
stream.on("end", () => {
  if (durationsOut && durationsOut !== "-") {
    const rounded = Object.fromEntries(Object.entries(durations).map(([f, ms]) => [f, Math.round(ms)]));
    writeFileSync(durationsOut, `${JSON.stringify(rounded, null, 2)}\n`);
  }
  process.exitCode = failed || stop.signal.aborted ? 1 : 0;
});
