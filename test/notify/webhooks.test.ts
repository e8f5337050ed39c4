// Outbound webhooks: registration checked by the SSRF guard (a loopback URL only when the admin
// marks it internal; the secret shown once), then a delivery that is signed, retried after a 500
// with backoff, and visible in the webhook's delivery log with its attempts and last error. The
// signing secret is stored sealed under the master key, and one stored before that is sealed at
// the next start.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { newId } from "../../src/ids/ids.ts";
import { webhookSecret } from "../../src/notify/webhook-secrets.ts";
import { ownerClient } from "../../src/store/database.ts";
import { type Cast, getJson, requestApproval, startApprovalAirlock } from "../approval/approval-support.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let cast: Cast;
let admin: TestUser;
const received: { headers: Record<string, string | string[] | undefined>; body: string; at: number }[] = [];
let answers = [500];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
    res.writeHead(answers.shift() ?? 200, { "content-type": "text/plain" });
    res.end("ok");
  });
});

before(async () => {
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  ({ t, cast } = await startApprovalAirlock());
  const pool = t.airlock.database.pool;
  admin = await createUser(pool, { groups: ["hook-admins"], name: "Hana Admin" });
  await pool.query(
    `INSERT INTO airlock.grants (id, subject_kind, subject, verbs, on_kind, on_value, created_by)
     VALUES ($1, 'group', 'hook-admins', '{admin}', 'all', NULL, $2)`,
    [newId("gnt"), admin.id],
  );
});
after(async () => {
  await t.close();
  receiver.close();
});

test("a private URL is refused unless marked internal; only admins register", async () => {
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  for (const target of [
    url,
    "http://169.254.169.254/latest/meta-data",
    "http://[::ffff:127.0.0.1]/x",
    "ftp://example.com/x",
  ]) {
    const res = await t.post(
      "/api/v1/admin/webhooks",
      { url: target, eventTypes: ["run.failed"] },
      admin.headers,
    );
    assert.equal(res.status, 422, target);
    assert.equal((await res.json()).error.code, "webhook.url_refused", target);
  }
  // Metadata addresses stay refused even for an internal webhook.
  const metadata = await t.post(
    "/api/v1/admin/webhooks",
    { url: "http://169.254.169.254/", eventTypes: ["run.failed"], internal: true },
    admin.headers,
  );
  assert.equal(metadata.status, 422);
  const byManager = await t.post(
    "/api/v1/admin/webhooks",
    { url, eventTypes: ["run.failed"], internal: true },
    cast.manager.headers,
  );
  assert.equal(byManager.status, 403);
});

