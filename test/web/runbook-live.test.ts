// The web app's runbook live-updates bookkeeping, without a browser: whether the inbox's human
// steps are polled follows the live-updates stream (polled every 15 s only while it is down; asked
// again at once when it drops). That the inbox gets its changes from the stream while it is open
// is shown in Chromium by test/web/runbook-ui.test.ts (a new human step appears and an answered
// one leaves the open inbox, with no poll to fall back on).
import assert from "node:assert/strict";
import { test } from "node:test";
import { QueryClient } from "@tanstack/react-query";
import { pollWhileDown, watchStream } from "../../src/web/runbooks/runbook-live.ts";
import { INBOX_POLL_MS } from "../../src/web/runbooks/runbooks-api.ts";

test("the inbox's human steps are polled only while the live stream is down, and asked again when it drops", async () => {
  const queries = new QueryClient();
  const stream = new EventTarget();
  watchStream(stream as unknown as EventSource, queries);
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

  const observer = queries.getQueryCache().find({ queryKey: ["runbook-inputs"] })!;
  assert.equal(observer.state.isInvalidated, false);
  stream.dispatchEvent(new Event("error"));
  assert.equal(pollWhileDown(queries, INBOX_POLL_MS), 15_000, "stream down: polled again");
  assert.equal(observer.state.isInvalidated, true, "and asked again at once");
  assert.equal(asked, 1);

  stream.dispatchEvent(new Event("ready"));
  assert.equal(pollWhileDown(queries, INBOX_POLL_MS), false, "back: not polled");
  queries.clear();
});
