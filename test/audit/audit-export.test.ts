import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type pg from "pg";
import { AUDIT_CSV_HEADER, csvCell, exportAudit } from "../../src/audit/audit-export.ts";
import { auditExportQuerySchema, auditSearchQuerySchema } from "../../src/audit/audit-filter.ts";
import { searchAudit } from "../../src/audit/audit-search.ts";
import { type Database, openDatabase, ownerClient } from "../../src/store/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let app: Database;
let owner: pg.Client;
before(async () => {
  db = await createTestDatabase();
  app = openDatabase({ url: db.url, max: 3 });
  owner = await ownerClient(db.url);
});
after(async () => {
  await owner.end();
  await app.close();
  await db.drop();
});

/** RFC 4180 reader, for checking what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted) {
      cell += c;
    } else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else {
      cell += c;
    }
  }
  return rows;
}

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = "";
  for await (const chunk of chunks) text += chunk;
  return text;
}

const DANGEROUS: [string, string][] = [
  ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
  ["+1", "'+1"],
  ["-1", "'-1"],
  ["@SUM(1)", "'@SUM(1)"],
  ["\tTAB", "'\tTAB"],
  ["\rCR", "'\rCR"],
  ["＝HYPERLINK(1)", "'＝HYPERLINK(1)"],
  ["a,b", "a,b"],
  ['say "hi"', 'say "hi"'],
  ["line1\nline2", "line1\nline2"],
  ["1+1=2", "1+1=2"],
  ["plain", "plain"],
];

test("CSV: formula cells neutralized, commas, quotes and newlines quoted (RFC 4180)", async () => {
  assert.equal(csvCell("=1+1"), "'=1+1");
  assert.equal(csvCell("\rCR"), `"'\rCR"`);
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvCell(null), "");
  for (const [reason] of DANGEROUS) {
    await owner.query(
      "INSERT INTO airlock.audit_events (type, outcome, run_id, reason, actor_id) VALUES ('run.failed', 'failure', 'run_csv', $1, $1)",
      [reason],
    );
  }
  const csv = await collect(
    exportAudit(app.streamPool, auditExportQuerySchema.parse({ runId: "run_csv" }), "csv"),
  );
  assert.ok(csv.startsWith(AUDIT_CSV_HEADER));
  const [header, ...rows] = parseCsv(csv);
  assert.equal(header?.[0], "id");
  const reason = header!.indexOf("reason");
  const actor = header!.indexOf("actor_id");
  assert.deepEqual(
    rows.map((r) => r[reason]),
    DANGEROUS.map(([, safe]) => safe),
  );
  assert.deepEqual(
    rows.map((r) => r[actor]),
    DANGEROUS.map(([, safe]) => safe),
  );
  for (const row of rows) {
    assert.equal(row.length, header!.length);
    for (const cell of row) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, "no cell starts a formula");
  }
});

test("JSON Lines: one event per line, round-trips to the search records, jsonb copied exactly", async () => {
  await owner.query(
    `INSERT INTO airlock.audit_events (type, outcome, run_id, params, data, reason)
     VALUES ('run.succeeded', 'success', 'run_jsonl', '{"big": 12345678901234567890, "x": 1.50}', NULL, E'a\\nb'),
            ('run.succeeded', 'success', 'run_jsonl', '{"nested": {"ü": [1, null]}}', 'null', '')`,
  );
  const jsonl = await collect(exportAudit(app.streamPool, { runId: "run_jsonl" }, "jsonl"));
  const lines = jsonl.split("\n");
  assert.equal(lines.pop(), "", "ends with a newline");
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /"params":\{"x": 1.50, "big": 12345678901234567890\}/);
  const page = await searchAudit(app.pool, auditSearchQuerySchema.parse({ runId: "run_jsonl" }));
  assert.deepEqual(
    lines.map((line) => JSON.parse(line)),
    page.events.reverse(),
  );
});

test("a 200,000-event CSV export streams in constant memory; stopping early frees the connection", async (t) => {
  await owner.query(
    `INSERT INTO airlock.audit_events (type, outcome, actor_id, run_id, target_type, target_id, reason, params, user_agent)
     SELECT 'run.succeeded', 'success', 'usr_big', 'run_big', 'payment', 'pay_' || g, 'ticket ' || g || ', refund',
            jsonb_build_object('amount', g, 'currency', 'EUR', 'memo', repeat('m', 100)), 'Mozilla/5.0 (X11; Linux x86_64)'
       FROM generate_series(1, 200000) g`,
  );
  // A forced collection before each sample measures what the export keeps alive, not garbage.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  // JSON Lines shares the generator and cursor; the large run covers CSV, the heavier formatting.
  for (const format of ["csv"] as const) {
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let chunks = 0;
    let bytes = 0;
    let lines = 0;
    const started = performance.now();
    for await (const chunk of exportAudit(app.streamPool, { runId: "run_big" }, format)) {
      chunks++;
      bytes += Buffer.byteLength(chunk);
      for (let i = chunk.indexOf("\n"); i !== -1; i = chunk.indexOf("\n", i + 1)) lines++;
      if (chunks % 20 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    const ms = performance.now() - started;
    t.diagnostic(
      `${format}: ${lines} lines, ${(bytes / 1e6).toFixed(1)} MB in ${chunks} chunks, ${ms.toFixed(0)} ms ` +
        `(${Math.round(lines / (ms / 1000))} rows/s), live heap growth peak ${(peak / 1e6).toFixed(1)} MB`,
    );
    assert.equal(lines, 200_000 + (format === "csv" ? 1 : 0));
    assert.ok(chunks >= 200, "arrives a batch at a time");
    assert.ok(peak < bytes / 20, `live heap grew ${peak} bytes while exporting ${bytes}`);
  }

  const early = exportAudit(app.streamPool, { runId: "run_big" }, "csv", { batchRows: 100 });
  let seen = 0;
  for await (const _chunk of early) if (++seen === 3) break;
  // The connection went back to the pool with its cursor closed and transaction ended.
  // (pg_cursors is per session; the pool hands the idle connection just returned out again.)
  const probe = await app.streamPool.query("SELECT count(*)::int AS n FROM pg_cursors");
  assert.equal(probe.rows[0].n, 0);
  assert.equal(app.streamPool.totalCount, 1);
});
