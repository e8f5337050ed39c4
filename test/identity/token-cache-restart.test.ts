// The token cache across a PostgreSQL crash: a token revoked while this server's connections
// were dead (the moment a notification-based cache would miss the change) is refused on the first
// request that reaches the database again, never served from memory.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { migrationSourcesFor } from "../../src/runtime/airlock.ts";
import { prepareDatabase } from "../../src/runtime/prepare-database.ts";
import { ownerClient } from "../../src/store/database.ts";
import { compileWorkspace } from "../../src/workspace/compile-workspace.ts";
import { type OwnPostgres, sleep, startOwnPostgres } from "../reliability/cluster.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser } from "../support/users.ts";
import { demoLikeWorkspace } from "./demo-like-workspace.ts";

let database: OwnPostgres | null = null;
let t: TestAirlock | null = null;
after(async () => {
  await t?.airlock.close();
  await database?.remove();
});

test("a token revoked while the server's connections were down is refused once they are back", async () => {
  database = await startOwnPostgres();
  await prepareDatabase(database.url, migrationSourcesFor(compileWorkspace(demoLikeWorkspace)));
  t = await startTestAirlock({
    workspace: demoLikeWorkspace,
    database: { name: "airlock", url: database.url, drop: async () => {} },
  });
  const user = await createUser(t.airlock.database.pool, { groups: ["support"] });
  const me = () => t!.request("/api/v1/me", { headers: { authorization: `Bearer ${user.token}` } });
  const run = () => t!.post("/api/v1/actions/lookup_account/runs", { params: {} }, user.headers);
  assert.equal((await me()).status, 200);
  assert.equal((await me()).status, 200);
  assert.equal((await run()).status, 200);

  await database.kill9();
  await database.start();
  const owner = await ownerClient(database.url);
  try {
    await owner.query("UPDATE airlock.api_tokens SET revoked_at = now() WHERE user_id = $1", [user.id]);
  } finally {
    await owner.end();
  }

  // Pooled connections that died with the server answer 503 until the pool has replaced them;
  // what must never come back is a 200.
  // The run first: its cached principal is checked inside the run's transaction (token-cache.ts).
  for (const attempt of [run, me]) {
    let status = 503;
    for (let i = 0; i < 50 && status === 503; i++) {
      status = (await attempt()).status;
      if (status === 503) await sleep(100);
    }
    assert.equal(status, 401);
  }
});
