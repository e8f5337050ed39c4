// A process that runs one durable workflow and is killed inside its second step
// (test/engine/durable-engine.test.ts). It records each step body's execution in `test_effects`.
import pg from "pg";
import { acquireDurableEngine, type DurableEngine } from "../../src/engine/durable-engine.ts";
import { createLogger } from "../../src/observe/logger.ts";

const [url, workflowId] = process.argv.slice(2) as [string, string];
const effects = new pg.Pool({ connectionString: url, max: 2 });
effects.on("error", () => {});
let engine: DurableEngine | null = null;
engine = await acquireDurableEngine({
  url,
  log: createLogger({ level: "silent" }),
  workflows: {
    "test.three-steps": async () => {
      for (const step of ["one", "two", "three"]) {
        await engine!.step(step, async () => {
          await effects.query("INSERT INTO test_effects (workflow_id, step, pid) VALUES ($1, $2, $3)", [
            engine!.currentWorkflowId(),
            step,
            process.pid,
          ]);
          if (step === "two") {
            console.log(JSON.stringify({ inside: "two" }));
            await new Promise(() => {});
          }
        });
      }
      return "finished";
    },
  },
});
await engine.start("test.three-steps", workflowId, null);
