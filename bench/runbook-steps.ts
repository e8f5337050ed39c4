// Airlock's runbooks beside DBOS's bare workflows, measured in one run on one PostgreSQL: a
// 10-step runbook of no-op governed action steps (each step a run through the control layer:
// grants, validation, idempotency key, run row, audit events), the gap between one action step's
// handler returning and the next one's starting (same process: the step's commit, DBOS's
// checkpoint, the next step's control pipeline), and a human step's answer → the next step
// started, answered in the runbook's own process and in another Airlock process (the answer is the
// one step whose hand-off crosses processes: the runbook's workflow stays in the process that runs
// it, and the answering process wakes it through the engine's message).
//
// Used by `npm run bench` (section `runbooks`, through `benchRunbooks`: the whole section in a
// child process, since DBOS is one per process) and by `npm run bench:engines` (`measureRunbooks`,
// in that bench's process after its own DBOS rows).
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type pg from "pg";
import pino from "pino";
import { loadConfig } from "../src/config/config.ts";
import { loadPrincipal } from "../src/identity/load-principal.ts";
import { newId } from "../src/ids/ids.ts";
import { createLogger } from "../src/observe/logger.ts";
import { type Airlock, createAirlock, migrationSourcesFor } from "../src/runtime/airlock.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { defineAction, defineRunbook, defineWorkspace, z } from "../src/sdk/index.ts";
import { compileWorkspace } from "../src/workspace/compile-workspace.ts";
import { createBenchUser } from "./lib/bench-user.ts";
import { startJsonChild, stopChild } from "./lib/child.ts";
import { round, summarize } from "./lib/stats.ts";

/** One monotonic clock for every process of the machine (CLOCK_MONOTONIC): marks compare across processes. */
export const now = () => Number(process.hrtime.bigint()) / 1e6;
type Stat = { n: number; p50: number; p99: number; max: number };
const stat = (samples: number[]): Stat => {
  const s = summarize(samples);
  return { n: s.n, p50: round(s.p50), p99: round(s.p99), max: round(s.max) };
};

export interface RunbookFigures {
  tenActionSteps: Stat;
  stepToNextStepSameProcess: Stat;
  humanAnswerToNextStep: { sameProcess: Stat; anotherProcess: Stat };
  /** The answer's row written → the next step's row started, both on the database's clock. */
  answerRecordedToNextStep: { sameProcess: Stat; anotherProcess: Stat };
}

export interface RunbookSection extends RunbookFigures {
  dbos: { oneStep: Stat; tenSteps: Stat };
}

export interface RunbookHooks {
  marks: { start: number; end: number }[];
  afterAnswer: (() => void) | null;
}

/** The bench's workspace; the hooks record when steps run in this process (the peer ignores them). */
export function runbookBenchWorkspace(hooks: RunbookHooks) {
  const noop = defineAction({
    name: "bench_noop",
    title: "No-op",
    execution: "inline",
    params: z.object({ i: z.number().int() }),
    async handler(p) {
      hooks.marks.push({ start: now(), end: 0 });
      const result = { i: p.i };
      hooks.marks.at(-1)!.end = now();
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
        hooks.afterAnswer?.();
        return 1;
      });
    },
  });
  return compileWorkspace(
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
}

export async function openBenchAirlock(url: string, hooks: RunbookHooks): Promise<Airlock> {
  const log = createLogger({
    level: "warn",
    destination: pino.destination({ dest: "/dev/null", sync: true }),
  });
  const config = loadConfig({ DATABASE_URL: url, AIRLOCK_DEMO: "0", AIRLOCK_WORKER_CONCURRENCY: "0" });
  return await createAirlock({ config, workspace: runbookBenchWorkspace(hooks), databaseUrl: url, log });
}

/**
 * The peer: another Airlock process on the same database that answers human steps when told (one
 * JSON line in on stdin, one out on stdout; lines that are not JSON objects are passed to stderr).
 */
async function startPeer(url: string) {
  const child = spawn(process.execPath, [join(import.meta.dirname, "runbook-process.ts"), "peer"], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    for (;;) {
      const line = await lines.next();
      if (line.done) throw new Error("the runbooks bench's peer process exited");
      if (String(line.value).startsWith("{")) return JSON.parse(String(line.value));
      process.stderr.write(`${line.value}\n`);
    }
  };
  await next(); // { ready: true }
  return { child, next };
}

