// `airlock dev`'s in-process reload (src/cli/dev-reload.ts) on a real listening server and real
// Chromium: a workspace in its own folder, whose action lives in a second file (so a stale module
// cache of the file the workspace imports would show). Editing the title on disk shows in the
// catalog without restarting the server or signing in again; a broken file puts the located error
// on the page (and the previous version keeps serving); fixing it takes the error away. A run under
// way when the workspace reloads finishes on the old version, and so does a queued run requested
// before the reload and started after it. A workspace broken when the server starts does not stop
// it: the page, and Vite's page (how the UI is developed in this repository), show the located
// error, and the workspace serves once fixed.
// Instances are built as `airlock serve --reload` builds them: the workspace's migrations, then the
// instance, on the job engine the reloader started ahead.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { createServer } from "vite";
import { DEV_SCRIPT_PATH, DEV_STATUS_PATH } from "../../src/cli/dev-banner.ts";
import { devViteConfig } from "../../src/cli/dev-command.ts";
import { type DevReloader, type DevStatus, startDevReload } from "../../src/cli/dev-reload.ts";
import { type Config, loadConfig } from "../../src/config/config.ts";
import { startEngine } from "../../src/engine/engine.ts";
import { hashPassword } from "../../src/identity/passwords.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { createAirlock, migrationSourcesFor } from "../../src/runtime/airlock.ts";
import { ENGINE_QUEUES } from "../../src/runtime/queues.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { migrate } from "../../src/store/migrate.ts";
import { buildWeb } from "../../src/web/build.ts";
import { TEST_MASTER_KEY } from "../support/test-airlock.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, signIn, type TestBrowser } from "../web/support/chromium.ts";

const SDK = new URL("../../src/sdk/index.ts", import.meta.url).href;
let dir: string;
let database: TestDatabase;
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
    "// Queued, one at a time: a second run waits in the queue while the first runs.",
    "export const settle = defineAction({",
    '  name: "settle",',
    '  title: "Settle",',
    '  execution: "queued",',
    "  limits: { concurrency: 1 },",
    "  params: z.object({ waitMs: z.number().int().min(0).max(5000).default(0) }),",
    "  async handler(p) {",
    "    await new Promise((r) => setTimeout(r, p.waitMs));",
    `    return { answer: ${JSON.stringify(answer)} };`,
    "  },",
    "});",
    "",
  ].join("\n");
}

const config: Config = loadConfig({
  AIRLOCK_LOG_LEVEL: "warn",
  AIRLOCK_DEMO: "0",
  // A queued run's request answers at once (202): the instance that took it is not kept busy.
  AIRLOCK_RUN_WAIT_MS: "0",
  AIRLOCK_MASTER_KEY: TEST_MASTER_KEY,
});
/** What the instances logged (warnings and errors). */
const logged: string[] = [];
const log = createLogger({
  level: "warn",
  destination: new Writable({
    write: (chunk, _e, done) => {
      logged.push(String(chunk));
      done();
    },
  }),
});

/** A reloader built as `airlock serve --reload` builds it, on its own database. */
function devReloader(path: string, url: string, out: string[]): Promise<DevReloader> {
  return startDevReload({
    workspacePath: path,
    async create(workspace, engine, heldVersion) {
      try {
        await migrate(url, migrationSourcesFor(workspace));
      } catch (error) {
        await engine?.stop();
        throw error;
      }
      return await createAirlock({
        config,
        workspace,
        databaseUrl: url,
        log,
        checkResponses: true,
        heldVersion,
        ...(engine ? { engine } : {}),
      });
    },
    startEngine: () => startEngine({ url, log, queues: ENGINE_QUEUES }),
    log,
    out: (text) => out.push(text),
    err: (text) => out.push(text),
  });
}

