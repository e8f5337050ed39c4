import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CATALOGUE } from "../../src/errors/catalogue.ts";

// Codes are permanent once shipped. This snapshot makes any rename or removal a visible decision:
// adding codes is fine (update with UPDATE_SNAPSHOTS=1); removing or renaming one fails here.
const SNAPSHOT = new URL("./catalogue.snapshot.json", import.meta.url);

test("the error catalogue only grows", () => {
  const current = Object.fromEntries(Object.entries(CATALOGUE).map(([code, entry]) => [code, entry.status]));
  if (process.env.UPDATE_SNAPSHOTS === "1") writeFileSync(SNAPSHOT, `${JSON.stringify(current, null, 2)}\n`);
  const shipped = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as Record<string, number>;
  for (const [code, status] of Object.entries(shipped)) {
    assert.ok(code in current, `error code ${code} was removed or renamed`);
    assert.equal(current[code], status, `error code ${code} changed its HTTP status`);
  }
  assert.deepEqual(
    Object.keys(current).sort(),
    Object.keys(shipped).sort(),
    "new codes: run UPDATE_SNAPSHOTS=1 npm test",
  );
});

test("every code is dotted snake_case with a 4xx/5xx status and a sentence", () => {
  for (const [code, entry] of Object.entries(CATALOGUE)) {
    assert.match(code, /^[a-z]+(\.[a-z_]+)?$/, code);
    assert.ok(entry.status >= 400 && entry.status <= 599, code);
    assert.match(entry.message, /^[A-Z].*[.!]$/, code);
  }
});

test("every code is raised somewhere: the catalogue lists no code that nothing can answer", () => {
  const sources = readdirSync(new URL("../../src/", import.meta.url), {
    recursive: true,
    withFileTypes: true,
  })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.startsWith("catalogue."))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8"))
    .join("\n");
  const unraised = Object.keys(CATALOGUE).filter((code) => !sources.includes(`"${code}"`));
  assert.deepEqual(unraised, [], "codes no source file names");
});
