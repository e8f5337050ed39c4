// A workflow begun before action steps were their own checkpoint recorded each action step as an
// engine step named after it; the runner tells such a workflow apart by that record, and goes on
// the same way so that its replay matches.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DurableEngine } from "../../src/engine/durable-engine.ts";
import { recordsActionSteps } from "../../src/runbooks/runbook-runner.ts";

const engineRecording = (...names: string[]) =>
  ({ recordedNames: async () => new Set(names) }) as unknown as DurableEngine;
const steps = (...names: string[]) =>
  new Map(names.map((name) => [name, { status: "succeeded" as const, runId: `run_${name}`, waited: false }]));

test("a workflow that recorded an action step under its own name is one begun before; today's records never do", async () => {
  assert.equal(await recordsActionSteps(engineRecording("entry", "check"), "wf", steps("entry")), true);
  // Today an action step records nothing of its own, only its waits (`<name>.check1`, DBOS.recv).
  assert.equal(
    await recordsActionSteps(
      engineRecording("DBOS.recv", "big.check1", "noted"),
      "wf",
      steps("big", "small"),
    ),
    false,
  );
  assert.equal(await recordsActionSteps(engineRecording(), "wf", steps("entry")), false);
});
