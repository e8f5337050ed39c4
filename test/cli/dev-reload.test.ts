// `airlock dev`'s in-process reload (src/cli/dev-reload.ts) on a real listening server and real
// Chromium: a workspace in its own folder, whose action lives in a second file (so a stale module
// cache of the file the workspace imports would show). Editing the title on disk shows in the
// catalog without restarting the server or signing in again; a broken file puts the located error
// on the page (and the previous version keeps serving); fixing it takes the error away. A run under
// way when the workspace reloads finishes on the old version.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type DevReloader, startDevReload } from "../../src/cli/dev-reload.ts";
import { importWorkspace } from "../../src/config/load-workspace.ts";
import { hashPassword } from "../../src/identity/passwords.ts";
import { createAirlock } from "../../src/runtime/airlock.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, signIn, type TestBrowser } from "../web/support/chromium.ts";

const SDK = new URL("../../src/sdk/index.ts", import.meta.url).href;
let dir: string;
let t: TestAirlock;
let reloader: DevReloader;
let server: Listening;
let browser: TestBrowser;
let teller: TestUser;
const terminal: string[] = [];

function greetFile(title: string, answer = "one"): string {
  return [
    `import { defineAction, z } from "${SDK}";`,
    "",
    "export const greet = defineAction({",
    '  name: "greet",',
    `  title: ${JSON.stringify(title)},`,
    '  execution: "inline",',
    "  params: z.object({ waitMs: z.number().int().min(0).max(5000).default(0) }),",
    "  async handler(p) {",
    "    await new Promise((r) => setTimeout(r, p.waitMs));",
    `    return { answer: ${JSON.stringify(answer)} };`,
    "  },",
    "});",
    "",
  ].join("\n");
}

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  dir = mkdtempSync(join(tmpdir(), "airlock-dev-reload-"));
  mkdirSync(join(dir, "actions"));
  writeFileSync(join(dir, "actions", "greet.ts"), greetFile("Greet a customer"));
  writeFileSync(
    join(dir, "airlock.config.ts"),
    [
      `import { defineWorkspace } from "${SDK}";`,
      'import { greet } from "./actions/greet.ts";',
      "",
      "export default defineWorkspace({",
      '  name: "reloading",',
      "  actions: [greet],",
      '  roles: { tellers: { groups: ["tellers"] } },',
      '  grants: [{ to: "tellers", verbs: ["view", "run"], on: "*" }],',
      "});",
      "",
    ].join("\n"),
  );
  const path = join(dir, "airlock.config.ts");
  t = await startTestAirlock({ workspace: await importWorkspace(path) });
  reloader = startDevReload({
    workspacePath: path,
    first: t.airlock,
    create: (workspace) =>
      createAirlock({
        config: t.airlock.config,
        workspace,
        databaseUrl: t.database.url,
        log: t.airlock.log,
        checkResponses: true,
      }),
    log: t.airlock.log,
    out: (text) => terminal.push(text),
    err: (text) => terminal.push(text),
  });
  server = await listen(reloader, "127.0.0.1", 0);
  teller = await createUser(t.airlock.database.pool, {
    email: "teller@fintech.test",
    groups: ["tellers"],
    passwordHash: await hashPassword(PASSWORD),
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close(100);
  await reloader?.close();
  await t?.database.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function untilVersion(version: number, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  while (reloader.status().version < version) {
    if (performance.now() - started > timeoutMs) throw new Error(`no reload to version ${version}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - started;
}

test("edit the title on disk: the catalog shows it; break the file: the page names file and line; fix it: the error goes", async () => {
  const { page, problems } = await browser.newPage();
  await signIn(page, server.url, teller.email, PASSWORD);
  await page.getByText("Greet a customer", { exact: true }).first().waitFor();

  const saved = performance.now();
  writeFileSync(join(dir, "actions", "greet.ts"), greetFile("Greet a VIP customer"));
  const reloadMs = await untilVersion(2);
  // The page reloads itself when a new version serves; no server restart, no new sign-in.
  await page.getByText("Greet a VIP customer", { exact: true }).first().waitFor();
  const visibleMs = performance.now() - saved;
  console.log(
    `save → new version serving: ${Math.round(reloadMs)} ms; save → catalog shows it: ${Math.round(visibleMs)} ms (under load)`,
  );
  assert.equal(await page.getByRole("button", { name: /account menu$/ }).count(), 1, "still signed in");

  // Line 5 holds the broken title.
  writeFileSync(
    join(dir, "actions", "greet.ts"),
    greetFile("Greet a VIP customer").replace('  title: "Greet a VIP customer",', "  title: = ,"),
  );
  const overlay = page.locator("#airlock-dev-overlay");
  await overlay.waitFor({ timeout: 30_000 });
  const shown = (await overlay.textContent()) ?? "";
  assert.match(shown, /actions\/greet\.ts:5/, shown);
  assert.match(shown, /previous version keeps serving/);
  assert.match(terminal.join("\n"), /actions\/greet\.ts:5/, "the terminal names file and line too");
  // The previous good version still answers.
  const listed = await page.evaluate(async () => (await fetch("/api/v1/actions")).json());
  assert.ok(JSON.stringify(listed).includes("Greet a VIP customer"), JSON.stringify(listed));

  writeFileSync(join(dir, "actions", "greet.ts"), greetFile("Greet a customer, fixed"));
  await untilVersion(3);
  await page.getByText("Greet a customer, fixed", { exact: true }).first().waitFor();
  assert.equal(await page.locator("#airlock-dev-overlay").count(), 0, "the error is gone");
  assert.deepEqual(problems, []);
});

test("a run under way when the workspace reloads finishes on the old version; the next run gets the new one", async () => {
  const version = reloader.status().version;
  writeFileSync(join(dir, "actions", "greet.ts"), greetFile("Greet", "old"));
  await untilVersion(version + 1);
  const run = (key: string, waitMs: number) =>
    fetch(`${server.url}/api/v1/actions/greet/runs`, {
      method: "POST",
      headers: { ...teller.headers, "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify({ params: { waitMs } }),
    }).then(async (res) => ({ status: res.status, body: await res.json() }));
  const underWay = run("under-way", 1500);
  await new Promise((r) => setTimeout(r, 200));
  writeFileSync(join(dir, "actions", "greet.ts"), greetFile("Greet", "new"));
  await untilVersion(version + 2);
  const next = await run("next", 0);
  const first = await underWay;
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(first.body.result, { answer: "old" });
  assert.deepEqual(next.body.result, { answer: "new" });
});
