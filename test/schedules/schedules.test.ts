// Schedules through the real HTTP app on real PostgreSQL: definition mistakes refused at load,
// each naming its schedule; the list with next ticks in the schedule's time zone; pause and resume
// by an admin only (audited, with who and why); a tick of a runbook schedule started as the
// service identity; and the CLI.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createApiToken } from "../../src/identity/api-tokens.ts";
import { loadServicePrincipal } from "../../src/identity/load-principal.ts";
import { tickKey } from "../../src/schedules/schedule-tick.ts";
import { LATE_TICK_MS, missedWhenLate } from "../../src/schedules/schedule-times.ts";
import { defineSchedule, defineWorkspace } from "../../src/sdk/index.ts";
import { listen } from "../../src/server/serve.ts";
import { ownerClient } from "../../src/store/database.ts";
import { compileSchedule } from "../../src/workspace/compile-schedule.ts";
import { compileWorkspace, WorkspaceProblemsError } from "../../src/workspace/compile-workspace.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { recordTick, TICK_TABLE, tickRunbook, tickWorkspace } from "./tick-workspace.ts";

const base = {
  name: "ticks",
  actions: [recordTick],
  runbooks: [tickRunbook],
  services: { ticker: {} },
};

function problemsOf(schedule: object): string[] {
  try {
    compileWorkspace(defineWorkspace({ ...base, schedules: [schedule as never] }));
    return [];
  } catch (error) {
    assert.ok(error instanceof WorkspaceProblemsError);
    return [...error.problems];
  }
}

test("bad schedules are refused at load, each problem naming the schedule", () => {
  const target = { action: "record_tick", params: { label: "x" } };
  const cases: [object, RegExp][] = [
    [
      defineSchedule({ name: "bad_cron", cron: "61 * * * *", as: "ticker", target }),
      /bad_cron.*cron "61 \* \* \* \*" does not parse/,
    ],
    [
      defineSchedule({ name: "short_cron", cron: "* * *", as: "ticker", target }),
      /short_cron.*needs 5 fields/,
    ],
    [
      defineSchedule({ name: "seconds_cron", cron: "* * * * * *", as: "ticker", target }),
      /seconds_cron.*needs 5 fields/,
    ],
    [
      defineSchedule({ name: "bad_zone", cron: "0 6 * * *", timeZone: "Mars/Olympus", as: "ticker", target }),
      /bad_zone.*unknown time zone "Mars\/Olympus"/,
    ],
    [
      defineSchedule({ name: "too_often", every: "30s", as: "ticker", target }),
      /too_often.*at most once a minute/,
    ],
    [defineSchedule({ name: "odd_every", every: "90s", as: "ticker", target }), /odd_every.*whole minutes/],
    [
      defineSchedule({ name: "a_person", cron: "0 6 * * *", as: "alice@example.com", target }),
      /a_person.*service identity/,
    ],
    [
      defineSchedule({ name: "no_action", cron: "0 6 * * *", as: "ticker", target: { action: "nope" } }),
      /no_action.*"nope" does not exist/,
    ],
    [
      defineSchedule({
        name: "bad_params",
        cron: "0 6 * * *",
        as: "ticker",
        target: { action: "record_tick", params: { label: 5 } },
      }),
      /bad_params.*do not match its schema/,
    ],
  ];
  for (const [schedule, expected] of cases) {
    const problems = problemsOf(schedule);
    assert.equal(problems.length, 1, `${expected}: ${problems.join("; ")}`);
    assert.match(problems[0]!, expected);
  }
  // Accepted: an interval as cron, and one no cron expresses (every 7 minutes, counted from the epoch).
  const ok = compileWorkspace(
    defineWorkspace({
      ...base,
      schedules: [
        defineSchedule({ name: "quarter", every: "15m", as: "ticker", target }),
        defineSchedule({ name: "seven", every: "7m", as: "ticker", target }),
      ],
    }),
  );
  assert.equal(ok.schedules.get("quarter")!.cron, "*/15 * * * *");
  assert.equal(ok.schedules.get("seven")!.everyMinutes, 7);
  // The test-only floor is an argument of the compiler, not something a workspace file can set.
  const problems: string[] = [];
  const fast = compileSchedule(
    defineSchedule({ name: "fast", every: "2s", as: "ticker", target }),
    "fast",
    ok,
    problems,
    { minimumTickMs: 1_000 },
  );
  assert.equal(fast?.cron, "*/2 * * * * *");
});

