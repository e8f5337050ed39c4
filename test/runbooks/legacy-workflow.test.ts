// A workflow begun before action steps were their own checkpoint recorded each action step as an
// engine step named after it; one begun before a human step's look waited inside itself recorded
// a message wait after the look. The runner tells such workflows apart by those records, and goes
// on the same way so that their replay matches.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DurableEngine } from "../../src/engine/durable-engine.ts";
import { recvAfterLook } from "../../src/runbooks/runbook-input.ts";
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

const engineOperations = (...names: string[]) =>
  ({
    recordedOperations: async () => names.map((name, i) => ({ functionId: i + 1, name })),
  }) as unknown as DurableEngine;

test("a workflow whose human step recorded a message wait after its first look is one begun before; today's looks wait inside", async () => {
  assert.equal(
    await recvAfterLook(engineOperations("input", "input.check1", "DBOS.recv", "DBOS.sleep"), "wf", "input"),
    true,
  );
  // Today a look waits inside itself: the next operation is the next look, or the next step.
  assert.equal(
    await recvAfterLook(engineOperations("input", "input.check1", "input.check2"), "wf", "input"),
    false,
  );
  // An action step's wait for its run is a message wait too, but not after this step's look.
  assert.equal(
    await recvAfterLook(
      engineOperations("big.check1", "DBOS.recv", "input", "input.check1", "after"),
      "wf",
      "input",
    ),
    false,
  );
  assert.equal(await recvAfterLook(engineOperations(), "wf", "input"), false, "a step not begun yet");
});
