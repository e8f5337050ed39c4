// `airlock init` and `airlock check` as an engineer meets them: init merges into an existing
// project and never overwrites; check points at the line of each mistake and exits 1, and with
// --against lists what a changed workspace would change on a running server.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type Listening, listen } from "../../src/server/serve.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

const SDK = join(import.meta.dirname, "..", "..", "src", "sdk", "index.ts");
const dir = mkdtempSync(join(tmpdir(), "airlock-init-check-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The scaffolded workspace, importing the SDK from this repository (no package installed here). */
function scaffolded(): string {
  return readFileSync(
    join(import.meta.dirname, "..", "..", "templates", "init", "airlock.config.ts"),
    "utf8",
  ).replace('from "airlock"', `from ${JSON.stringify(SDK)}`);
}

test("init merges into an existing project, and refuses to overwrite", async () => {
  const project = join(dir, "existing");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "ops", scripts: { test: "vitest" } }));
  writeFileSync(join(project, ".gitignore"), "dist");
  const first = await runAirlock(["init", project]);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /created .*airlock\.config\.ts/);
  assert.match(first.out, /added scripts dev, check, start to .*package\.json/);
  assert.match(first.out, /kept your "test" script/);
  const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
  assert.deepEqual(pkg.scripts, {
    test: "vitest",
    dev: "airlock dev",
    check: "airlock check",
    start: "airlock start",
  });
  assert.equal(pkg.type, "module");
  assert.equal(readFileSync(join(project, ".gitignore"), "utf8"), "dist\nnode_modules/\n.airlock/\n");

  writeFileSync(join(project, "airlock.config.ts"), "// mine\n");
  const second = await runAirlock(["init", project]);
  assert.equal(second.code, 1);
  assert.match(
    second.err,
    /airlock\.config\.ts, .*test\/airlock\.test\.ts already exist; nothing was written/,
  );
  assert.equal(readFileSync(join(project, "airlock.config.ts"), "utf8"), "// mine\n");
});

test("check lists every problem with the file and line of its definition, and exits 1", async () => {
  const config = join(dir, "broken.config.ts");
  const text = scaffolded()
    .replace('title: "Issue a refund",', 'title: "",')
    .replace('verbs: ["view", "run", "approve"]', 'verbs: ["view", "run", "approve", "fly"]');
  writeFileSync(config, text);
  const lines = text.split("\n");
  const actionLine = lines.findIndex((l) => l.startsWith("export const issueRefund = defineAction")) + 1;
  const workspaceLine = lines.findIndex((l) => l.startsWith("export default defineWorkspace(")) + 1;

  const res = await runAirlock(["check", "--config", config]);
  assert.equal(res.code, 1);
  const problems = res.err.trim().split("\n");
  assert.match(problems[0]!, /broken\.config\.ts: 3 problems$/);
  assert.match(
    problems[1]!,
    new RegExp(
      `broken\\.config\\.ts:${actionLine}: actions\\[0\\] \\(issue_refund\\): a title is required\\.$`,
    ),
  );
  assert.match(
    problems[2]!,
    new RegExp(`broken\\.config\\.ts:${workspaceLine}: grants\\[0\\]: "fly" is not a verb`),
  );
  // The action did not compile, so its tag is unknown too: said, and located at the workspace.
  assert.match(
    problems[3]!,
    new RegExp(`broken\\.config\\.ts:${workspaceLine}: grants\\[0\\]: no action has the tag "billing"`),
  );

  writeFileSync(config, `${scaffolded()}\nconst broken: number = ;\n`);
  const syntax = await runAirlock(["check", "--config", config]);
  assert.equal(syntax.code, 1);
  assert.match(syntax.err, /broken\.config\.ts:\d+: Could not load/);
});

let t: TestAirlock;
let server: Listening;
let viewer: TestUser;

before(async () => {
  // The running server serves the scaffolded workspace as it is.
  const config = join(dir, "deployed.config.ts");
  writeFileSync(config, scaffolded());
  const { default: deployed } = await import(config);
  t = await startTestAirlock({ workspace: deployed });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  viewer = await createUser(t.airlock.database.pool, { groups: ["support"] });
});
after(async () => {
  await server?.close(100);
  await t?.close();
});

test("check --against lists what the changed workspace would change on the running server", async () => {
  const config = join(dir, "changed.config.ts");
  const changed = scaffolded()
    .replace('title: "Issue a refund",', 'title: "Refund a payment",')
    .replace("quorum: 1,", "quorum: 2,")
    .replace('    memo: z.string().min(10).meta({ label: "Memo for the customer record" }),\n', "");
  writeFileSync(config, changed);
  const res = await runAirlock([
    "check",
    "--config",
    config,
    "--against",
    server.url,
    "--token",
    viewer.token,
  ]);
  assert.equal(res.code, 0, res.err);
  const section = res.out.slice(res.out.indexOf("Against "));
  assert.match(section, /~ issue_refund\n/);
  assert.match(section, / {6}title: "Issue a refund" → "Refund a payment"\n/);
  assert.match(section, / {6}policy large-refunds: enforce, quorum 1, .* → enforce, quorum 2, /);
  assert.match(section, / {6}param memo removed/);

  const bad = await runAirlock(["check", "--config", config, "--against", server.url, "--token", "nope"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--against: auth\./);
});
