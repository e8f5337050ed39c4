// Live updates over Server-Sent Events, through the real app: a reviewer's stream announces a new
// request within 1 s of its submission; a person who may not see the request gets nothing of it;
// a reconnect with Last-Event-ID gets what it missed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type Cast,
  decide,
  requestApproval,
  startApprovalAirlock,
  waitForRun,
} from "../approval/approval-support.ts";
import type { TestAirlock } from "../support/test-airlock.ts";
import type { TestUser } from "../support/users.ts";

let t: TestAirlock;
let cast: Cast;
const open: (() => Promise<void>)[] = [];

before(async () => {
  ({ t, cast } = await startApprovalAirlock());
});
after(async () => {
  for (const close of open) await close();
  await t.close();
});

interface Received {
  id: string;
  event: string;
  data: Record<string, unknown>;
  at: number;
}

async function listen(user: TestUser, lastEventId?: string) {
  const res = await t.request("/api/v1/events/stream", {
    headers: { ...user.headers, ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const reader = res.body!.getReader();
  const events: Received[] = [];
  let buffer = "";
  const decoder = new TextDecoder();
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          block
            .split("\n")
            .filter((l) => l.startsWith(`${name}:`))
            .map((l) => l.slice(name.length + 1).trim())
            .join("\n");
        if (field("event"))
          events.push({
            id: field("id"),
            event: field("event"),
            data: JSON.parse(field("data") || "{}"),
            at: Date.now(),
          });
        end = buffer.indexOf("\n\n");
      }
    }
  })();
  const close = async () => {
    await reader.cancel().catch(() => {});
    await pump;
  };
  open.push(close);
  const waitFor = async (predicate: (e: Received) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) assert.fail(`no such event; got ${JSON.stringify(events)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await waitFor((e) => e.event === "ready");
  return { events, waitFor, close };
}

test("a reviewer hears of a new request within 1 s; nobody hears of what they may not see; Last-Event-ID resumes", async (ctx) => {
  const manager = await listen(cast.manager);
  const requester = await listen(cast.operator);
  const otherOperator = await listen(cast.operator2);
  const outsider = await listen(cast.outsider);

  const { run, approvalId } = await requestApproval(t, cast.operator, "credit_queued", {
    account: "acc_live",
    amount: 25_000,
  });
  const submitted = Date.now();
  const requested = await manager.waitFor(
    (e) => e.event === "approval.requested" && e.data.approvalRequestId === approvalId,
  );
  const latency = requested.at - submitted;
  ctx.diagnostic(`submit answered → event on the reviewer's stream: ${latency} ms`);
  assert.ok(latency <= 1_000, `the reviewer's stream announced it after ${latency} ms`);
  assert.deepEqual(Object.keys(requested.data).sort(), ["action", "approvalRequestId", "runId"], "ids only");
  await requester.waitFor((e) => e.event === "approval.requested" && e.data.approvalRequestId === approvalId);

  const approved = await decide(t, cast.manager, approvalId, "approve");
  assert.equal(approved.status, 200);
  await waitForRun(t, run.id, ["succeeded"]);
  await manager.waitFor((e) => e.event === "run.finished" && e.data.runId === run.id);
  await requester.waitFor((e) => e.event === "run.finished" && e.data.runId === run.id);
  // The requester's in-app notification of the decision: on their stream, its id only.
  const mine = await requester.waitFor((e) => e.event === "notification.created");
  assert.deepEqual(Object.keys(mine.data), ["notificationId"]);
  const row = await t.airlock.database.pool.query(
    "SELECT recipient_id, approval_request_id FROM airlock.notifications WHERE id = $1",
    [mine.data.notificationId],
  );
  assert.deepEqual(row.rows, [{ recipient_id: cast.operator.id, approval_request_id: approvalId }]);

  // A person without approve, audit or admin on the action, and one with no grants at all, got
  // nothing (events are delivered in order: had they been sent, they would be here by now).
  assert.deepEqual(
    otherOperator.events.filter((e) => e.event !== "ready"),
    [],
  );
  assert.deepEqual(
    outsider.events.filter((e) => e.event !== "ready"),
    [],
  );

  // Reconnecting after the request event resumes right after it.
  await manager.close();
  const resumed = await listen(cast.manager, requested.id);
  const replayed = await resumed.waitFor((e) => e.event === "run.finished" && e.data.runId === run.id);
  assert.ok(replayed);
  assert.ok(
    !resumed.events.some((e) => e.event === "approval.requested" && e.data.approvalRequestId === approvalId),
  );
  assert.ok(resumed.events.some((e) => e.event === "approval.decided" && e.data.status === "approved"));
});

test("the stream needs a signed-in viewer", async () => {
  const res = await t.request("/api/v1/events/stream");
  assert.equal(res.status, 401);
});
