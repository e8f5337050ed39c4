import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { bufferedDestination, createLogger } from "../../src/observe/logger.ts";

const dir = mkdtempSync(join(tmpdir(), "airlock-log-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const logger = new URL("../../src/observe/logger.ts", import.meta.url).href;

test("buffered log lines reach the file within the flush period, without 4 KiB waiting", async () => {
  const file = join(dir, "period.log");
  const log = createLogger({ level: "info", destination: bufferedDestination(file) });
  log.info({ n: 1 }, "first");
  await sleep(1_000);
  assert.match(readFileSync(file, "utf8"), /"msg":"first"/);
});

test("a process that crashes (an uncaught exception) still writes its buffered lines", () => {
  const file = join(dir, "crash.log");
  const script = `import { bufferedDestination, createLogger } from ${JSON.stringify(logger)};
    const log = createLogger({ level: "info", destination: bufferedDestination(${JSON.stringify(file)}) });
    for (let i = 0; i < 3; i++) log.info({ i }, "before the crash");
    setTimeout(() => { throw new Error("boom"); }, 10);`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.notEqual(child.status, 0, "the child crashed");
  assert.equal(readFileSync(file, "utf8").match(/before the crash/g)?.length, 3);
});
