// Airlock as another project uses it: `npm pack` this repository, install the tarball into an
// empty project in a temporary directory, and follow docs/getting-started.md there — `airlock
// init`, `airlock check`, the scaffolded tests (airlock/testing from the package), the server on a
// fresh database, the example action run over HTTP and by the CLI, `check --against` the server.
// Nothing here reads this repository's sources: the project sees only what the package ships.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { findFreePort } from "../../src/store/embedded-postgres.ts";
import { createTestDatabase, type TestDatabase, testServerUrl } from "../support/test-database.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "airlock-package-"));
const project = join(work, "payments-ops");
// npm, npx and the project's `node` resolve to the Node 24 running this test.
const env: Record<string, string> = {
  PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
  HOME: process.env.HOME ?? work,
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
  // How this machine reaches the npm registry (a proxy, a CA of its own): npm run under the Node
  // 24 above reads its global npmrc from that Node's prefix, not the system npm's, so a `cafile`
  // set there would be lost and the install would retry against an untrusted certificate.
  ...passedThrough([
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "npm_config_registry",
    "npm_config_cafile",
  ]),
  // `npm test`'s compile cache (test/run.ts): load time only, no behaviour.
  ...(process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE } : {}),
  ...(process.env.NODE_DISABLE_COMPILE_CACHE
    ? { NODE_DISABLE_COMPILE_CACHE: process.env.NODE_DISABLE_COMPILE_CACHE }
    : {}),
};
const timings: Record<string, number> = {};

function passedThrough(names: string[]): Record<string, string> {
  return Object.fromEntries(
    names.flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])),
  );
}

interface Result {
  code: number | null;
  out: string;
  err: string;
}

function sh(
  command: string,
  args: string[],
  cwd: string,
  extra: Record<string, string> = {},
): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...env, ...extra } });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      err += c;
    });
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[name] = Math.round(performance.now() - started);
  }
}

let tarball: string;
let database: TestDatabase;
let server: ChildProcess | undefined;

before(
  async () => {
    const packed = await timed("npm pack", () =>
      sh("npm", ["pack", "--pack-destination", work, "--loglevel", "warn"], ROOT),
    );
    assert.equal(packed.code, 0, packed.err + packed.out);
    tarball = join(work, readdirSync(work).find((f) => f.endsWith(".tgz"))!);
    database = await createTestDatabase({ template: "empty", label: "package" });
    // `npm pack` builds the package (about 150 s from nothing on a loaded machine).
  },
  { timeout: 600_000 },
);

after(async () => {
  if (server?.pid && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    process.kill(-server.pid, "SIGTERM");
    await exited;
  }
  await database?.drop();
  rmSync(work, { recursive: true, force: true });
  console.log(`package test timings (ms): ${JSON.stringify(timings)}`);
});

test("the tarball ships compiled JavaScript, declarations, the web UI, migrations and the license", async () => {
  const listed = await sh("tar", ["-tzf", tarball], work);
  const files = listed.out.split("\n");
  for (const file of [
    "package/bin/airlock.js",
    "package/dist/cli/main.js",
    "package/dist/sdk/index.js",
    "package/dist/sdk/index.d.ts",
    "package/dist/testing/index.js",
    "package/dist/testing/index.d.ts",
    "package/dist/web/index.html",
    "package/migrations/0001_foundation.sql",
    "package/LICENSE",
  ]) {
    assert.ok(files.includes(file), `${file} is in the package`);
  }
  assert.equal(files.filter((f) => f.startsWith("package/src/")).length, 0, "no TypeScript sources ship");
  assert.equal(files.filter((f) => f.startsWith("package/test/")).length, 0, "no tests ship");
  const manifest = JSON.parse((await sh("tar", ["-xzOf", tarball, "package/package.json"], work)).out);
  assert.equal(manifest.license, "Apache-2.0");
  assert.match(readFileSync(join(ROOT, "LICENSE"), "utf8"), /Apache License\s+Version 2\.0/);
});