test("a tick starting over a minute late is a missed one: skip never runs it, catchUpOnce only if it is still the latest due", () => {
  const daily = { cron: "30 2 * * *", timeZone: "Europe/London", everyMinutes: null };
  const tick = new Date("2026-01-15T02:30:00Z");
  const skip = { ...daily, missed: "skip" as const };
  const catchUp = { ...daily, missed: "catchUpOnce" as const };
  const at = (ms: number) => new Date(tick.getTime() + ms);
  assert.equal(missedWhenLate(skip, tick, at(LATE_TICK_MS)), false, "a minute late: run (a taken-over tick)");
  assert.equal(missedWhenLate(skip, tick, at(LATE_TICK_MS + 1)), true);
  assert.equal(missedWhenLate(catchUp, tick, at(3_600_000)), false, "an hour late, still the latest due");
  assert.equal(missedWhenLate(catchUp, tick, at(86_400_000)), true, "a day late: the next one fell due");
});

describe("schedules over HTTP", () => {
  let t: TestAirlock;
  let admin: TestUser;
  let operator: TestUser;

  before(async () => {
    t = await startTestAirlock({
      // A second schedule, for the CLI test's commands that run at once.
      workspace: {
        ...tickWorkspace,
        schedules: [
          ...(tickWorkspace.schedules ?? []),
          defineSchedule({
            name: "monthly_ticks",
            title: "Monthly ticks",
            cron: "0 3 1 * *",
            timeZone: "UTC",
            as: "ticker",
            target: { action: "record_tick", params: { label: "monthly" } },
          }),
        ],
      },
      prepare: async (url) => {
        const owner = await ownerClient(url);
        await owner.query(TICK_TABLE);
        await owner.end();
      },
    });
    admin = await createUser(t.airlock.database.pool, { groups: ["admins"] });
    operator = await createUser(t.airlock.database.pool, { groups: ["ops"] });
  });
  after(async () => {
    await t?.close();
  });

  const call = async (user: TestUser, path: string, body?: unknown) => {
    const response = await t.request(path, {
      method: body === undefined ? "GET" : "POST",
      headers: user.headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  test("the list shows the timing, the service identity, and the next ticks in the schedule's time zone", async () => {
    const listed = await call(operator, "/api/v1/schedules");
    assert.equal(listed.status, 200);
    const [nightly] = listed.body.schedules;
    assert.equal(nightly.name, "nightly_ticks");
    assert.equal(nightly.timing, "30 2 * * * (Europe/London)");
    assert.equal(nightly.as, "ticker");
    assert.deepEqual(nightly.target, { kind: "action", name: "record_tick", forEach: null });
    assert.equal(nightly.paused, false);
    assert.equal(nightly.canAdmin, false);
    assert.equal(nightly.nextTicks.length, 5);
    for (const tick of nightly.nextTicks) {
      const london = new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/London",
        hour: "2-digit",
        minute: "2-digit",
      }).format(new Date(tick));
      assert.equal(london, "02:30");
    }
  });

  test("only an admin pauses and resumes; both are audited with who and why", async () => {
    const refused = await call(operator, "/api/v1/schedules/nightly_ticks/pause", { reason: "no" });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, "permission.denied");
    const unknown = await call(admin, "/api/v1/schedules/nope/pause", {});
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, "schedule.not_found");

    const paused = await call(admin, "/api/v1/schedules/nightly_ticks/pause", { reason: "ledger migration" });
    assert.equal(paused.status, 200);
    assert.equal(paused.body.paused, true);
    assert.deepEqual(paused.body.nextTicks, []);
    assert.equal(paused.body.changedBy.id, admin.id);
    assert.equal(paused.body.reason, "ledger migration");
    const resumed = await call(admin, "/api/v1/schedules/nightly_ticks/resume", {});
    assert.equal(resumed.body.paused, false);
    assert.equal(resumed.body.nextTicks.length, 5);
    const events = await t.airlock.database.pool.query<{
      type: string;
      actor_id: string;
      reason: string | null;
    }>(
      "SELECT type, actor_id, reason FROM airlock.audit_events WHERE target_type = 'schedule' AND target_id = 'nightly_ticks' ORDER BY id",
    );
    assert.deepEqual(
      events.rows.map((e) => [e.type, e.actor_id, e.reason]),
      [
        ["schedule.paused", admin.id, "ledger migration"],
        ["schedule.resumed", admin.id, null],
      ],
    );
  });

  // Each command is a process start (seconds under load): they run two at a time, on two
  // schedules, so that neither of a pair depends on the other's outcome. `monthly_ticks` was
  // paused through the API first: the listing shows an active schedule and a paused one.
  test("the CLI lists, pauses and resumes", async () => {
    const server = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const setup = await call(admin, "/api/v1/schedules/monthly_ticks/pause", { reason: "setup" });
      assert.equal(setup.status, 200);
      const as = (user: TestUser, args: string[]) =>
        runAirlock(args, { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: user.token });
      const [list, denied] = await Promise.all([
        as(operator, ["schedules"]),
        as(operator, ["schedules", "pause", "nightly_ticks"]),
      ]);
      assert.equal(list.code, 0, list.err);
      assert.match(
        list.out,
        /nightly_ticks\s+30 2 \* \* \* \(Europe\/London\)\s+ticker\s+action record_tick\s+active/,
      );
      assert.match(list.out, /monthly_ticks.*paused/);
      assert.equal(denied.code, 1);
      assert.match(denied.err, /permission\.denied/);

      const [paused, resumed] = await Promise.all([
        as(admin, ["schedules", "pause", "nightly_ticks", "--reason", "quiet night"]),
        as(admin, ["schedules", "resume", "monthly_ticks"]),
      ]);
      assert.equal(paused.code, 0, paused.err);
      assert.match(paused.out, /nightly_ticks is paused/);
      assert.equal(resumed.code, 0, resumed.err);
      assert.match(resumed.out, /monthly_ticks is active; next tick 20/);
      const listed = await call(admin, "/api/v1/schedules");
      const state = (listed.body.schedules as { name: string; paused: boolean; reason: string | null }[]).map(
        (s) => [s.name, s.paused, s.reason],
      );
      assert.deepEqual(state, [
        ["nightly_ticks", true, "quiet night"],
        ["monthly_ticks", false, null],
      ]);
    } finally {
      // The next test fires nightly_ticks's ticks.
      await call(admin, "/api/v1/schedules/nightly_ticks/resume", {});
      await server.close();
    }
  });

  // A tick taken over long after it fell due, by a process that was running all along (this one):
  // fired here as the recovery does, through the engine, with a tick time months old.
  test("a tick recovered long after it fell due is not run (skip), unless its run had begun", async () => {
    const pool = t.airlock.database.pool;
    const engine = t.airlock.runbooks.engine()!;
    const fire = async (tickAt: Date) => {
      await engine.schedules.fire("nightly_ticks", tickAt, { schedule: "nightly_ticks" });
      await engine.result(`sched-nightly_ticks-${tickAt.toISOString()}`, 60);
    };
    const recorded = async (tickAt: Date) =>
      (
        await pool.query<{ run_id: string | null }>(
          "SELECT run_id FROM airlock.schedule_ticks WHERE schedule = 'nightly_ticks' AND tick_at = $1",
          [tickAt],
        )
      ).rows;
    const effects = async (tickAt: Date) =>
      (
        await pool.query("SELECT 1 FROM public.tick_ledger WHERE reference LIKE $1", [
          `%${tickKey("nightly_ticks", tickAt)}`,
        ])
      ).rows.length;

    const missed = new Date("2026-01-15T02:30:00Z");
    await fire(missed);
    assert.deepEqual(await recorded(missed), [], "the late tick is not recorded");
    assert.equal(await effects(missed), 0, "nor run");

    // Its process stopped after the tick's run committed, before the tick's checkpoint.
    const begun = new Date("2026-01-16T02:30:00Z");
    const ticker = (await loadServicePrincipal(pool, "ticker"))!;
    const { token } = await createApiToken(pool, { userId: ticker.id, name: "late", createdBy: admin.id });
    const response = await t.post(
      "/api/v1/actions/record_tick/runs",
      { params: { label: "nightly" } },
      {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "idempotency-key": tickKey("nightly_ticks", begun),
      },
    );
    const run = (await response.json()) as { id: string };
    assert.equal(response.status, 200, JSON.stringify(run));
    await fire(begun);
    assert.deepEqual(await recorded(begun), [{ run_id: run.id }], "the tick is recorded with its run");
    assert.equal(await effects(begun), 1, "whose effect happened once");
  });
});
