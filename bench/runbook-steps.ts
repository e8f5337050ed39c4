// Airlock's runbooks, measured in the engines bench beside DBOS's bare workflows: a 10-step
// runbook of no-op governed action steps (each step a run through the control layer: grants,
// validation, idempotency key, run row, audit events), the gap between one action step's handler
// returning and the next one's starting (same process: the step's commit, DBOS's checkpoint, the
// next step's control pipeline), and a human step's answer → the next step started.
import pino from "pino";
import { loadConfig } from "../src/config/config.ts";
import { loadPrincipal } from "../src/identity/load-principal.ts";
import { newId } from "../src/ids/ids.ts";
import { createLogger } from "../src/observe/logger.ts";
import { createAirlock, migrationSourcesFor } from "../src/runtime/airlock.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { defineAction, defineRunbook, defineWorkspace, z } from "../src/sdk/index.ts";
import { compileWorkspace } from "../src/workspace/compile-workspace.ts";
import { round, summarize } from "./lib/stats.ts";

const now = () => Number(process.hrtime.bigint()) / 1e6;
const stat = (samples: number[]) => {
  const s = summarize(samples);
  return { n: s.n, p50: round(s.p50), p99: round(s.p99), max: round(s.max) };
};

export async function measureRunbooks(url: string, options: { quick: boolean; dbosTenStepsP50: number }) {
  const marks: { start: number; end: number }[] = [];
  let afterAnswer: (() => void) | null = null;
  const noop = defineAction({
    name: "bench_noop",
    title: "No-op",
    execution: "inline",
    params: z.object({ i: z.number().int() }),
    async handler(p) {
      marks.push({ start: now(), end: 0 });
      const result = { i: p.i };
      marks.at(-1)!.end = now();
      return result;
    },
  });
  const ten = defineRunbook({
    name: "bench_ten",
    title: "Ten no-op action steps",
    params: z.object({}),
    uses: ["bench_noop"],
    async handler(rb) {
      for (let i = 0; i < 10; i++) await rb.run("bench_noop", { i }, { step: `s${i}` });
    },
  });
  const human = defineRunbook({
    name: "bench_human",
    title: "A human step, then a step",
    params: z.object({}),
    uses: [],
    async handler(rb) {
      await rb.input(z.object({ ok: z.boolean() }), { assignee: { group: "bench" }, title: "Go?" });
      await rb.step("after", async () => {
        afterAnswer?.();
        return 1;
      });
    },
  });
  const workspace = compileWorkspace(
    defineWorkspace({
      name: "bench-runbooks",
      actions: [noop],
      runbooks: [ten, human],
      roles: { bench: { groups: ["bench"] } },
      grants: [
        { to: "bench", verbs: ["view", "run"], on: { action: "bench_noop" } },
        { to: "bench", verbs: ["view", "run"], on: { runbook: "bench_ten" } },
        { to: "bench", verbs: ["view", "run"], on: { runbook: "bench_human" } },
      ],
    }),
  );
  await prepareDatabase(url, migrationSourcesFor(workspace));
  const log = createLogger({
    level: "warn",
    destination: pino.destination({ dest: "/dev/null", sync: true }),
  });
  const config = loadConfig({ DATABASE_URL: url, AIRLOCK_DEMO: "0", AIRLOCK_WORKER_CONCURRENCY: "0" });
  const airlock = await createAirlock({ config, workspace, databaseUrl: url, log });
  try {
    const pool = airlock.database.pool;
    const userId = newId("usr");
    await pool.query("INSERT INTO airlock.users (id, kind, email, name) VALUES ($1, 'human', $2, $2)", [
      userId,
      `${userId}@bench.local`,
    ]);
    await pool.query(
      "INSERT INTO airlock.groups (id, name, source) VALUES ($1, 'bench', 'admin') ON CONFLICT (name) DO NOTHING",
      [newId("grp")],
    );
    await pool.query(
      "INSERT INTO airlock.group_members (group_id, user_id) SELECT id, $1 FROM airlock.groups WHERE name = 'bench'",
      [userId],
    );
    const principal = (await loadPrincipal(pool, userId, "session"))!;
    const engine = airlock.runbooks.engine()!;
    const run = async (name: string) => {
      const started = await airlock.runbooks.start(principal, name, {}, newId("req"));
      return started.id;
    };

    const tenSteps: number[] = [];
    const gaps: number[] = [];
    const rounds = options.quick ? 20 : 100;
    for (let i = 0; i < rounds + 3; i++) {
      marks.length = 0;
      const t0 = now();
      const id = await run("bench_ten");
      await engine.result(id, 120);
      if (i < 3) continue; // warm-up
      tenSteps.push(now() - t0);
      for (let k = 1; k < marks.length; k++) gaps.push(marks[k]!.start - marks[k - 1]!.end);
    }

    const answered: number[] = [];
    for (let i = 0; i < (options.quick ? 10 : 30); i++) {
      const id = await run("bench_human");
      for (;;) {
        const { rows } = await pool.query(
          "SELECT 1 FROM airlock.runbook_steps WHERE runbook_run_id = $1 AND name = 'input' AND status = 'waiting'",
          [id],
        );
        if (rows.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const next = new Promise<number>((resolve) => {
        afterAnswer = () => resolve(now());
      });
      const t0 = now();
      await airlock.runbooks.answer(principal, id, "input", { ok: true });
      answered.push((await next) - t0);
      afterAnswer = null;
      await engine.result(id, 60);
    }
    const result = {
      tenActionSteps: stat(tenSteps),
      dbosTenNoopStepsP50: options.dbosTenStepsP50,
      stepToNextStepSameProcess: stat(gaps),
      humanAnswerToNextStep: stat(answered),
    };
    console.log(
      "Airlock runbook, 10 governed action steps",
      result.tenActionSteps,
      `(DBOS 10 no-op steps p50 ${options.dbosTenStepsP50} ms)`,
    );
    console.log("Airlock runbook step → next step, same process", result.stepToNextStepSameProcess);
    console.log("Airlock runbook human answer → next step started", result.humanAnswerToNextStep);
    return result;
  } finally {
    await airlock.close();
  }
}
