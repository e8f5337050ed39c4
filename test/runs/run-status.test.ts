import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { newId } from "../../src/ids/ids.ts";
import { insertRun, transitionRun } from "../../src/runs/run-lifecycle-sql.ts";
import {
  canTransition,
  FINAL_STATUSES,
  INITIAL_STATUSES,
  RUN_STATUSES,
  type RunStatus,
  TRANSITIONS,
} from "../../src/runs/run-status.ts";
import { type Database, openDatabase } from "../../src/store/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { createUser } from "../support/users.ts";

// Nothing classified: the property is about statuses, not values.
const UNCLASSIFIED = { action: { piiParams: [], piiOutput: [] }, keyring: null };

let db: TestDatabase;
let app: Database;
let actorId: string;

before(async () => {
  db = await createTestDatabase();
  app = openDatabase({ url: db.url, max: 4 });
  actorId = (await createUser(app.pool)).id;
});
after(async () => {
  await app.close();
  await db.drop();
});

test("the table: final statuses have no way out, every status is reachable from an initial one", () => {
  assert.deepEqual([...FINAL_STATUSES].sort(), ["cancelled", "expired", "failed", "rejected", "succeeded"]);
  const reachable = new Set<RunStatus>(INITIAL_STATUSES);
  for (let changed = true; changed; ) {
    changed = false;
    for (const from of [...reachable])
      for (const to of TRANSITIONS[from]) if (!reachable.has(to)) changed = reachable.add(to) !== null;
  }
  assert.deepEqual([...reachable].sort(), [...RUN_STATUSES].sort());
  assert.equal(canTransition("succeeded", "running"), false);
  assert.equal(canTransition("pending_approval", "running"), false, "approval cannot be skipped");
});

test("10,000 random events against real rows: only allowed transitions happen, and each exactly as modelled", async (t) => {
  const status = fc.constantFrom(...RUN_STATUSES);
  // Half the events try a legal next step (so runs travel the whole table), half anything at all.
  const event = fc.record({
    claimedFrom: status,
    to: status,
    honest: fc.boolean(),
    legal: fc.boolean(),
    pick: fc.nat(),
  });
  let events = 0;
  let moved = 0;
  let refusedIllegal = 0;
  let lostRace = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...INITIAL_STATUSES),
      fc.array(event, { minLength: 20, maxLength: 40 }),
      async (initial, sequence) => {
        const id = newId("run");
        await insertRun(app.pool, UNCLASSIFIED, {
          id,
          action: "prop",
          actionVersion: "v",
          status: initial,
          actorId,
          onBehalfOf: null,
          channel: "api",
          targetType: null,
          targetId: null,
          params: {},
          paramsHash: "h",
          reason: null,
          requestId: "req_prop",
          parentRequestId: null,
          idempotencyKey: null,
          authorizedBy: null,
          approvalRequestId: null,
        });
        let model: RunStatus = initial;
        for (const step of sequence) {
          events++;
          // An honest caller names the current status; a stale one names some other status.
          const from = step.honest ? model : step.claimedFrom;
          const next = TRANSITIONS[from];
          const to = step.legal && next.length > 0 ? next[step.pick % next.length]! : step.to;
          if (!canTransition(from, to)) {
            await assert.rejects(transitionRun(app.pool, id, from, to), /cannot move/);
            refusedIllegal++;
          } else {
            const ok = await transitionRun(app.pool, id, from, to);
            assert.equal(ok, from === model, `compare-and-set from ${from} while the run is ${model}`);
            if (ok) {
              model = to;
              moved++;
            } else lostRace++;
          }
          const row = await app.pool.query("SELECT status FROM airlock.runs WHERE id = $1", [id]);
          assert.equal(row.rows[0].status, model);
        }
      },
    ),
    { numRuns: 400 },
  );
  t.diagnostic(
    `${events} events: ${moved} transitions, ${refusedIllegal} illegal refused, ${lostRace} stale compare-and-sets lost`,
  );
  assert.ok(events >= 10_000, `at least 10,000 events (${events})`);
  assert.ok(moved > 0 && refusedIllegal > 0 && lostRace > 0, "every kind of event happened");
});

test("a run cannot be created in a non-initial status", async () => {
  await assert.rejects(
    insertRun(app.pool, UNCLASSIFIED, {
      id: newId("run"),
      action: "prop",
      actionVersion: "v",
      status: "succeeded",
      actorId,
      onBehalfOf: null,
      channel: "api",
      targetType: null,
      targetId: null,
      params: {},
      paramsHash: "h",
      reason: null,
      requestId: "r",
      parentRequestId: null,
      idempotencyKey: null,
      authorizedBy: null,
      approvalRequestId: null,
    }),
    /cannot start in status succeeded/,
  );
});
