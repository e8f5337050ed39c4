// Bulk actions through the real HTTP app, on real PostgreSQL and the real durable engine: the
// preview (totals per currency, refused items with reasons, the item-set hash, the limit refused
// before preview), CSV input checked line by line, idempotent start, the batch's own policy with
// its approval bound to the item-set hash (no self-approval, one approval for every item, each
// item's run naming it), pause / resume / cancel (audited), the stop rule, the failure report and
// retrying the failed items as a new batch.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { listen } from "../../src/server/serve.ts";
import { ownerClient } from "../../src/store/database.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { ACCOUNTS, bulkWorkspace, prepareBulkTables } from "./bulk-fixture.ts";

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked by the app against its schema
type Json = any;

let t: TestAirlock;
let operator: TestUser;
let manager: TestUser;
let manager2: TestUser;
let outsider: TestUser;
let hold: PromiseWithResolvers<void> | null = null;

before(async () => {
  t = await startTestAirlock({
    workspace: bulkWorkspace,
    prepare: prepareBulkTables,
    // The pause test holds the batch's lanes after an item, to pause it mid-way on any machine.
    racePoint: async (name) => {
      if (name === "bulk.after_item" && hold) await hold.promise;
    },
  });
  const pool = t.airlock.database.pool;
  operator = await createUser(pool, { groups: ["operators"], name: "Olive Operator" });
  manager = await createUser(pool, { groups: ["managers"], name: "Max Manager" });
  manager2 = await createUser(pool, { groups: ["managers"], name: "Mia Manager" });
  outsider = await createUser(pool, { groups: [] });
});
after(async () => {
  await t?.close();
});

async function call(method: "GET" | "POST", path: string, who: TestUser, body?: unknown, headers = {}) {
  const res =
    method === "GET"
      ? await t.request(path, { headers: who.headers })
      : await t.post(path, body ?? {}, { ...who.headers, ...headers });
  const text = await res.text();
  let json: Json = text;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, body: json, text, headers: res.headers };
}

const rows = (ids: string[], amountCents = 500) => ids.map((id) => ({ id, amountCents }));

async function until(id: string, who: TestUser, ok: (b: Json) => boolean, what: string): Promise<Json> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { body } = await call("GET", `/api/v1/bulk/${id}`, who);
    if (ok(body)) return body;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function ledger(accounts: string[]) {
  const owner = await ownerClient(t.database.url);
  try {
    const { rows: found } = await owner.query<{ account_id: string; n: number }>(
      "SELECT account_id, count(*)::int AS n FROM public.fee_ledger WHERE account_id = ANY($1) GROUP BY account_id",
      [accounts],
    );
    return new Map(found.map((r) => [r.account_id, r.n]));
  } finally {
    await owner.end();
  }
}

