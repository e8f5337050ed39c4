// Where a retried runbook run's new workflow starts: after the last operation of the steps before
// the one to run again, whatever the engine's own operations and inline action steps around them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { forkPoint } from "../../src/runbooks/runbook-fork.ts";

const ops = (...names: string[]) => names.map((name, functionId) => ({ functionId, name }));
/** The run's steps in order, those before `from` marked earlier. */
const steps = (names: string[], from: string) =>
  names.map((name, i) => ({ name, earlier: i < names.indexOf(from) }));

test("the fork starts after the last operation of an earlier step, keeping a waited step's messages", () => {
  // add (inline, no operation), check (a step), big (held: recv then its check), then a failed
  // step `late`, and the runbook's end.
  const operations = ops("check", "DBOS.recv", "big.check1", "DBOS.recv", "late.check1", "airlock.fail");
  const all = ["add", "check", "big", "late"];
  assert.equal(forkPoint(operations, steps(all, "late")), 3);
  assert.equal(forkPoint(operations, steps(all, "big")), 1, "the held step's wait runs again");
  assert.equal(
    forkPoint(operations, steps(all, "check")),
    0,
    "an inline action step has no operation to keep",
  );
  assert.equal(forkPoint(operations, steps(all, "add")), 0);
});

test("a step named like another's prefix owns only its own operations; the runbook's end belongs to none", () => {
  const operations = ops("a", "a.b", "a.b.check1", "airlock.fail");
  assert.equal(forkPoint(operations, steps(["a", "a.b"], "a.b")), 1);
  assert.equal(forkPoint(operations, steps(["airlock", "a", "a.b", "z"], "z")), 3);
});

test("a sleep's operations (its start, the engine's sleep, its end) are kept whole", () => {
  const operations = ops("pause", "DBOS.sleep", "pause.end", "next");
  assert.equal(forkPoint(operations, steps(["pause", "next"], "next")), 3);
});
