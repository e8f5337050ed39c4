// `airlock users` and `airlock tokens` act through the HTTP API of a running server, with an API
// token: the same checks as every other client.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliIo, main } from "../../src/cli/main.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { Browser } from "../support/browser.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createPasswordUser, createUser, type TestUser } from "../support/users.ts";
import { demoLikeWorkspace } from "./demo-like-workspace.ts";

let t: TestAirlock;
let server: Listening;
let admin: TestUser;
let support: TestUser;

before(async () => {
  t = await startTestAirlock({ workspace: demoLikeWorkspace });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  admin = await createUser(t.airlock.database.pool, { groups: ["admins"] });
  support = await createUser(t.airlock.database.pool, { groups: ["support"] });
});
after(async () => {
  await server.close(0);
  await t.close();
});

async function cli(args: string[], token: string = admin.token) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: token },
  };
  const code = await main(args, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** The real binary, for reading a password from standard input. */
function cliProcess(
  args: string[],
  stdin: string,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, "..", "..", "bin", "airlock.js"), ...args],
    {
      env: { PATH: process.env.PATH ?? "", AIRLOCK_URL: server.url, AIRLOCK_TOKEN: admin.token },
    },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out, err })));
}

describe("airlock users", () => {
  test("add invites the person by email (no password is ever typed by the admin); list shows them as invited", async () => {
    const added = await cliProcess(
      ["users", "add", "--email", "cli.user@test.airlock", "--name", "CLI User", "--group", "support"],
      "",
    );
    assert.equal(added.code, 0, added.err);
    assert.match(
      added.out,
      /^Created cli\.user@test\.airlock \(usr_\w+\); an invitation link to set their password was emailed to them\./,
    );
    const refused = await cliProcess(
      ["users", "add", "--email", "p@test.airlock", "--name", "P", "--password-stdin"],
      "x\n",
    );
    assert.equal(refused.code, 2);
    assert.match(refused.err, /Unknown option '--password-stdin'/);

    const list = await cli(["users", "list"]);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^EMAIL \/ NAME\s+STATUS\s+GROUPS\s+SIGN-IN\s+ID/);
    assert.match(list.out, /cli\.user@test\.airlock\s+active\s+support\s+invited\s+usr_/);
    assert.match(list.out, /nightly-fraud-check \(service\)/);
    const json = await cli(["users", "list", "--json"]);
    assert.ok(JSON.parse(json.out).users.length >= 3);
  });

  test("add --sso is SSO-only; mistakes are exit 2 or the API's refusal", async () => {
    const sso = await cli(["users", "add", "--email", "sso.cli@test.airlock", "--name", "SSO", "--sso"]);
    assert.equal(sso.code, 0, sso.err);
    assert.match(sso.out, /SSO sign-in only/);
    const dup = await cli(["users", "add", "--email", "sso.cli@test.airlock", "--name", "Again", "--sso"]);
    assert.equal(dup.code, 1);
    assert.match(dup.err, /^admin\.conflict: .*\(request /);
    assert.equal((await cli(["users", "add", "--email", "x@test.airlock"])).code, 2);
    assert.equal((await cli(["users", "frobnicate"])).code, 2);
    assert.equal((await cli(["users", "disable", "nobody@test.airlock"])).code, 2);
  });

  test("disable and enable by email; groups; add-to-group and remove-from-group", async () => {
    const user = await createUser(t.airlock.database.pool, { email: "member@test.airlock", groups: [] });
    const disabled = await cli(["users", "disable", "member@test.airlock"]);
    assert.equal(disabled.code, 0, disabled.err);
    assert.equal(disabled.out, "member@test.airlock is disabled.");
    assert.equal((await t.request("/api/v1/me", { headers: user.headers })).status, 401);
    const enabled = await cli(["users", "enable", user.id]);
    assert.equal(enabled.out, "member@test.airlock is active.");

    const groups = await cli(["users", "groups"]);
    assert.match(groups.out, /^GROUP\s+MEMBERS\s+ROLES\s+SSO ALIASES/);
    assert.match(groups.out, /support-managers\s+\d+\s+support-manager/);

    const added = await cli(["users", "add-to-group", "member@test.airlock", "ops"]);
    assert.equal(added.code, 0, added.err);
    const members = await t.airlock.database.pool.query(
      "SELECT g.name FROM airlock.group_members m JOIN airlock.groups g ON g.id = m.group_id WHERE m.user_id = $1",
      [user.id],
    );
    assert.deepEqual(
      members.rows.map((r) => r.name),
      ["ops"],
    );
    assert.equal((await cli(["users", "remove-from-group", "member@test.airlock", "ops"])).code, 0);
    assert.equal((await cli(["users", "add-to-group", "member@test.airlock", "no-such-group"])).code, 2);
  });

  test("a non-admin's token gets the API's refusal", async () => {
    const res = await cli(["users", "list"], support.token);
    assert.equal(res.code, 1);
    assert.match(res.err, /^permission\.denied: /);
  });
});

describe("airlock tokens", () => {
  test("list and revoke; create is refused with where to create one (a token cannot mint tokens)", async () => {
    const person = await createPasswordUser(t.airlock.database.pool, { groups: ["support"] });
    const browser = new Browser(t);
    assert.equal((await browser.login(person.email, person.password)).status, 200);
    const minted = await (
      await browser.request("/api/v1/tokens", { method: "POST", body: JSON.stringify({ name: "cli" }) })
    ).json();
    const created = await (
      await browser.request("/api/v1/tokens", { method: "POST", body: JSON.stringify({ name: "ci" }) })
    ).json();
    const token = created.token as string;
    assert.match(token, /^alk_/);

    const refused = await cli(["tokens", "create", "--name", "more", "--expires-in", "7d"], minted.token);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /web UI/);
    assert.equal(refused.out, "");

    const list = await cli(["tokens", "list"], minted.token);
    assert.match(list.out, /^ID\s+NAME\s+PREFIX\s+STATUS\s+LAST USED\s+EXPIRES/);
    assert.ok(!list.out.includes(token), "the token is never listed");
    assert.equal((list.out.match(/^tok_/gm) ?? []).length, 2, "no token was created by the refused create");
    const id = /^(tok_\S+)\s+ci\s/m.exec(list.out)?.[1];
    assert.equal(id, created.id, list.out);

    assert.equal((await cli(["tokens", "revoke", id!], minted.token)).out, `Revoked ${id}.`);
    assert.equal(
      (await t.request("/api/v1/me", { headers: { authorization: `Bearer ${token}` } })).status,
      401,
    );
    const again = await cli(["tokens", "revoke", id!], admin.token);
    assert.equal(again.code, 0, "an admin may revoke anyone's (already revoked: no change)");
    const stranger = await cli(["tokens", "revoke", id!], (await createUser(t.airlock.database.pool)).token);
    assert.equal(stranger.code, 1);
    assert.match(stranger.err, /^token\.not_found/);

    const all = await cli(["tokens", "list", "--all"], admin.token);
    assert.match(all.out, /USER/);
    assert.equal((await cli(["tokens", "list", "--all"], support.token)).code, 1);
  });
});
