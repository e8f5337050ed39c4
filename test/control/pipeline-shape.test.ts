// The control pipeline's shape: one ordered list of named stages, a context whose type narrows
// stage by stage, and one scope for the run's transaction — which still goes out in as few socket
// writes as before (docs/architecture.md, "A run's path").
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type pg from "pg";
import { type Chained, compose, STAGES } from "../../src/control/pipeline.ts";
import type { Outcome } from "../../src/control/pipeline-context.ts";
import type { authorize } from "../../src/control/stages/authorize.ts";
import type { requestId } from "../../src/control/stages/request-id.ts";
import type { validate } from "../../src/control/stages/validate.ts";
import { AirlockError } from "../../src/errors/airlock-error.ts";
import { ownerClient } from "../../src/store/database.ts";
import { createFixtureSchema, fixtureWorkspace } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

// Checked by `npm run typecheck`: the list as it stands chains, and a stage moved ahead of one
// whose output it reads does not compile (validate audits with the authorized context).
const chains: Chained<typeof STAGES> = true;
// @ts-expect-error validate cannot run before authorize
const swapped: Chained<[typeof requestId, typeof validate, typeof authorize]> = true;
void [chains, swapped];

test("the stages, by name, in order", () => {
  assert.deepEqual(
    STAGES.map((stage) => stage.name),
    [
      "authenticate",
      "resolveAction",
      "requestId",
      "authorize",
      "validate",
      "idempotency",
      "approvalPolicy",
      "rateLimit",
      "transaction",
      "execute",
      "record",
    ],
  );
});