function workspaceFile(name: string): string {
  return [
    `import { defineWorkspace } from "${SDK}";`,
    'import { greet, settle } from "./actions/greet.ts";',
    "",
    "export default defineWorkspace({",
    `  name: ${JSON.stringify(name)},`,
    "  actions: [greet, settle],",
    '  roles: { tellers: { groups: ["tellers"] } },',
    '  grants: [{ to: "tellers", verbs: ["view", "run"], on: "*" }],',
    "});",
    "",
  ].join("\n");
}

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  dir = mkdtempSync(join(tmpdir(), "airlock-dev-reload-"));
  mkdirSync(join(dir, "actions"));
  writeFileSync(join(dir, "actions", "greet.ts"), greetFile("Greet a customer"));
  writeFileSync(join(dir, "airlock.config.ts"), workspaceFile("reloading"));
  database = await createTestDatabase();
  reloader = await devReloader(join(dir, "airlock.config.ts"), database.url, terminal);
  assert.equal(reloader.status().version, 1, JSON.stringify(reloader.status()));
  server = await listen(reloader, "127.0.0.1", 0);
  teller = await createUser(reloader.current()!.database.pool, {
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
  await database?.drop();
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
  const reloadMs = await untilVersion(version + 2);
  console.log(`save → new version serving, with a run under way: ${Math.round(reloadMs)} ms (under load)`);
  const next = await run("next", 0);
  const first = await underWay;
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(first.body.result, { answer: "old" });
  assert.deepEqual(next.body.result, { answer: "new" });
});