/** The events stream as `who` sees it (Server-Sent Events through the real app). */
function stream(who: TestUser) {
  const events: { event: string; data: Json }[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  const pump = (async () => {
    const res = await t.request("/api/v1/events/stream", { headers: who.headers });
    assert.equal(res.status, 200);
    reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const lines = buffer.slice(0, end).split("\n");
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          lines
            .find((l) => l.startsWith(`${name}:`))
            ?.slice(name.length + 1)
            .trim();
        const event = field("event");
        if (event === "ready") ready();
        else if (event) events.push({ event, data: JSON.parse(field("data") ?? "{}") });
      }
    }
  })();
  return {
    events,
    ready: isReady,
    async waitFor(ok: (e: { event: string; data: Json }) => boolean) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const found = events.find((e) => e.event === "bulk.progress" && ok(e));
        if (found) return found;
        assert.ok(Date.now() < deadline, `no such event: ${JSON.stringify(events)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await (reader as ReadableStreamDefaultReader<Uint8Array> | null)?.cancel().catch(() => {});
      await pump;
    },
  };
}

async function start(who: TestUser, body: Json, key?: string) {
  const preview = await call("POST", "/api/v1/bulk/preview", who, body);
  assert.equal(preview.status, 200, preview.text);
  return await call(
    "POST",
    "/api/v1/bulk/start",
    who,
    { ...body, itemSetHash: preview.body.itemSetHash },
    key ? { "idempotency-key": key } : {},
  );
}

describe("preview", () => {
  test("counts the items, totals them per currency, refuses bad rows with reasons and hashes the item set", async () => {
    const res = await call("POST", "/api/v1/bulk/preview", operator, {
      action: "charge_fee",
      rows: [
        { id: ACCOUNTS[0]!, amountCents: 500 },
        { id: ACCOUNTS[1]!, amountCents: 700, currency: "EUR" },
        { id: ACCOUNTS[0]!, amountCents: 500 },
        { id: "acc_missing", amountCents: 500 },
        { id: "not an id", amountCents: 500 },
        { id: "=1+1", amountCents: 500 },
        { id: ACCOUNTS[2]!, amountCents: 250 },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.count, 3);
    assert.deepEqual(res.body.totals, { USD: 750, EUR: 700 });
    assert.deepEqual(
      res.body.refused.map((r: Json) => [r.row, r.code]),
      [
        [3, "duplicate"],
        [4, "unknown_target"],
        [5, "invalid"],
        [6, "formula"],
      ],
    );
    assert.match(res.body.refused[0].reason, /row 1/);
    assert.deepEqual(res.body.sample[0], {
      position: 1,
      params: { accountId: ACCOUNTS[0]!, amountCents: 500, currency: "USD" },
    });
    assert.match(res.body.itemSetHash, /^[0-9a-f]{64}$/);
    assert.equal(res.body.needsApproval, false);
    const again = await call("POST", "/api/v1/bulk/preview", operator, {
      action: "charge_fee",
      rows: rows([ACCOUNTS[0]!, ACCOUNTS[1]!]),
    });
    assert.notEqual(again.body.itemSetHash, res.body.itemSetHash);
  });

  test("an item set over maxItems is refused before preview, with the limit", async () => {
    const res = await call("POST", "/api/v1/bulk/preview", operator, {
      action: "charge_fee",
      rows: rows(Array.from({ length: 41 }, (_, i) => `acc_x${i}`)),
    });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, "bulk.too_many_items");
    assert.equal(res.body.error.details.maxItems, 40);
  });

  test("a CSV is checked line by line: wrong columns, formula cells and duplicates each reported", async () => {
    const csv = [
      "id,amountCents",
      `${ACCOUNTS[3]!},500`,
      `${ACCOUNTS[4]!},500,9`,
      `"=cmd|' /C calc'!A0",500`,
      `${ACCOUNTS[3]!},500`,
      "acc_nobody,500",
      "",
    ].join("\r\n");
    const res = await call("POST", "/api/v1/bulk/preview", operator, { action: "charge_fee", csv });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.count, 1);
    assert.deepEqual(
      res.body.refused.map((r: Json) => [r.row, r.code]),
      [
        [3, "wrong_columns"],
        [4, "formula"],
        [5, "duplicate"],
        [6, "unknown_target"],
      ],
    );
    const broken = await call("POST", "/api/v1/bulk/preview", operator, {
      action: "charge_fee",
      csv: "id,id\nacc_001,acc_001",
    });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, "bulk.csv_invalid");
  });

  test("only actions that allow bulk runs, and only for people who may run them", async () => {
    const denied = await call("POST", "/api/v1/bulk/preview", outsider, {
      action: "charge_fee",
      rows: rows([ACCOUNTS[0]!]),
    });
    assert.equal(denied.status, 404);
    assert.equal(denied.body.error.code, "action.not_found");
  });
});

describe("start", () => {
  test("a small batch runs at once, each item its own run, and the same idempotency key is one batch", async () => {
    const ids = ACCOUNTS.slice(5, 8);
    const body = { action: "charge_fee", rows: rows(ids) };
    const first = await start(operator, body, "fees-run-1");
    assert.equal(first.status, 202, first.text);
    const again = await start(operator, body, "fees-run-1");
    assert.equal(again.status, 200);
    assert.equal(again.body.replayed, true);
    assert.equal(again.body.batch.id, first.body.batch.id);
    const other = await start(
      operator,
      { action: "charge_fee", rows: rows(ACCOUNTS.slice(5, 7)) },
      "fees-run-1",
    );
    assert.equal(other.status, 422);
    assert.equal(other.body.error.code, "idempotency.mismatch");
    const done = await until(first.body.batch.id, operator, (b) => b.status === "succeeded", "the batch");
    assert.deepEqual(done.counts, { pending: 0, succeeded: 3, failed: 0, skipped: 0 });
    const charged = await ledger(ids);
    assert.deepEqual(
      ids.map((id) => charged.get(id)),
      [1, 1, 1],
    );
    const items = await call("GET", `/api/v1/bulk/${done.id}/items?status=succeeded`, operator);
    assert.equal(new Set(items.body.items.map((i: Json) => i.runId)).size, 3);
  });

  test("the events stream announces a batch's progress and final status to its starter, not to outsiders", async () => {
    const streams = [operator, outsider].map((who) => stream(who));
    await Promise.all(streams.map((s) => s.ready));
    const started = await start(operator, { action: "charge_fee", rows: rows(ACCOUNTS.slice(8, 10)) });
    assert.equal(started.status, 202, started.text);
    const id = started.body.batch.id;
    const [mine, theirs] = streams;
    const ended = await mine!.waitFor((e) => e.data.batchId === id && e.data.status === "succeeded");
    assert.deepEqual(ended.data, {
      batchId: id,
      action: "charge_fee",
      status: "succeeded",
      done: 2,
      failed: 0,
      total: 2,
    });
    assert.equal(theirs!.events.filter((e) => e.data.batchId === id).length, 0);
    for (const s of streams) await s.close();
  });

  test("a preview that no longer matches the items is refused at start", async () => {
    const res = await call("POST", "/api/v1/bulk/start", operator, {
      action: "charge_fee",
      rows: rows(ACCOUNTS.slice(5, 7)),
      itemSetHash: "0".repeat(64),
    });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, "bulk.item_set_changed");
  });
});

describe("approval", () => {
  test("a large batch waits for a second person, once, and every item's run names that approval", async () => {
    const ids = ACCOUNTS.slice(10, 15);
    // 3,000 cents each: every item would need a manager on its own (the action's policy).
    const started = await start(operator, { action: "charge_fee", rows: rows(ids, 3_000) });
    assert.equal(started.status, 202, started.text);
    const batch = started.body.batch;
    assert.equal(batch.status, "pending_approval");
    assert.ok(batch.approvalRequestId);
    const self = await call("POST", `/api/v1/bulk/${batch.id}/approve`, operator);
    assert.equal(self.status, 403);
    assert.equal(self.body.error.code, "approval.self_approval");
    assert.equal((await ledger(ids)).size, 0);
    const approved = await call("POST", `/api/v1/bulk/${batch.id}/approve`, manager, {
      reason: "checked the list",
    });
    assert.equal(approved.status, 200, approved.text);
    const done = await until(batch.id, operator, (b) => b.status === "succeeded", "the approved batch");
    assert.equal(done.counts.succeeded, 5);
    assert.deepEqual([...(await ledger(ids)).values()], [1, 1, 1, 1, 1]);
    const requests = await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.approval_requests WHERE action = 'charge_fee' AND created_at >= $1",
      [batch.createdAt],
    );
    assert.equal(requests.rows[0].n, 1, "one approval for the batch, none per item");
    const items = await call("GET", `/api/v1/bulk/${batch.id}/items`, operator);
    const run = await call("GET", `/api/v1/runs/${items.body.items[0].runId}`, operator);
    assert.equal(run.status, 200, run.text);
    assert.equal(run.body.accountability.approval.requestId, batch.approvalRequestId);
    assert.deepEqual(
      run.body.accountability.approval.decisions.map((d: Json) => d.reviewer.id),
      [manager.id],
    );
  });

  test("a waiting batch is in its reviewers' inbox and count, the starter's only under mine; the CLI says how to decide it", async () => {
    const server = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const pendingCount = async () => (await call("GET", "/api/v1/approvals/count", manager)).body.pending;
      const before = await pendingCount();
      const started = await start(operator, { action: "charge_fee", rows: rows(ACCOUNTS.slice(0, 4)) });
      assert.equal(started.status, 202, started.text);
      const batch = started.body.batch;
      const inbox = async (who: TestUser, status: string) => {
        const res = await call("GET", `/api/v1/approvals?status=${status}`, who);
        assert.equal(res.status, 200, res.text);
        return res.body.approvals.filter((a: Json) => a.kind === "bulk" && a.batchId === batch.id);
      };
      const [row] = await inbox(manager, "pending");
      assert.ok(row, "the manager sees the batch waiting");
      assert.equal(row.id, batch.approvalRequestId);
      assert.equal(row.action, "charge_fee");
      assert.equal(row.actionTitle, "Charge a fee");
      assert.equal(row.requester.name, "Olive Operator");
      assert.deepEqual(row.links, {
        batch: `/api/v1/bulk/${batch.id}`,
        approve: `/api/v1/bulk/${batch.id}/approve`,
        reject: `/api/v1/bulk/${batch.id}/reject`,
      });
      assert.equal(await pendingCount(), before + 1, "counted in the badge");
      assert.equal((await inbox(manager2, "pending")).length, 1);
      assert.equal((await inbox(operator, "pending")).length, 0, "not the starter's to decide");
      assert.equal((await inbox(outsider, "pending")).length, 0);
      assert.equal((await inbox(operator, "mine")).length, 1);
      assert.equal((await inbox(manager, "mine")).length, 0);

      const env = { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: manager.token };
      const listed = await runAirlock(["approvals"], env);
      assert.equal(listed.code, 0, listed.err);
      assert.match(
        listed.out,
        new RegExp(`${row.id} {2}pending {3}bulk charge_fee batch ${batch.id} {2}by Olive`),
      );
      assert.match(listed.out, new RegExp(`decide: airlock bulk approve\\|reject ${batch.id} --reason TEXT`));
      const rejected = await runAirlock(["bulk", "reject", batch.id, "--reason", "not this week"], env);
      assert.match(rejected.out, /skipped 4 {2}rejected/, rejected.out + rejected.err);

      assert.equal((await inbox(manager, "pending")).length, 0);
      assert.equal((await inbox(manager2, "pending")).length, 0);
      assert.equal(await pendingCount(), before);
      const [decided] = await inbox(manager, "decided");
      assert.equal(decided?.myDecision?.decision, "reject");
      assert.equal((await ledger(ACCOUNTS.slice(0, 4))).size, 0);
    } finally {
      await server.close();
    }
  });

  test("items changed after the preview invalidate the approval: nothing runs", async () => {
    const ids = ACCOUNTS.slice(15, 20);
    const started = await start(operator, { action: "charge_fee", rows: rows(ids) });
    const batch = started.body.batch;
    assert.equal(batch.status, "pending_approval");
    const owner = await ownerClient(t.database.url);
    try {
      await owner.query(
        `UPDATE airlock.bulk_items SET params = jsonb_set(params, '{amountCents}', '99999') WHERE batch_id = $1 AND position = 2`,
        [batch.id],
      );
    } finally {
      await owner.end();
    }
    const approved = await call("POST", `/api/v1/bulk/${batch.id}/approve`, manager);
    assert.equal(approved.body.error?.code, "approval.stale", approved.text);
    const now = await call("GET", `/api/v1/bulk/${batch.id}`, operator);
    assert.equal(now.body.status, "pending_approval");
    assert.equal((await ledger(ids)).size, 0);
  });

  test("the inbox's own route decides a batch of more than 3 items too: the starter is refused, a manager's approval runs each item once", async () => {
    const ids = ACCOUNTS.slice(15, 19);
    const started = await start(operator, { action: "charge_fee", rows: rows(ids) });
    assert.equal(started.status, 202, started.text);
    const batch = started.body.batch;
    assert.equal(batch.status, "pending_approval");
    const route = `/api/v1/approvals/${batch.approvalRequestId}/approve`;
    const self = await call("POST", route, operator, { reason: "my own batch" });
    assert.equal(self.status, 403, self.text);
    assert.equal(self.body.error.code, "approval.self_approval");
    const approved = await call("POST", route, manager, { reason: "checked the list" });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.body.subject.kind, "bulk");
    const done = await until(
      batch.id,
      operator,
      (b) => b.status === "succeeded",
      "the batch approved from the inbox",
    );
    assert.equal(done.counts.succeeded, 4);
    assert.deepEqual([...(await ledger(ids)).values()], [1, 1, 1, 1]);
  });
});

describe("pause, resume, cancel", () => {
  test("pause stops taking items, resume finishes the rest once each, both audited", async () => {
    const ids = ACCOUNTS.slice(20, 30);
    const started = await start(operator, { action: "charge_fee", rows: rows(ids, 100) });
    const batch = started.body.batch;
    hold = Promise.withResolvers<void>();
    const approved = await call("POST", `/api/v1/bulk/${batch.id}/approve`, manager2);
    assert.equal(approved.status, 200, approved.text);
    await until(batch.id, operator, (b) => b.status === "running", "the batch running");
    const paused = await call("POST", `/api/v1/bulk/${batch.id}/pause`, operator, { reason: "checking" });
    assert.equal(paused.status, 200, paused.text);
    assert.equal(paused.body.status, "paused");
    // Held past the runner's status check interval: released, each lane sees the pause first.
    await new Promise((resolve) => setTimeout(resolve, 700));
    hold.resolve();
    hold = null;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const still = await call("GET", `/api/v1/bulk/${batch.id}`, operator);
    const settled = still.body.counts;
    assert.ok(settled.pending > 0, `items left after the pause: ${JSON.stringify(settled)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual((await call("GET", `/api/v1/bulk/${batch.id}`, operator)).body.counts, settled);
    const again = await call("POST", `/api/v1/bulk/${batch.id}/pause`, operator);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "bulk.invalid_transition");
    const resumed = await call("POST", `/api/v1/bulk/${batch.id}/resume`, operator);
    assert.equal(resumed.status, 200, resumed.text);
    await until(batch.id, operator, (b) => b.status === "succeeded", "the resumed batch");
    assert.deepEqual([...(await ledger(ids)).values()], Array(10).fill(1));
    const audit = await t.airlock.database.pool.query(
      "SELECT type, actor_id FROM airlock.audit_events WHERE target_id = $1 AND type LIKE 'bulk.%' ORDER BY id",
      [batch.id],
    );
    assert.deepEqual(
      audit.rows.map((r) => r.type),
      ["bulk.started", "bulk.paused", "bulk.resumed", "bulk.finished"],
    );
    assert.equal(audit.rows[1].actor_id, operator.id);
  });

  test("cancel skips the pending items; a pending batch's approval is withdrawn with it", async () => {
    const started = await start(operator, { action: "charge_fee", rows: rows(ACCOUNTS.slice(0, 5), 100) });
    const cancelled = await call("POST", `/api/v1/bulk/${started.body.batch.id}/cancel`, operator, {
      reason: "wrong list",
    });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.body.status, "cancelled");
    assert.equal(cancelled.body.counts.skipped, 5);
    const late = await call("POST", `/api/v1/bulk/${started.body.batch.id}/approve`, manager);
    assert.equal(late.status, 409);
    const stranger = await call("POST", `/api/v1/bulk/${started.body.batch.id}/cancel`, outsider);
    assert.equal(stranger.status, 404);
  });
});