test("a delivery is signed, retried after a 500, and logged", async () => {
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const created = await t.post(
    "/api/v1/admin/webhooks",
    { url, eventTypes: ["approval.requested"], internal: true, description: "ops bus" },
    admin.headers,
  );
  assert.equal(created.status, 201);
  const { webhook, secret } = await created.json();
  assert.match(secret, /^whsec_/);
  const listed = await getJson(t, admin, "/api/v1/admin/webhooks");
  assert.ok(!JSON.stringify(listed.body).includes(secret), "the secret is shown once only");

  answers = [500];
  const { approvalId } = await requestApproval(t, cast.operator, "credit_queued", {
    account: "acc_hook",
    amount: 25_000,
  });
  await t.airlock.approvals.events.drain();
  const deadline = Date.now() + 20_000;
  while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(received.length, 2, "the 500 was retried once, then accepted");

  for (const delivery of received) {
    const header = String(delivery.headers["x-airlock-signature"]);
    const [, ts, sig] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? [];
    assert.ok(ts && sig, header);
    const expected = createHmac("sha256", secret).update(`${ts}.${delivery.body}`).digest("hex");
    assert.equal(sig, expected, "HMAC-SHA256 of timestamp.body under the secret");
    assert.ok(Math.abs(Number(ts) - delivery.at / 1000) < 5);
    assert.equal(delivery.headers["x-airlock-event"], "approval.requested");
    const body = JSON.parse(delivery.body);
    assert.equal(body.type, "approval.requested");
    assert.equal(body.data.approvalRequestId, approvalId);
  }
  assert.equal(
    received[0]!.headers["x-airlock-delivery"],
    received[1]!.headers["x-airlock-delivery"],
    "one delivery id",
  );
  assert.ok(received[1]!.at - received[0]!.at >= 1_000, "the retry waited (backoff)");

  let log: { status: string; attempts: number; lastError: string | null }[] = [];
  while (Date.now() < deadline) {
    const res = await getJson(t, admin, `/api/v1/admin/webhooks/${webhook.id}/deliveries`);
    assert.equal(res.status, 200);
    log = res.body.deliveries;
    if (log[0]?.status === "delivered") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(log.length, 1);
  assert.deepEqual([log[0]!.status, log[0]!.attempts, log[0]!.lastError], ["delivered", 2, "HTTP 500"]);
  const missing = await getJson(t, admin, "/api/v1/admin/webhooks/whk_nope/deliveries");
  assert.equal(missing.status, 404);
});

test("signing secrets are stored sealed: no plain text in the table, and the stored bytes do not contain the secret", async () => {
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/sealed`;
  const created = await t.post(
    "/api/v1/admin/webhooks",
    { url, eventTypes: ["run.failed"], internal: true },
    admin.headers,
  );
  assert.equal(created.status, 201);
  const { webhook, secret } = await created.json();
  const owner = await ownerClient(t.database.url);
  try {
    const { rows } = await owner.query(
      "SELECT plaintext_secret, secret_envelope FROM airlock.webhooks WHERE id = $1",
      [webhook.id],
    );
    assert.equal(rows[0].plaintext_secret, null);
    assert.ok(Buffer.isBuffer(rows[0].secret_envelope));
    assert.equal(rows[0].secret_envelope.includes(Buffer.from(secret)), false);
    assert.equal(rows[0].secret_envelope.includes(Buffer.from(secret.slice(6))), false);
  } finally {
    await owner.end();
  }
});

test("a secret stored in plain text before sealing existed is sealed by the next start, and still signs with the same value", async () => {
  const owner = await ownerClient(t.database.url);
  const legacySecret = "whsec_legacy_plain_text_value_0123456789";
  const id = newId("whk");
  try {
    await owner.query(
      `INSERT INTO airlock.webhooks (id, url, event_types, plaintext_secret, internal, created_by)
       VALUES ($1, 'http://127.0.0.1:9/legacy', '{run.failed}', $2, true, $3)`,
      [id, legacySecret, admin.id],
    );
    const second = await startTestAirlock({ database: t.database });
    await second.close();
    const { rows } = await owner.query(
      "SELECT id, plaintext_secret, secret_envelope FROM airlock.webhooks WHERE id = $1",
      [id],
    );
    assert.equal(rows[0].plaintext_secret, null, "the plain text is gone");
    assert.equal(rows[0].secret_envelope.includes(Buffer.from(legacySecret)), false);
    assert.equal(webhookSecret(t.airlock.keyring, rows[0]), legacySecret, "it opens to the same secret");
    const dump = await owner.query(
      "SELECT count(*)::int AS n FROM airlock.webhooks WHERE plaintext_secret IS NOT NULL",
    );
    assert.equal(dump.rows[0].n, 0);
  } finally {
    await owner.end();
  }
});

test("an admin disables, enables and deletes a webhook (each audited); a disabled webhook gets no delivery; others may not", async () => {
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/managed`;
  const created = await t.post(
    "/api/v1/admin/webhooks",
    { url, eventTypes: ["approval.requested"], internal: true },
    admin.headers,
  );
  const { webhook } = await created.json();
  const call = (path: string, method: string, user: TestUser) =>
    t.request(path, { method, headers: user.headers });
  assert.equal(
    (await call(`/api/v1/admin/webhooks/${webhook.id}/disable`, "POST", cast.manager)).status,
    403,
  );
  assert.equal((await call(`/api/v1/admin/webhooks/${webhook.id}`, "DELETE", cast.manager)).status, 403);

  const disabled = await call(`/api/v1/admin/webhooks/${webhook.id}/disable`, "POST", admin);
  assert.equal(disabled.status, 200);
  assert.ok((await disabled.json()).webhook.disabledAt);
  await requestApproval(t, cast.operator, "credit_queued", { account: "acc_off", amount: 25_000 });
  await t.airlock.approvals.events.drain();
  await new Promise((r) => setTimeout(r, 1_000));
  const deliveries = await getJson(t, admin, `/api/v1/admin/webhooks/${webhook.id}/deliveries`);
  assert.equal(deliveries.body.deliveries.length, 0, "nothing is queued for a disabled webhook");

  const enabled = await call(`/api/v1/admin/webhooks/${webhook.id}/enable`, "POST", admin);
  assert.equal((await enabled.json()).webhook.disabledAt, null);
  assert.equal((await call(`/api/v1/admin/webhooks/${webhook.id}`, "DELETE", admin)).status, 204);
  assert.equal((await call(`/api/v1/admin/webhooks/${webhook.id}`, "DELETE", admin)).status, 404);
  const listed = await getJson(t, admin, "/api/v1/admin/webhooks");
  assert.ok(!listed.body.webhooks.some((w: { id: string }) => w.id === webhook.id));

  const { rows } = await t.airlock.database.pool.query(
    `SELECT type, actor_id FROM airlock.audit_events
      WHERE type IN ('webhook.disabled', 'webhook.enabled', 'webhook.deleted') AND data->>'webhookId' = $1 ORDER BY id`,
    [webhook.id],
  );
  assert.deepEqual(
    rows.map((r) => [r.type, r.actor_id]),
    [
      ["webhook.disabled", admin.id],
      ["webhook.enabled", admin.id],
      ["webhook.deleted", admin.id],
    ],
  );
});
