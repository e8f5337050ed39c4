// The process that is killed in `bench/engines.ts`: it starts one workflow (DBOS) or takes one
// job (pg-boss), prints `{"inside": id}` once the work is inside its second step, and hangs there
// until it is killed with SIGKILL.
import pino from "pino";
import { acquireDurableEngine, type DurableEngine } from "../src/engine/durable-engine.ts";
import { startEngine } from "../src/engine/engine.ts";

const [kind, url, id] = process.argv.slice(2) as ["dbos" | "pgboss", string, string];
const log = pino({ level: "warn" });

if (kind === "dbos") {
  let engine: DurableEngine | null = null;
  engine = await acquireDurableEngine({
    url,
    log,
    workflows: {
      "bench.recoverable": async () => {
        await engine!.step("one", async () => 1);
        await engine!.step("two", async () => {
          console.log(JSON.stringify({ inside: id }));
          await new Promise(() => {});
        });
        return "done";
      },
    },
  });
  console.log(JSON.stringify({ ready: engine.executorId }));
  await engine.start("bench.recoverable", id, null);
} else {
  const engine = await startEngine({
    url,
    log,
    queues: [{ name: "bench.recover", heartbeatSeconds: 10, expireInSeconds: 900, retryLimit: 3 }],
  });
  console.log(JSON.stringify({ ready: "pgboss" }));
  await engine.work<{ id: string }>("bench.recover", { concurrency: 1 }, async (job) => {
    console.log(JSON.stringify({ inside: job.data.id }));
    await new Promise(() => {});
  });
}