describe("stop rule and failure report", () => {
  test("stops after N failures in a row; the report says why per item, formula-safe and masked; retry makes a new batch", async () => {
    const good = ["acc_ok1", "acc_ok2"];
    const bad = ["acc_bad1", "acc_bad2", "acc_bad3"];
    const started = await start(operator, {
      action: "flaky_fee",
      rows: [...rows(good), ...rows(bad), ...rows(["acc_ok3"])],
    });
    assert.equal(started.status, 202, started.text);
    const batch = await until(
      started.body.batch.id,
      operator,
      (b) => b.status === "stopped",
      "the stop rule",
    );
    assert.deepEqual(batch.counts, { pending: 0, succeeded: 2, failed: 3, skipped: 1 });
    assert.match(batch.stopReason, /3 failures in a row/);
    const report = await call("GET", `/api/v1/bulk/${batch.id}/report.csv`, operator);
    assert.equal(report.status, 200);
    assert.match(report.headers.get("content-type") ?? "", /text\/csv/);
    const lines = report.text.trim().split("\r\n");
    assert.equal(lines[0], "position,status,target_id,run_id,error_code,reason,params");
    assert.equal(lines.length, 7);
    assert.match(lines[3]!, /^3,failed,acc_bad1,run_[^,]+,domain\.bad_account,'=HYPERLINK/);
    assert.doesNotMatch(report.text, /4111 1111 1111 1111/);
    assert.match(lines[6]!, /^6,skipped,acc_ok3,,bulk\.stopped,/);
    const retry = await call("POST", `/api/v1/bulk/${batch.id}/retry`, operator);
    assert.equal(retry.status, 202, retry.text);
    assert.equal(retry.body.retryOf, batch.id);
    assert.equal(retry.body.itemCount, 3);
    const twice = await call("POST", `/api/v1/bulk/${batch.id}/retry`, operator);
    assert.equal(twice.body.id, retry.body.id);
  });
});

describe("CLI", () => {
  test("airlock bulk start --wait previews, starts and follows the batch with a progress bar", async () => {
    const server = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const env = { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: operator.token };
      const csv = join(tmpdir(), `bulk-cli-${process.pid}.csv`);
      writeFileSync(csv, `id,amountCents\n${ACCOUNTS[26]},200\n${ACCOUNTS[27]},200\nacc_nobody,200\n`);
      const started = await runAirlock(
        ["bulk", "start", "charge_fee", "--csv", csv, "--key", "cli-1", "--wait", "--interval-ms", "200"],
        env,
      );
      assert.equal(started.code, 0, started.out + started.err);
      assert.match(started.out, /preview: 2 items, totals 4\.00 USD, 1 refused/);
      assert.match(started.out, /refused row 4 \(acc_nobody\): unknown_target/);
      assert.match(started.out, /\[#{30}\] 2\/2 100% {2}ok 2 {2}failed 0 {2}skipped 0 {2}succeeded/);
      const id = /batch (blk_\w+)/.exec(started.out)?.[1];
      assert.ok(id, started.out);
      const again = await runAirlock(["bulk", "start", "charge_fee", "--csv", csv, "--key", "cli-1"], env);
      assert.match(again.out, new RegExp(`already started: batch ${id}`));
      assert.equal(again.code, 0, again.err);
    } finally {
      await server.close();
    }
  });
});
