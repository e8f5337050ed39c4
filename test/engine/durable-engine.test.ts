// The durable engine (DBOS behind Airlock's facade) against real PostgreSQL: steps run once and
// replay from their checkpoints; the process running a workflow is killed with SIGKILL inside a
// step, and this process (a live peer, found by its heartbeat) finishes the workflow, running the
// interrupted step again and the finished one never.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { acquireDurableEngine, type DurableEngine } from "../../src/engine/durable-engine.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { ownerClient } from "../../src/store/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let engine: DurableEngine;
let effects: pg.Pool;
/** test.held's step ends when the test lets it. */
let letGo!: () => void;
let held = new Promise<void>((resolve) => (letGo = resolve));

async function effect(step: string): Promise<void> {
  await effects.query("INSERT INTO test_effects (workflow_id, step, pid) VALUES ($1, $2, $3)", [
    engine.currentWorkflowId(),
    step,
    process.pid,
  ]);
}

before(async () => {
  db = await createTestDatabase();
  const owner = await ownerClient(db.url);
  await owner.query(
    "CREATE TABLE public.test_effects (workflow_id text, step text, pid int, at timestamptz DEFAULT clock_timestamp())",
  );
  await owner.end();
  effects = new pg.Pool({ connectionString: db.url, max: 2 });
  engine = await acquireDurableEngine({
    url: db.url,
    log: createLogger({ level: "silent" }),
    workflows: {
      "test.three-steps": async () => {
        for (const step of ["one", "two", "three"]) await engine.step(step, () => effect(step));
        return "finished";
      },
      "test.held": async (input) => {
        await engine.step("held", () => held);
        if ((input as { fail?: boolean } | null)?.fail) throw new Error("the held step's follow-up failed");
        return "released";
      },
    },
  });
});

after(async () => {
  await engine?.release();
  await effects?.end();
  await db?.drop();
});

async function effectsOf(workflowId: string): Promise<{ step: string; pid: number }[]> {
  const { rows } = await effects.query(
    "SELECT step, pid FROM test_effects WHERE workflow_id = $1 ORDER BY at",
    [workflowId],
  );
  return rows;
}

describe("durable engine", () => {
  test("a workflow's steps run once each and it returns its result", async () => {
    const handle = await engine.start("test.three-steps", "wf-plain", null);
    assert.equal(await handle.result(), "finished");
    // Starting the same id again is the same workflow: no step runs again.
    const again = await engine.start("test.three-steps", "wf-plain", null);
    assert.equal(await again.result(), "finished");
    assert.deepEqual(
      (await effectsOf("wf-plain")).map((e) => e.step),
      ["one", "two", "three"],
    );
  });

  test("the end of a workflow this process started is awaited by its id without reading the workflow's row; its error and a timeout are answered as DBOS answers them", async () => {
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const text = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string } | null)?.text;
      if (text) sent.push(text);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      await engine.start("test.held", "wf-held", null);
      const ended = engine.result("wf-held", 30);
      assert.equal(await engine.result("wf-held", 0.05), null, "still running: the short wait times out");
      await new Promise((resolve) => setTimeout(resolve, 200));
      letGo();
      assert.equal(await ended, "released");
      // DBOS's read of a workflow's end (its status with its output), made until it has ended.
      const reads = sent.filter((text) => text.includes("COALESCE(wo.output, ws.output)"));
      assert.deepEqual(reads, [], "no read of the workflow's row while waiting for it");
    } finally {
      pg.Client.prototype.query = query;
    }
    // Ended, its result is read from its row (as for a workflow started elsewhere).
    assert.equal(await engine.result("wf-held", 5), "released");
    held = Promise.resolve();
    await engine.start("test.held", "wf-held-fails", { fail: true });
    await assert.rejects(engine.result("wf-held-fails", 30), /follow-up failed/);
  });

  test("a second process on another database is refused, naming the rule", async () => {
    await assert.rejects(
      acquireDurableEngine({ url: `${db.url}_other`, log: createLogger({ level: "silent" }), workflows: {} }),
      /one database per process/,
    );
  });

  test("kill -9 inside a step: a live peer finishes the workflow; done steps are not repeated", async () => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, "durable-victim.ts"), db.url, "wf-killed"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    await new Promise<void>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (chunk) => {
        out += String(chunk);
        if (out.includes('"inside"')) resolve();
      });
      child.once("exit", (code) => reject(new Error(`victim exited early (${code})`)));
    });
    const killedAt = Date.now();
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    let state = await engine.state("wf-killed");
    while (state?.status !== "SUCCESS") {
      assert.ok(Date.now() - killedAt < 30_000, `not recovered within 30 s (status ${state?.status})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = await engine.state("wf-killed");
    }
    const recoveredMs = Date.now() - killedAt;
    console.log(`durable engine: kill -9 → finished by a peer in ${recoveredMs} ms`);
    assert.equal(state.executorId, engine.executorId);
    const steps = await effectsOf("wf-killed");
    // "one" ran once, in the victim; "two" ran in the victim (interrupted) and again here; "three" here.
    assert.deepEqual(
      steps.map((e) => [e.step, e.pid === child.pid ? "victim" : "peer"]),
      [
        ["one", "victim"],
        ["two", "victim"],
        ["two", "peer"],
        ["three", "peer"],
      ],
    );
  });
});