test("only the transaction stage begins, commits or rolls back the run's transaction", () => {
  const dir = join(import.meta.dirname, "..", "..", "src", "control");
  const files = [
    "pipeline.ts",
    "pipeline-context.ts",
    ...readdirSync(join(dir, "stages")).map((f) => `stages/${f}`),
  ];
  const owners = files.filter((file) =>
    /["'`](BEGIN|COMMIT|ROLLBACK)\b/.test(readFileSync(join(dir, file), "utf8")),
  );
  assert.deepEqual(owners, ["stages/transaction.ts"]);
});

describe("compose", () => {
  const refused: Outcome = { kind: "refused", error: new AirlockError("auth.required"), requestId: "" };

  test("a stage that refuses ends the run: later stages never run", async () => {
    const ran: string[] = [];
    const run = compose(
      [
        async function first(ctx: number, next: (ctx: number) => Promise<Outcome>) {
          ran.push("first");
          return await next(ctx + 1);
        },
        async function second() {
          ran.push("second");
          return refused;
        },
        async function third() {
          ran.push("third");
          return refused;
        },
      ],
      async () => "end",
    );
    assert.equal(await run(0), refused);
    assert.deepEqual(ran, ["first", "second"]);
  });

  test("each stage receives what the one before passed on; the last one's next is `last`", async () => {
    const run = compose(
      [
        async (ctx: { n: number }, next: (ctx: { n: number }) => Promise<Outcome>) =>
          await next({ n: ctx.n * 10 }),
        async (ctx: { n: number }, next: (ctx: { n: number }) => Promise<Outcome>) =>
          await next({ n: ctx.n + 1 }),
      ],
      async (ctx) => ctx,
    );
    assert.deepEqual(await run({ n: 4 }), { n: 41 });
  });

  test("a stage that calls next twice is a bug, not a second run", async () => {
    let ends = 0;
    const run = compose(
      [
        async function twice(ctx: unknown, next: (ctx: unknown) => Promise<unknown>) {
          await next(ctx);
          return await next(ctx);
        },
      ],
      async () => ++ends,
    );
    await assert.rejects(run({}), /twice called next twice/);
    assert.equal(ends, 1);
  });
});

describe("the run's transaction", () => {
  let t: TestAirlock;
  let alice: TestUser;
  let failBeforeCommit = false;
  // Socket writes per pooled-connection checkout, as sent (one entry per write to the socket).
  const checkouts: string[][] = [];

  before(async () => {
    t = await startTestAirlock({
      workspace: fixtureWorkspace,
      prepare: createFixtureSchema,
      async racePoint(name) {
        if (name === "record.before_commit" && failBeforeCommit) throw new Error("crash before commit");
      },
    });
    alice = await createUser(t.airlock.database.pool, { groups: ["operators"] });
    t.airlock.database.pool.on("acquire", (client) => {
      const writes: string[] = [];
      checkouts.push(writes);
      const socket = (client as unknown as { connection: { stream: SocketInternals } }).connection.stream;
      // Each connection's socket is wrapped once; its writes go to its current checkout.
      if (!writesOf.has(client)) {
        const write = socket._write.bind(socket);
        const writev = socket._writev?.bind(socket);
        socket._write = (chunk, encoding, callback) => {
          current(client).push(String(chunk));
          write(chunk, encoding, callback);
        };
        if (writev)
          socket._writev = (chunks, callback) => {
            current(client).push(chunks.map((c) => String(c.chunk)).join(""));
            writev(chunks, callback);
          };
      }
      writesOf.set(client, writes);
    });
  });
  after(async () => {
    await t.close();
  });

  const writesOf = new WeakMap<pg.PoolClient, string[]>();
  const current = (client: pg.PoolClient) => writesOf.get(client) ?? [];

  /**
   * The writes of the one checkout that began a transaction for the request `fn` made. A
   * transaction is the request's when it carries the request's ID or idempotency key; the
   * server's background loops (sealing, outbox, engine) may begin their own meanwhile.
   */
  async function transactionWrites(key: string, fn: () => Promise<Response>): Promise<string[]> {
    const from = checkouts.length;
    const response = await fn();
    const requestId = response.headers.get("x-request-id") ?? "";
    assert.ok(requestId, "the response names its request");
    const began = checkouts
      .slice(from)
      .filter((writes) => writes[0]?.includes("BEGIN"))
      .filter((writes) => writes.some((w) => w.includes(key) || w.includes(requestId)));
    assert.equal(began.length, 1, "one transaction");
    return began[0]!;
  }

  async function submit(action: string, params: unknown, key: string) {
    return await t.post(
      `/api/v1/actions/${action}/runs`,
      { params },
      { ...alice.headers, "idempotency-key": key },
    );
  }

  test("an inline run takes two writes, plus one per handler query: BEGIN with the key claim, the row and audit with COMMIT", async () => {
    let response: Response | undefined;
    const echo = await transactionWrites("shape-echo", async () => {
      response = await submit("echo", { text: "hi" }, "shape-echo");
      return response;
    });
    assert.equal(response?.status, 200);
    assert.equal(echo.length, 2, "a handler without queries: 2 writes");
    assert.match(echo[0]!, /BEGIN[\s\S]*airlock\.claim_key/);
    assert.match(echo[1]!, /airlock\.insert_run[\s\S]*airlock\.append_audit[\s\S]*COMMIT/);

    // credit's handler makes three queries: the savepoint goes with the first of them.
    const credit = await transactionWrites("shape-credit", async () => {
      response = await submit("credit_inline", { account: "acc_shape", amount: 3 }, "shape-credit");
      return response;
    });
    assert.equal(response?.status, 200);
    assert.equal(credit.length, 5);
    assert.match(credit[1]!, /SAVEPOINT airlock_handler[\s\S]*SELECT/);
    assert.match(credit[4]!, /COMMIT/);
  });

  test("a crash between record and commit leaves nothing: no run, no effect, no audit, the key reusable", async () => {
    failBeforeCommit = true;
    let crashed: Response;
    try {
      crashed = await submit("credit_inline", { account: "acc_crash", amount: 5 }, "shape-crash");
    } finally {
      failBeforeCommit = false;
    }
    assert.equal(crashed.status, 500);
    const requestId = crashed.headers.get("x-request-id");
    const owner = await ownerClient(t.database.url);
    try {
      const count = async (sql: string, values: unknown[]) =>
        (await owner.query<{ n: number }>(sql, values)).rows[0]?.n;
      assert.equal(
        await count("SELECT count(*)::int AS n FROM airlock.runs WHERE request_id = $1", [requestId]),
        0,
      );
      assert.equal(
        await count("SELECT count(*)::int AS n FROM airlock.audit_events WHERE request_id = $1", [requestId]),
        0,
      );
      assert.equal(
        await count("SELECT count(*)::int AS n FROM fixture.effects WHERE account = 'acc_crash'", []),
        0,
      );
    } finally {
      await owner.end();
    }
    const retried = await submit("credit_inline", { account: "acc_crash", amount: 5 }, "shape-crash");
    assert.equal(retried.status, 200);
    assert.equal(retried.headers.get("idempotent-replayed"), null);
    const pool = t.airlock.database.pool;
    assert.equal(pool.totalCount - pool.idleCount, 0, "every connection is back in the pool");
  });
});

interface SocketInternals {
  _write(chunk: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void): void;
  _writev?(chunks: { chunk: unknown }[], callback: (error?: Error | null) => void): void;
}
