import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import { StartupError } from "../../src/errors/startup-error.ts";
import { ownerClient } from "../../src/store/database.ts";
import { startEmbeddedPostgres } from "../../src/store/embedded-postgres.ts";

const dirs: string[] = [];
const pgDirs: string[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const pgDir of pgDirs) {
    // Never leave a postmaster behind: children killed here orphan theirs.
    const pid = await postmasterPid(pgDir).catch(() => 0);
    if (pid > 0) {
      try {
        process.kill(pid, "SIGINT");
        for (let i = 0; i < 100; i++) {
          process.kill(pid, 0);
          await new Promise((r) => setTimeout(r, 50));
        }
      } catch {}
    }
    await rm(pgDir, { recursive: true, force: true });
  }
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function dataDir() {
  // Under the project (not /tmp) so the path looks like a real checkout's .airlock.
  const dir = await mkdtemp(join(import.meta.dirname, "..", ".artifacts-embedded-"));
  dirs.push(dir);
  return dir;
}

function startChild(dir: string): Promise<{ child: ChildProcess; url: string; pgDir: string }> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, "..", "support", "embedded-child.ts"), dir],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let buffer = "";
    child.stdout!.on("data", (chunk) => {
      buffer += String(chunk);
      const line = buffer.split("\n")[0];
      if (buffer.includes("\n") && line) {
        const { url, pgDir } = JSON.parse(line);
        pgDirs.push(pgDir);
        resolve({ child, url, pgDir });
      }
    });
    child.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
  });
}

async function canQuery(url: string): Promise<boolean> {
  try {
    const client = await ownerClient(url);
    await client.query("SELECT 1");
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** Alive and not a zombie (an exited orphan stays a zombie until PID 1 reaps it). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

async function postmasterPid(pgDir: string): Promise<number> {
  const text = await readFile(join(pgDir, "postmaster.pid"), "utf8");
  return Number(text.split("\n")[0]);
}

test("after the owning process is SIGKILLed, the next start stops the orphan and starts cleanly", async () => {
  const dir = await dataDir();
  const { child, url, pgDir } = await startChild(dir);
  const orphan = await postmasterPid(pgDir);
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
  // The orphaned postmaster is still serving: this is the trap.
  assert.equal(await canQuery(url), true, "orphan postmaster keeps running after SIGKILL");

  const handle = await startEmbeddedPostgres({ dataDir: dir, database: "postgres" });
  try {
    assert.equal(await canQuery(handle.url), true);
    assert.equal(handle.pgDir, pgDir);
    assert.notEqual(await postmasterPid(pgDir), orphan, "a new postmaster runs");
    assert.equal(running(orphan), false, "the orphan is gone");
  } finally {
    await handle.stop();
  }
});

test("a data dir used by another running Airlock is refused with a clear message", async () => {
  const dir = await dataDir();
  const { child } = await startChild(dir);
  await assert.rejects(startEmbeddedPostgres({ dataDir: dir, database: "postgres" }), (error: unknown) => {
    assert.ok(error instanceof StartupError);
    assert.equal(error.code, "embedded_postgres.in_use");
    assert.match(error.message, new RegExp(`in use by another Airlock \\(pid ${child.pid}`));
    assert.match(error.message, /AIRLOCK_DATA_DIR/);
    return true;
  });
  child.kill("SIGTERM");
});

test("a fixed port that is taken is named in the error", async () => {
  const dir = await dataDir();
  const first = await startEmbeddedPostgres({ dataDir: await dataDir(), database: "postgres" });
  pgDirs.push(first.pgDir);
  try {
    await assert.rejects(
      startEmbeddedPostgres({ dataDir: dir, port: first.port, database: "postgres" }),
      (error: unknown) => {
        assert.ok(error instanceof StartupError);
        assert.equal(error.code, "embedded_postgres.port_in_use");
        assert.match(error.message, new RegExp(`Port ${first.port}`));
        return true;
      },
    );
  } finally {
    await first.stop();
  }
});