test("a queued run requested before a reload and started after it runs on the version it was requested against", async () => {
  const version = reloader.status().version;
  writeFileSync(join(dir, "actions", "greet.ts"), greetFile("Greet", "requested"));
  await untilVersion(version + 1);
  const pool = () => reloader.current()!.database.pool;
  const request = (key: string, waitMs: number) =>
    fetch(`${server.url}/api/v1/actions/settle/runs`, {
      method: "POST",
      headers: { ...teller.headers, "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify({ params: { waitMs } }),
    }).then(async (res) => (await res.json()) as { id: string });
  const statusOf = async (key: string) =>
    (
      await pool().query<{ id: string; status: string }>(
        "SELECT id, status FROM airlock.runs WHERE action = 'settle' AND idempotency_key = $1",
        [key],
      )
    ).rows[0];
  const until = async (key: string, status: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const row = await statusOf(key);
      if (row?.status === status) return row;
      if (Date.now() > deadline) throw new Error(`run ${key} is ${row?.status}, not ${status}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // The first run holds the action's one slot; the second waits in the queue behind it.
  const first = request("holds-the-slot", 2500);
  await until("holds-the-slot", "running");
  const second = request("waits-in-queue", 0);
  await until("waits-in-queue", "queued");

  writeFileSync(join(dir, "actions", "greet.ts"), greetFile("Greet", "changed"));
  await untilVersion(version + 2);
  const reloadedAt = (await pool().query<{ now: Date }>("SELECT now()")).rows[0]!.now;
  assert.equal((await statusOf("waits-in-queue"))?.status, "queued", "not started before the reload");

  const finished = async (runId: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await fetch(`${server.url}/api/v1/runs/${runId}`, { headers: teller.headers });
      const body = (await res.json()) as {
        status: string;
        result: unknown;
        error: unknown;
        startedAt: string;
      };
      if (body.status === "succeeded" || body.status === "failed") return body;
      if (Date.now() > deadline) throw new Error(`run ${runId} is still ${body.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const waited = await finished((await second).id);
  assert.equal(waited.status, "succeeded", JSON.stringify(waited.error));
  assert.ok(new Date(waited.startedAt) >= reloadedAt, "it started after the reload");
  assert.deepEqual(waited.result, { answer: "requested" }, "on the version it was requested against");
  assert.deepEqual((await finished((await first).id)).result, { answer: "requested" });
  const later = await finished((await request("after-the-reload", 0)).id);
  assert.deepEqual(later.result, { answer: "changed" }, "a run requested now gets the new version");
});

/** A live-updates stream as the teller; each message as it comes, until it ends. */
async function openStream(lastEventId?: string) {
  const res = await fetch(`${server.url}/api/v1/events/stream`, {
    headers: {
      authorization: teller.headers.authorization!,
      ...(lastEventId ? { "last-event-id": lastEventId } : {}),
    },
  });
  assert.equal(res.status, 200);
  const messages: Record<string, string>[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return performance.now();
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: Record<string, string> = {};
        for (const line of block.split("\n")) {
          const colon = line.indexOf(":");
          if (colon > 0) message[line.slice(0, colon)] = line.slice(colon + 1).trim();
        }
        messages.push(message);
      }
    }
  })();
  const until = async (predicate: (m: Record<string, string>) => boolean) => {
    for (const deadline = Date.now() + 30_000; ; ) {
      const found = messages.find(predicate);
      if (found) return found;
      assert.ok(Date.now() < deadline, `no such message; got ${JSON.stringify(messages)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { messages, ended, until, close: () => reader.cancel().catch(() => {}) };
}

test("a reload ends the old instance's live-updates streams at once; the browser's reconnect (Last-Event-ID) reaches the new instance and its events", async () => {
  const stream = await openStream();
  const ready = await stream.until((m) => m.event === "ready");
  assert.match(ready.id ?? "", /^\d+\.\d+$/, "the stream's position, to resume from");
  const version = reloader.status().version;
  const saved = performance.now();
  writeFileSync(join(dir, "actions", "greet.ts"), greetFile("Greet", "streamed"));
  await untilVersion(version + 1);
  const serving = performance.now();
  const endedAt = await stream.ended;
  // Before, the stream lasted until the old instance's 30 s wait for its requests ran out.
  const endedMs = Math.round(endedAt - serving);
  console.log(
    `save → new version serving: ${Math.round(serving - saved)} ms; → old instance's stream ended: ${endedMs} ms (under load)`,
  );
  assert.ok(endedMs < 15_000, `the old instance's stream ended ${endedMs} ms after the new one served`);
  assert.ok(
    stream.messages.some((m) => m.retry === "100"),
    "the browser is told to reconnect at once",
  );

  // The browser's reconnect, from where it was: the new instance answers, and its events come.
  const again = await openStream(ready.id);
  await again.until((m) => m.event === "ready");
  const res = await fetch(`${server.url}/api/v1/actions/greet/runs`, {
    method: "POST",
    headers: { ...teller.headers, "content-type": "application/json", "idempotency-key": "after-reload" },
    body: JSON.stringify({ params: { waitMs: 0 } }),
  });
  const run = (await res.json()) as { id: string; result: unknown };
  assert.deepEqual(run.result, { answer: "streamed" });
  await again.until((m) => m.event === "run.finished" && m.data?.includes(run.id) === true);
  await again.close();
  // The old instance closed without its stream touching its closed pool.
  assert.ok(!logged.some((line) => /Cannot use a pool after calling end/.test(line)), logged.join("\n"));
});

test("a workspace broken at start: the server comes up, the page names file and line, and the workspace serves once fixed", async () => {
  const brokenDir = mkdtempSync(join(tmpdir(), "airlock-dev-broken-"));
  const brokenDatabase = await createTestDatabase({ label: "dev_reload_broken" });
  const out: string[] = [];
  let broken: DevReloader | undefined;
  let brokenServer: Listening | undefined;
  try {
    mkdirSync(join(brokenDir, "actions"));
    // Line 5 holds the broken title.
    writeFileSync(
      join(brokenDir, "actions", "greet.ts"),
      greetFile("Greet").replace('  title: "Greet",', "  title: = ,"),
    );
    writeFileSync(join(brokenDir, "airlock.config.ts"), workspaceFile("broken-at-start"));
    broken = await devReloader(join(brokenDir, "airlock.config.ts"), brokenDatabase.url, out);
    assert.equal(broken.current(), null, "nothing serves yet");
    assert.equal(broken.status().version, 0);
    assert.match(broken.status().error?.at ?? "", /actions\/greet\.ts:5$/, JSON.stringify(broken.status()));
    assert.match(out.join("\n"), /actions\/greet\.ts:5/, "the terminal names file and line");
    brokenServer = await listen(broken, "127.0.0.1", 0);

    const health = await fetch(`${brokenServer.url}/healthz`);
    assert.equal(health.status, 200, "the process is up");
    const api = await fetch(`${brokenServer.url}/api/v1/actions`);
    const refusal = (await api.json()) as { error: { code: string; message: string; requestId: string } };
    assert.equal(api.status, 503);
    assert.equal(refusal.error.code, "workspace.not_compiled");
    assert.match(refusal.error.message, /actions\/greet\.ts:5/);
    assert.equal(refusal.error.requestId, api.headers.get("x-request-id"));

    const { page, problems } = await browser.newPage();
    await page.goto(brokenServer.url);
    const overlay = page.locator("#airlock-dev-overlay");
    await overlay.waitFor({ timeout: 30_000 });
    assert.match((await overlay.textContent()) ?? "", /actions\/greet\.ts:5/);

    // Developing the UI in this repository, Vite serves the page: it carries the banner too (in
    // Chromium, the located error), and the banner's status comes through Vite's proxy.
    const vite = await createServer({
      ...devViteConfig({ apiUrl: brokenServer.url, host: "127.0.0.1", port: 0 }),
      logLevel: "silent",
      optimizeDeps: { noDiscovery: true },
    });
    try {
      await vite.listen();
      const viteUrl = vite.resolvedUrls?.local[0]?.replace(/\/$/, "");
      assert.ok(viteUrl, "Vite listens");
      const html = await (await fetch(`${viteUrl}/`, { headers: { accept: "text/html" } })).text();
      assert.ok(html.includes(`src="${DEV_SCRIPT_PATH}"`), html);
      const viaVite = (await (await fetch(`${viteUrl}${DEV_STATUS_PATH}`)).json()) as DevStatus;
      assert.match(viaVite.error?.at ?? "", /actions\/greet\.ts:5$/);
      // Vite's page in Chromium. The banner is a script of its own: the UI's modules, which Vite
      // would transform one by one for a minute under load, are not loaded.
      const vitePage = await page.context().newPage();
      await vitePage.route(/\/(src|node_modules)\//, (route) => route.abort());
      await vitePage.goto(`${viteUrl}/`);
      const viteOverlay = vitePage.locator("#airlock-dev-overlay");
      await viteOverlay.waitFor({ timeout: 30_000 });
      assert.match((await viteOverlay.textContent()) ?? "", /actions\/greet\.ts:5/);

      writeFileSync(join(brokenDir, "actions", "greet.ts"), greetFile("Greet, fixed"));
      const started = performance.now();
      while (broken.status().version < 1) {
        if (performance.now() - started > 30_000) throw new Error("the fixed workspace never served");
        await new Promise((r) => setTimeout(r, 20));
      }
      // Both pages drop the banner: the server's reloads itself into the real UI (its sign-in
      // form); Vite's, polling through the proxy, removes it.
      await page.getByLabel("Email").waitFor({ timeout: 30_000 });
      assert.equal(await page.locator("#airlock-dev-overlay").count(), 0, "the error is gone");
      await viteOverlay.waitFor({ state: "detached", timeout: 30_000 });
      assert.equal(await viteOverlay.count(), 0, "the error is gone from Vite's page too");
    } finally {
      await vite.close();
    }
    const user = await createUser(broken.current()!.database.pool, {
      email: "late-teller@fintech.test",
      groups: ["tellers"],
      passwordHash: await hashPassword(PASSWORD),
    });
    const listed = await fetch(`${brokenServer.url}/api/v1/actions`, { headers: user.headers });
    assert.equal(listed.status, 200);
    assert.ok(JSON.stringify(await listed.json()).includes("Greet, fixed"));
    // The waiting page's own requests were 503s by design; nothing else failed on the page.
    assert.deepEqual(
      problems.filter((p) => !/status of 503/.test(p)),
      [],
    );
  } finally {
    await brokenServer?.close(100);
    await broken?.close();
    await brokenDatabase.drop();
    rmSync(brokenDir, { recursive: true, force: true });
  }
});