// npm install of the tarball, then the scaffolded tests on their own embedded PostgreSQL: minutes,
// not seconds, on a busy machine; the suite's 3-minute default is too short for it there.
test("install, init, check and the scaffolded tests work in a new project", {
  timeout: 600_000,
}, async () => {
  await sh("mkdir", ["-p", project], work);
  const installed = await timed("npm install", () =>
    sh("npm", ["install", tarball, "--prefer-offline", "--loglevel", "error"], project),
  );
  assert.equal(installed.code, 0, installed.err);

  const init = await sh("npx", ["airlock", "init"], project);
  assert.equal(init.code, 0, init.err);
  assert.match(init.out, /created airlock\.config\.ts/);
  assert.match(init.out, /created test\/airlock\.test\.ts/);
  assert.match(init.out, /added scripts dev, check, start, test to package\.json/);
  assert.match(readFileSync(join(project, ".gitignore"), "utf8"), /^\.airlock\/$/m);
  const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
  assert.equal(pkg.type, "module");
  assert.equal(pkg.scripts.check, "airlock check");

  const again = await sh("npx", ["airlock", "init"], project);
  assert.equal(again.code, 1, "init refuses to overwrite");
  assert.match(again.err, /already exist; nothing was written/);

  const check = await timed("airlock check", () => sh("npx", ["airlock", "check"], project));
  assert.equal(check.code, 0, check.err);
  assert.match(check.out, /Workspace "my-workspace": 1 action, 1 role, 1 grant, 1 approval policy/);
  assert.match(check.out, /issue_refund\s+view run approve/);
  assert.match(check.out, /issue_refund\s+large-refunds\s+enforce\s+conditional\s+1\s+group support\s+1d/);
  assert.match(check.out, /issue_refund\s+params\s+customerEmail\s+email/);

  // The scaffolded test file, run as `npm test` runs it, against a database on the test server.
  const tests = await timed("npm test (scaffolded)", () =>
    sh("npm", ["test"], project, { AIRLOCK_TEST_DATABASE_URL: testServerUrl() }),
  );
  assert.equal(tests.code, 0, tests.out + tests.err);
  assert.match(tests.out, /pass 3\n/);
  assert.match(tests.out, /fail 0\n/);
});

test("airlock dev serves the example action over HTTP and the CLI; check --against sees no change", async () => {
  assert.ok(existsSync(join(project, "airlock.config.ts")), "the previous test made the project");
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  // Its own process group, so that stopping it stops npx and the server under it.
  server = spawn("npx", ["airlock", "dev", "--port", String(port), "--host", "127.0.0.1"], {
    cwd: project,
    env: { ...env, DATABASE_URL: database.url, AIRLOCK_DEMO: "1" },
    detached: true,
  });
  let output = "";
  server.stdout!.on("data", (c) => {
    output += c;
  });
  server.stderr!.on("data", (c) => {
    output += c;
  });
  await timed("server start", async () => {
    const deadline = Date.now() + 60_000;
    while (!output.includes("Airlock is running at")) {
      assert.ok(Date.now() < deadline && server!.exitCode === null, `the server did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  assert.match(output, /dev@example\.com/, "the workspace's demo users are listed");

  const login = await fetch(`${url}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "dev@example.com", password: "demo" }),
  });
  const signedIn = await login.text();
  assert.equal(login.status, 200, `${signedIn}\n${output}`);
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const { csrfToken } = JSON.parse(signedIn) as { csrfToken: string };
  const session = { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" };

  const run = await fetch(`${url}/api/v1/actions/issue_refund/runs`, {
    method: "POST",
    headers: { ...session, "idempotency-key": "package-test-1" },
    body: JSON.stringify({
      params: {
        paymentId: "pay_42",
        amountCents: 1500,
        customerEmail: "jo@example.com",
        memo: "Charged twice for one order",
      },
    }),
  });
  const body = (await run.json()) as { status: string; result: { refundedCents: number } };
  assert.equal(run.status, 200, JSON.stringify(body));
  assert.equal(body.status, "succeeded");
  assert.equal(body.result.refundedCents, 1500);

  const minted = await fetch(`${url}/api/v1/tokens`, {
    method: "POST",
    headers: session,
    body: JSON.stringify({ name: "package test" }),
  });
  assert.equal(minted.status, 201);
  const { token } = (await minted.json()) as { token: string };

  const cli = await sh(
    "npx",
    [
      "airlock",
      "run",
      "issue_refund",
      "--param",
      "paymentId=pay_43",
      "--param",
      "amountCents=900",
      "--param",
      "customerEmail=al@example.com",
      "--reason",
      "Goodwill after an outage",
      "--param",
      "memo=Goodwill after an outage",
    ],
    project,
    { AIRLOCK_URL: url, AIRLOCK_TOKEN: token },
  );
  assert.equal(cli.code, 0, cli.err);
  assert.match(cli.out, /^succeeded {2}run run_/);

  const against = await sh("npx", ["airlock", "check", "--against", url, "--token", token], project);
  assert.equal(against.code, 0, against.err);
  assert.match(
    against.out,
    /Against http:\/\/127\.0\.0\.1:\d+ \(the actions its token may view\):\n {2}no changes/,
  );
});
