// `npm run bench:profile`: where the CPU of one governed action goes. Starts the bench server (its
// own process) on a throwaway database, drives inline no-op actions at one concurrency, and reads
// the CPU time each process used from /proc during the load: the server, the PostgreSQL backends,
// the load generator. With `--cpu-prof`, the server also writes a V8 CPU profile
// (bench/results/profiles/), to open in Chrome DevTools or speedscope.
//
// Options: --connections N (8), --seconds N (10), --action NAME (noop_inline; noop_queued for a
// queued run), --cpu-prof.
// Linux only (/proc). Not part of `npm run bench`: it answers "why", the bench answers "how much".
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measureGovernedAction } from "./governed-http.ts";
import { benchDatabase } from "./lib/bench-database.ts";
import { startJsonChild } from "./lib/child.ts";
import { round } from "./lib/stats.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "8" },
    seconds: { type: "string", default: "10" },
    "cpu-prof": { type: "boolean", default: false },
    action: { type: "string", default: "noop_inline" },
  },
});
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const profileDir = join(import.meta.dirname, "results", "profiles");

/** CPU seconds (user + system) used so far by each process, by pid, with its command line. */
function cpuByProcess(): Map<string, { cpu: number; command: string }> {
  const ticks = 100; // USER_HZ on Linux
  const found = new Map<string, { cpu: number; command: string }>();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      found.set(pid, { cpu: (Number(fields[11]) + Number(fields[12])) / ticks, command });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function groupOf(command: string, database: string): string | null {
  if (command.includes("bench/server.ts")) return "server";
  if (command.includes("bench/load.ts")) return "load generator";
  if (command.startsWith("postgres:") && command.includes(database)) return "postgres backends";
  if (command.startsWith("postgres:")) return "postgres (other)";
  return null;
}

const db = await benchDatabase();
const database = new URL(db.url).pathname.slice(1);
if (values["cpu-prof"]) mkdirSync(profileDir, { recursive: true });
// The server's first JSON line is its address and tokens; DBOS's notices before it go to stderr.
const { child, info } = await startJsonChild<{ url: string; tokens: { operator: string } }>(
  join(import.meta.dirname, "server.ts"),
  [],
  { DATABASE_URL: db.url },
  values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
);
try {
  // Warm up (JIT, prepared statements on every pooled connection), then measure.
  await measureGovernedAction({ url: info.url, token: info.tokens.operator }, values.action, connections, 2);
  const before = cpuByProcess();
  const load = await measureGovernedAction(
    { url: info.url, token: info.tokens.operator },
    values.action,
    connections,
    seconds,
  );
  const after = cpuByProcess();
  const groups = new Map<string, number>();
  for (const [pid, now] of after) {
    const group = groupOf(now.command, database);
    if (!group) continue;
    const used = now.cpu - (before.get(pid)?.cpu ?? 0);
    groups.set(group, (groups.get(group) ?? 0) + used);
  }
  // The load generator has exited by now; it reports its own CPU.
  if (load.cpuSeconds !== undefined) groups.set("load generator", load.cpuSeconds);
  console.log(
    `${values.action} over HTTP, c = ${connections}, ${seconds} s: ${round(load.perSecond, 0)} actions/s, p50 ${round(load.p50, 2)} ms, p99 ${round(load.p99, 2)} ms`,
  );
  let total = 0;
  for (const [group, cpu] of [...groups].sort((a, b) => b[1] - a[1])) {
    total += cpu;
    console.log(
      `  ${group.padEnd(18)} ${round(cpu / seconds, 2).toFixed(2)} cores  ${round((cpu / load.requests) * 1000, 3)} ms CPU per action`,
    );
  }
  console.log(
    `  ${"all".padEnd(18)} ${round(total / seconds, 2).toFixed(2)} cores  ${round((total / load.requests) * 1000, 3)} ms CPU per action`,
  );
} finally {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
  await db.close();
}
if (values["cpu-prof"]) console.log(`V8 CPU profile of the server: ${profileDir}`);
