// The web app's live-updates bookkeeping, without a browser: whether the inbox's human steps are
// polled follows the live-updates stream (polled every 15 s only while it is down; asked again at
// once when it drops), and a page's first read still under way when the stream opens is made
// again. That the inbox gets its changes from the stream while it is open
// is shown in Chromium by test/web/runbook-ui.test.ts (a new human step appears and an answered
// one leaves the open inbox, with no poll to fall back on).
import assert from "node:assert/strict";
import { test } from "node:test";
import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { pollWhileDown, watchStream } from "../../src/web/live-stream.ts";
import { INBOX_POLL_MS } from "../../src/web/runbooks/runbooks-api.ts";

test("the inbox's human steps are polled only while the live stream is down, and asked again when it drops", async () => {
  const queries = new QueryClient();
  const stream = new EventTarget();
  watchStream(stream as unknown as EventSource, queries, [["runbook-inputs"]]);
  let asked = 0;
  await queries.fetchQuery({
    queryKey: ["runbook-inputs"],
    queryFn: async () => {
      asked++;
      return [];
    },
  });
  assert.equal(pollWhileDown(queries, INBOX_POLL_MS), 15_000, "before the stream is open: polled");

  stream.dispatchEvent(new Event("ready"));
  assert.equal(pollWhileDown(queries, INBOX_POLL_MS), false, "stream open: not polled");
  // (Opening also marks it to be read again, for what changed before the stream began: read it.)
  await new Promise((resolve) => setTimeout(resolve, 0));
  await queries.refetchQueries({ queryKey: ["runbook-inputs"] });

  const observer = queries.getQueryCache().find({ queryKey: ["runbook-inputs"] })!;
  assert.equal(observer.state.isInvalidated, false);
  stream.dispatchEvent(new Event("error"));
  assert.equal(pollWhileDown(queries, INBOX_POLL_MS), 15_000, "stream down: polled again");
  assert.equal(observer.state.isInvalidated, true, "and asked again at once");
  assert.equal(asked, 2);

  stream.dispatchEvent(new Event("ready"));
  assert.equal(pollWhileDown(queries, INBOX_POLL_MS), false, "back: not polled");
  queries.clear();
});

test("a page's first read still under way when the stream opens is made again, so a change between that read and the stream's start is shown", async () => {
  const queries = new QueryClient();
  const stream = new EventTarget();
  watchStream(stream as unknown as EventSource, queries, [["runbook-run"]]);
  // The server's state of the run, and each read's answer held until the test lets it through.
  let step = "running";
  const held: (() => void)[] = [];
  const observer = new QueryObserver(queries, {
    queryKey: ["runbook-run", "rbr_1"],
    queryFn: ({ signal }) => {
      const seen = step;
      return new Promise<string>((resolve, reject) => {
        held.push(() => resolve(seen));
        signal.addEventListener("abort", () => reject(signal.reason));
      });
    },
  });
  const shown: (string | undefined)[] = [];
  const unsubscribe = observer.subscribe((result) => shown.push(result.data));
  for (let i = 0; i < 50 && held.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(held.length, 1, "the page's first read went out");
  // The step starts waiting after that read was answered by the server and before the stream
  // began (so no event will come for it); the stream opens while the answer is still on its way.
  step = "waiting";
  stream.dispatchEvent(new Event("ready"));
  for (let i = 0; i < 50 && held.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 1));
  for (const release of held) release();
  for (let i = 0; i < 50 && observer.getCurrentResult().data === undefined; i++)
    await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(held.length, 2, "read again once the stream opened");
  assert.equal(observer.getCurrentResult().data, "waiting", "the page shows the step waiting");
  assert.ok(!shown.includes("running"), "the stale answer was never shown");
  unsubscribe();
  queries.clear();
});