export async function measureRunbooks(url: string, options: { quick: boolean }): Promise<RunbookFigures> {
  const hooks: RunbookHooks = { marks: [], afterAnswer: null };
  await prepareDatabase(url, migrationSourcesFor(runbookBenchWorkspace(hooks)));
  const airlock = await openBenchAirlock(url, hooks);
  let peer: ChildProcess | null = null;
  try {
    const pool = airlock.database.pool;
    const userId = await createBenchUser(pool);
    const principal = (await loadPrincipal(pool, userId, "session"))!;
    const engine = airlock.runbooks.engine()!;
    const run = async (name: string) => (await airlock.runbooks.start(principal, name, {}, newId("req"))).id;

    const tenSteps: number[] = [];
    const gaps: number[] = [];
    const rounds = options.quick ? 20 : 50;
    for (let i = 0; i < rounds + 3; i++) {
      hooks.marks.length = 0;
      const t0 = now();
      const id = await run("bench_ten");
      // The runbook's workflow runs in this process: its end is awaited on DBOS's own handle, as
      // DBOS's bare workflows above are (no read of the workflow's row until it has ended).
      await engine.result(id, 120);
      if (i < 3) continue; // warm-up
      tenSteps.push(now() - t0);
      for (let k = 1; k < hooks.marks.length; k++) gaps.push(hooks.marks[k]!.start - hooks.marks[k - 1]!.end);
    }

    const started = await startPeer(url);
    peer = started.child;
    const answeredElsewhere = async (id: string) => {
      peer!.stdin!.write(`${JSON.stringify({ id, userId })}\n`);
      const reply = (await started.next()) as { t0?: number; error?: string };
      if (reply.t0 === undefined) throw new Error(`the peer did not answer: ${reply.error}`);
      return reply.t0;
    };

    const answered = { same: [] as number[], other: [] as number[] };
    const recorded = { same: [] as number[], other: [] as number[] };
    const perSide = options.quick ? 10 : 20;
    for (let i = 0; i < perSide * 2 + 2; i++) {
      const where = i % 2 === 0 ? "same" : "other";
      const id = await run("bench_human");
      await waitForInput(pool, id);
      const next = new Promise<number>((resolve) => {
        hooks.afterAnswer = () => resolve(now());
      });
      let t0 = now();
      if (where === "same") await airlock.runbooks.answer(principal, id, "input", { ok: true });
      else t0 = await answeredElsewhere(id);
      const at = await next;
      hooks.afterAnswer = null;
      await engine.result(id, 60);
      if (i < 2) continue; // warm-up, one on each side
      answered[where].push(at - t0);
      const { rows } = await pool.query<{ gap_ms: number }>(
        `SELECT extract(epoch FROM (n.started_at - h.answered_at)) * 1000 AS gap_ms
           FROM airlock.runbook_steps h JOIN airlock.runbook_steps n ON n.runbook_run_id = h.runbook_run_id
          WHERE h.runbook_run_id = $1 AND h.name = 'input' AND n.name = 'after'`,
        [id],
      );
      recorded[where].push(Number(rows[0]!.gap_ms));
    }
    return {
      tenActionSteps: stat(tenSteps),
      stepToNextStepSameProcess: stat(gaps),
      humanAnswerToNextStep: { sameProcess: stat(answered.same), anotherProcess: stat(answered.other) },
      answerRecordedToNextStep: { sameProcess: stat(recorded.same), anotherProcess: stat(recorded.other) },
    };
  } finally {
    if (peer) {
      peer.stdin?.end();
      await stopChild(peer);
    }
    await airlock.close();
  }
}

export async function waitForInput(pool: pg.Pool, id: string) {
  for (;;) {
    const { rows } = await pool.query(
      "SELECT 1 FROM airlock.runbook_steps WHERE runbook_run_id = $1 AND name = 'input' AND status = 'waiting'",
      [id],
    );
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * `npm run bench`'s runbooks section: DBOS's bare 1-step and 10-step workflows and Airlock's
 * runbook figures, measured in one child process (its own DBOS) on `url`, then printed with the
 * goals as ratios. `report` gets one line at a time.
 */
export async function benchRunbooks(
  url: string,
  options: { quick: boolean; report: (line: string) => void },
): Promise<RunbookSection & { goals: Record<string, number> }> {
  const { child, info } = await startJsonChild<RunbookSection>(
    join(import.meta.dirname, "runbook-process.ts"),
    ["section", ...(options.quick ? ["--quick"] : [])],
    { DATABASE_URL: url },
  );
  await stopChild(child);
  return { ...info, goals: reportRunbookSection(info, options.report) };
}

/** Print the section's lines, each goal as a ratio and a verdict; returns the goals used. */
export function reportRunbookSection(r: RunbookSection, report: (line: string) => void) {
  const goals = {
    tenStepsMs: 30,
    stepToStepSameProcessMs: 2,
    handOffAnotherProcessMs: 10,
    answerToNextStepMs: 50,
  };
  const verdict = (value: number, goal: number) =>
    `${round(value / goal, 2)}× the goal, ${value <= goal ? "met" : "NOT met"}`;
  const s = (x: Stat) => `p50 ${x.p50} ms p99 ${x.p99} ms (n ${x.n})`;
  report(`DBOS bare workflow: 1 no-op step ${s(r.dbos.oneStep)}; 10 no-op steps ${s(r.dbos.tenSteps)}`);
  report(
    `runbook of 10 governed no-op action steps: ${s(r.tenActionSteps)} — goal p50 ≤ ${goals.tenStepsMs} ms: ${verdict(r.tenActionSteps.p50, goals.tenStepsMs)}; goal ≤ DBOS 10-step p50 ${r.dbos.tenSteps.p50} ms: ${verdict(r.tenActionSteps.p50, r.dbos.tenSteps.p50)}`,
  );
  report(
    `action step → next step, same process: ${s(r.stepToNextStepSameProcess)} — goal p50 ≤ ${goals.stepToStepSameProcessMs} ms: ${verdict(r.stepToNextStepSameProcess.p50, goals.stepToStepSameProcessMs)}`,
  );
  const recorded = r.answerRecordedToNextStep;
  report(
    `human step answer recorded → next step started (database clock): same process ${s(recorded.sameProcess)}; answered in another process ${s(recorded.anotherProcess)} — goal hand-off to another process p50 ≤ ${goals.handOffAnotherProcessMs} ms: ${verdict(recorded.anotherProcess.p50, goals.handOffAnotherProcessMs)}`,
  );
  const answered = r.humanAnswerToNextStep;
  report(
    `human step answer call → next step started: same process ${s(answered.sameProcess)}; another process ${s(answered.anotherProcess)} — goal p50 ≤ ${goals.answerToNextStepMs} ms: same ${verdict(answered.sameProcess.p50, goals.answerToNextStepMs)}, another ${verdict(answered.anotherProcess.p50, goals.answerToNextStepMs)}`,
  );
  return goals;
}
