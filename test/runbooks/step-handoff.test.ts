// Measured, not bounded: how long from a human step's answer to the runbook's next step starting,
// when the answer reaches the process running the runbook (same process) and when it reaches
// another process (whose commit of the answer wakes the runbook's process: a NOTIFY). Two Airlock
// processes on one database; each runbook is started on process A and answered on A or on B,
// alternately. The figures come from the database's own clock (the human step's `answered_at` →
// the action step's `started_at`) and are printed; the test asserts that every runbook finished
// with its action run once, its human step woken without an engine message.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { round, summarize } from "../../bench/lib/stats.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { until } from "../support/until.ts";
import { createUser, type TestUser } from "../support/users.ts";

const SCRIPT = join(import.meta.dirname, "handoff-process.ts");
const ROUNDS = 3;
let db: TestDatabase;
let pool: pg.Pool;
const children: ChildProcess[] = [];

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await pool?.end();
  await db?.drop();
});

function startProcess(url: string): Promise<string> {
  const child = spawn(process.execPath, [SCRIPT], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", DATABASE_URL: url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 150 s:\n${output}`)), 150_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += String(chunk);
      const url = /handoff process listening (\S+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      output += String(chunk);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) while starting:\n${output}`));
    });
  });
}

async function call(base: string, user: TestUser, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { ...user.headers, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked by the app against its schema
  return { status: response.status, body: (await response.json()) as any };
}

test("human step answered → next step started, on the runbook's process and from another process (figures printed); no engine message wakes it", async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  pool.on("error", () => {});
  const [a, b] = await Promise.all([startProcess(db.url), startProcess(db.url)]);
  const starter = await createUser(pool, { groups: ["ops"] });
  const answerer = await createUser(pool, { groups: ["ops"] });

  const gaps: Record<"same" | "other", number[]> = { same: [], other: [] };
  for (let i = 0; i < ROUNDS * 2; i++) {
    const where = i % 2 === 0 ? "same" : "other";
    const started = await call(a, starter, "/api/v1/runbooks/handoff/runs", { params: { i } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.id as string;
    await until("the human step", async () => {
      const { body } = await call(a, starter, `/api/v1/runbook-runs/${id}`);
      return body.steps?.some(
        (s: { name: string; status: string }) => s.name === "input" && s.status === "waiting",
      )
        ? true
        : undefined;
    });
    const answered = await call(
      where === "same" ? a : b,
      answerer,
      `/api/v1/runbook-runs/${id}/steps/input/answer`,
      {
        answer: { go: true },
      },
    );
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const done = await until("the runbook's end", async () => {
      const { body } = await call(a, starter, `/api/v1/runbook-runs/${id}`);
      return ["succeeded", "failed"].includes(body.status) ? body : undefined;
    });
    assert.equal(done.status, "succeeded", JSON.stringify(done.error));
    const { rows } = await pool.query<{ gap_ms: number }>(
      `SELECT extract(epoch FROM (n.started_at - h.answered_at)) * 1000 AS gap_ms
         FROM airlock.runbook_steps h JOIN airlock.runbook_steps n ON n.runbook_run_id = h.runbook_run_id
        WHERE h.runbook_run_id = $1 AND h.name = 'input' AND n.name = 'handoff_noop'`,
      [id],
    );
    gaps[where].push(Number(rows[0]!.gap_ms));
    // The human step's look waited for the answer's commit itself: the engine recorded the look,
    // no message received and no timed wait for one (DBOS's own table, read only).
    const waits = await pool.query<{ function_name: string }>(
      `SELECT function_name FROM dbos.operation_outputs
        WHERE workflow_uuid = $1 AND (function_name IN ('DBOS.recv', 'DBOS.sleep') OR function_name LIKE 'input.check%')`,
      [id],
    );
    const names = waits.rows.map((r) => r.function_name);
    assert.ok(names.length > 0 && names.every((name) => name.startsWith("input.check")), names.join(", "));
  }
  const runs = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM airlock.runs WHERE action = 'handoff_noop' AND status = 'succeeded'",
  );
  assert.equal(runs.rows[0]!.n, ROUNDS * 2, "each runbook's action ran once");
  for (const where of ["same", "other"] as const) {
    const s = summarize(gaps[where]);
    console.log(
      `# answer → next step started, answered on ${where === "same" ? "the runbook's process" : "another process"}: p50 ${round(s.p50)} ms, max ${round(s.max)} ms (n ${s.n}, loaded machine)`,
    );
  }
});
