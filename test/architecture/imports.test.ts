import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

// The parts of Airlock and what each may import. Arrows point one way: from the SDK and the store
// up through the domain (audit, identity, approval), the control layer, to the entry points
// (server, runtime, cli). A module that needs something from above is in the wrong place. `api`
// (the HTTP contract: zod schemas of every request and response) imports nothing of ours, so the
// server that answers and the web UI that asks share it, and the browser bundle stays free of Node.
const BASE = ["ids", "errors", "sdk"];
const DOMAIN = [...BASE, "observe", "store", "pii", "workspace", "crypto", "outbound"];
const UPPER = [
  ...DOMAIN,
  "api",
  "config",
  "audit",
  "identity",
  "events",
  "approval",
  "engine",
  "runs",
  "control",
  "notify",
  "secrets",
  "governance",
  "resources",
  "integrations",
];
export const ALLOWED: Record<string, string[]> = {
  ids: [],
  errors: [],
  api: [],
  pii: [],
  // Master keys and envelope encryption: pure, below everything that stores an encrypted value.
  crypto: [],
  sdk: ["pii"],
  observe: ["ids"],
  store: ["ids", "errors"],
  // Outbound HTTP behind the SSRF guard: node's own modules only, so any part may call out.
  outbound: ["ids", "errors"],
  workspace: ["sdk", "errors", "pii"],
  config: ["sdk", "errors", "workspace"],
  engine: [...BASE, "observe", "store"],
  audit: [...DOMAIN],
  identity: [...DOMAIN, "audit"],
  // The transactional outbox and its consumers: written by runs and approval, read by notify.
  events: [...DOMAIN],
  // The secret store: encrypted values read by server-side code (resources), managed by admins.
  secrets: [...DOMAIN, "audit", "identity"],
  runs: [...DOMAIN, "audit", "identity", "events"],
  approval: [...DOMAIN, "audit", "identity", "events", "engine", "runs"],
  // Resources (databases, HTTP APIs a workspace governs): opened by the runtime, used by handlers.
  resources: [...DOMAIN],
  control: [...DOMAIN, "audit", "identity", "events", "approval", "engine", "runs", "resources"],
  // Notifications of a runbook's gate or a bulk batch read the gated thing (its title, its page).
  notify: [
    ...DOMAIN,
    "audit",
    "identity",
    "events",
    "approval",
    "engine",
    "runs",
    "control",
    "runbooks",
    "bulk",
  ],
  // Four-eyes on access and policy changes: a change request is an approval subject.
  // Governance sends its own mail (invitation links, break-glass alerts) through notify's sender
  // and delivery log; notify never imports governance.
  governance: [...DOMAIN, "audit", "identity", "events", "approval", "engine", "runs", "notify"],
  // Slack (and later other chat tools): a channel for notify, and decisions through approval.
  integrations: [...DOMAIN, "audit", "identity", "events", "approval", "engine", "runs", "control", "notify"],
  runbook: [...DOMAIN, "audit", "identity", "events", "approval", "engine", "runs", "control", "notify"],
  // Runbooks and schedules: durable work on the engine, every step through the control layer.
  runbooks: [...DOMAIN, "api", "audit", "identity", "events", "approval", "engine", "runs", "control"],
  schedules: [...DOMAIN, "api", "audit", "identity", "events", "engine", "runs", "control", "runbooks"],
  // Bulk actions: one approval over many items, each item a governed run; batches on the engine.
  bulk: [...DOMAIN, "api", "audit", "identity", "events", "approval", "engine", "runs", "control"],
  server: [...UPPER, "runbook", "runbooks", "schedules", "bulk"],
  runtime: [...UPPER, "runbook", "runbooks", "schedules", "bulk", "server"],
  cli: [...UPPER, "runbook", "runbooks", "schedules", "bulk", "server", "runtime", "testing"],
  // airlock/testing: an Airlock instance for an action author's tests.
  testing: [...UPPER, "runbook", "runbooks", "schedules", "bulk", "server", "runtime"],
  web: ["api"],
};

const root = resolve(import.meta.dirname, "..", "..");
const src = join(root, "src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" || name === "dist" ? [] : files(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function specifiers(path: string): string[] {
  const text = readFileSync(path, "utf8");
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!);
}

function partOf(path: string): string {
  return relative(src, path).split("/")[0]!;
}

test("every folder under src/ is a known part", () => {
  const parts = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory());
  for (const part of parts)
    assert.ok(part in ALLOWED, `src/${part} is not in the import map; add it with its allowed imports`);
});

test("imports only point the allowed way", () => {
  const violations: string[] = [];
  for (const file of files(src)) {
    const from = partOf(file);
    for (const spec of specifiers(file)) {
      if (!spec.startsWith(".")) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src)) {
        if (!target.startsWith(join(root, "package.json")))
          violations.push(`${relative(root, file)} imports ${spec} (outside src/)`);
        continue;
      }
      const to = partOf(target);
      if (to !== from && !ALLOWED[from]?.includes(to))
        violations.push(`${relative(root, file)} (${from}) imports ${to}: ${spec}`);
    }
  }
  assert.deepEqual(violations, []);
});

test("the HTTP contract (src/api/) imports only zod: the web bundle shares it, so no Node module", () => {
  const outside = files(join(src, "api")).flatMap((file) =>
    specifiers(file)
      .filter((spec) => !spec.startsWith(".") && spec !== "zod")
      .map((spec) => `${relative(root, file)} imports ${spec}`),
  );
  assert.deepEqual(outside, []);
});

test("workspaces (examples/) use only the public SDK", () => {
  const violations: string[] = [];
  for (const file of files(join(root, "examples"))) {
    for (const spec of specifiers(file)) {
      if (!spec.startsWith(".")) continue;
      const target = resolve(dirname(file), spec);
      if (target.startsWith(src) && target !== join(src, "sdk", "index.ts")) {
        violations.push(`${relative(root, file)} imports ${spec}; use src/sdk/index.ts`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
